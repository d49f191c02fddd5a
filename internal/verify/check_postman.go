package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// PostmanRequest is the Postman connectivity test (simpleadd 10 + 20 with
// no initialize first), sent exactly as
// Postman sends it: no initialize first, only a JSON content type.
const PostmanRequest = `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`

// checkPostman is check 2: the Postman request answers 200 with 30.
func (d *doctor) checkPostman(ctx context.Context, c *Check) {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	ex := d.do(ctx, http.MethodPost, d.endpoint.String(), []byte(PostmanRequest), h, true)
	c.Evidencef("%s", ex)
	if !ex.ok() && (ex.Status == http.StatusBadRequest || ex.Status == http.StatusNotAcceptable) && ex.bodyContains("accept") {
		// The server insists on an Accept header. Postman itself sends
		// Accept: */*; try that before failing.
		h.Set("Accept", "*/*")
		retry := d.do(ctx, http.MethodPost, d.endpoint.String(), []byte(PostmanRequest), h, true)
		c.Evidencef("again with Accept: */* (as Postman sends it): %s", retry)
		if retry.ok() {
			c.Add(Warn, "answers only when the request carries an Accept header; a client that sends just Content-Type gets "+strconv.Itoa(ex.Status), diagAcceptStrict)
			ex = retry
		}
	}
	switch {
	case ex.Err != nil:
		for _, dg := range diagnoseError(ex.Err) {
			if why, ok := unreachable(dg); ok {
				d.blocked = why
			}
		}
	case ex.Status >= 500 && ex.errorFromCloudFront():
		d.blocked = fmt.Sprintf("CloudFront answers %d: it cannot reach the origin", ex.Status)
	case ex.Status >= 500 && ex.fromALB():
		d.blocked = fmt.Sprintf("the load balancer answers %d: it cannot reach a healthy target", ex.Status)
	}
	if !ex.ok() {
		summary := "the Postman request failed: " + statusOrErr(ex)
		c.Add(Fail, summary, diagnoseExchange(ex, d.hasAuth())...)
		return
	}
	resp, err := parseRPC(ex.Header.Get("Content-Type"), ex.Body)
	if err != nil {
		c.Add(Fail, "answered 200 but not with JSON-RPC: "+err.Error())
		return
	}
	if resp.Error != nil {
		if isUnknownTool(resp.Error) {
			d.offersSimple = false
			c.Add(Skip, fmt.Sprintf("the server offers no simpleadd tool (%q); the connectivity test does not apply", resp.Error.Message))
			return
		}
		c.Add(Fail, fmt.Sprintf("JSON-RPC error %d: %s", resp.Error.Code, resp.Error.Message), diagnoseExchange(ex, d.hasAuth())...)
		return
	}
	var result toolResult
	if err := json.Unmarshal(resp.Result, &result); err != nil {
		c.Add(Fail, "tools/call result is not a CallToolResult: "+err.Error())
		return
	}
	if result.IsError {
		if isUnknownTool(&rpcError{Message: result.text()}) {
			c.Add(Skip, fmt.Sprintf("the server offers no simpleadd tool (%q); the connectivity test does not apply", result.text()))
			return
		}
		c.Add(Fail, "simpleadd returned a tool error: "+result.text(), diagnoseToolError(result.text())...)
		return
	}
	d.offersSimple = true
	sum, where := sumOf(&result)
	if sum != 30 {
		c.Add(Fail, fmt.Sprintf("simpleadd(10, 20) answered %q, not 30", result.text()))
		return
	}
	c.Add(Pass, fmt.Sprintf("200 %s with the sum 30 (%s) in %s", mediaType(ex), where, ex.Duration.Round(1e6)))
}

// sumOf finds the number in the result: structuredContent first (any
// single numeric field), else the text.
func sumOf(r *toolResult) (float64, string) {
	if len(r.StructuredContent) > 0 {
		var m map[string]any
		if json.Unmarshal(r.StructuredContent, &m) == nil {
			for k, v := range m {
				if f, ok := v.(float64); ok && len(m) == 1 {
					return f, "structuredContent." + k
				}
			}
		}
	}
	text := strings.TrimSpace(r.text())
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return f, "text"
	}
	for _, field := range strings.FieldsFunc(text, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == '-')
	}) {
		if f, err := strconv.ParseFloat(field, 64); err == nil && f == 30 {
			return f, "text"
		}
	}
	return math.NaN(), "text"
}

func isUnknownTool(e *rpcError) bool {
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "unknown tool") || strings.Contains(m, "tool not found") ||
		(strings.Contains(m, "not found") && strings.Contains(m, "simpleadd"))
}

func mediaType(ex *exchange) string {
	ct := ex.Header.Get("Content-Type")
	if i := strings.Index(ct, ";"); i >= 0 {
		ct = ct[:i]
	}
	return ct
}

func statusOrErr(ex *exchange) string {
	if ex.Err != nil {
		return ex.Err.Error()
	}
	return fmt.Sprintf("%d %s", ex.Status, http.StatusText(ex.Status))
}
