package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody is how much of a response body an exchange keeps as evidence.
const maxBody = 64 << 10

// exchange is one HTTP request and what came back, kept as evidence.
type exchange struct {
	Method   string
	URL      string
	Status   int
	Header   http.Header
	Body     []byte
	Err      error
	Duration time.Duration
}

// ok reports whether the request got a 2xx answer.
func (e *exchange) ok() bool { return e.Err == nil && e.Status >= 200 && e.Status < 300 }

// headersShown are the response headers worth quoting in evidence: they say
// who answered (CloudFront, an ALB, the server) and how.
var headersShown = []string{
	"Server", "X-Cache", "Via", "Location", "Content-Type", "WWW-Authenticate", "Allow",
	"Mcp-Session-Id", "Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Retry-After",
}

// String renders the exchange on one line: request, status, telling headers,
// the start of the body.
func (e *exchange) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s → ", e.Method, e.URL)
	if e.Err != nil {
		fmt.Fprintf(&b, "error: %v", e.Err)
		return b.String()
	}
	fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	var hs []string
	for _, h := range headersShown {
		if v := e.Header.Get(h); v != "" {
			hs = append(hs, h+": "+v)
		}
	}
	if len(hs) > 0 {
		fmt.Fprintf(&b, " [%s]", strings.Join(hs, "; "))
	}
	if snippet := e.snippet(160); snippet != "" {
		fmt.Fprintf(&b, " body: %s", snippet)
	}
	fmt.Fprintf(&b, " (%s)", round(e.Duration))
	return b.String()
}

// snippet returns the start of the body on one line, HTML tags stripped.
func (e *exchange) snippet(n int) string {
	text := string(e.Body)
	if strings.Contains(strings.ToLower(e.Header.Get("Content-Type")), "html") {
		text = stripTags(text)
	}
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > n {
		text = text[:n] + "…"
	}
	return text
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bodyContains reports whether the body contains any of the substrings,
// ignoring case.
func (e *exchange) bodyContains(subs ...string) bool {
	body := strings.ToLower(string(e.Body))
	for _, s := range subs {
		if strings.Contains(body, strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// fromCloudFront reports whether CloudFront produced or relayed the answer.
func (e *exchange) fromCloudFront() bool {
	return strings.EqualFold(e.Header.Get("Server"), "CloudFront") ||
		strings.Contains(strings.ToLower(e.Header.Get("X-Cache")), "cloudfront") ||
		strings.Contains(strings.ToLower(e.Header.Get("Via")), "cloudfront") ||
		e.Header.Get("X-Amz-Cf-Id") != ""
}

// errorFromCloudFront reports whether CloudFront itself produced an error
// (rather than relaying the origin's answer).
func (e *exchange) errorFromCloudFront() bool {
	return strings.Contains(strings.ToLower(e.Header.Get("X-Cache")), "error from cloudfront") ||
		(strings.EqualFold(e.Header.Get("Server"), "CloudFront") && e.Status >= 400)
}

// fromALB reports whether an AWS load balancer produced the answer.
func (e *exchange) fromALB() bool {
	return strings.HasPrefix(strings.ToLower(e.Header.Get("Server")), "awselb")
}

// send performs req with client and records the exchange. The response
// body is read (up to maxBody) and closed.
func send(ctx context.Context, client *http.Client, req *http.Request) *exchange {
	ex := &exchange{Method: req.Method, URL: req.URL.String()}
	start := time.Now()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		ex.Duration = time.Since(start)
		var uerr interface{ Unwrap() error }
		if errors.As(err, &uerr) && uerr.Unwrap() != nil {
			err = uerr.Unwrap() // drop net/http's repetition of method and URL
		}
		ex.Err = err
		return ex
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	ex.Duration = time.Since(start)
	ex.Status, ex.Header, ex.Body = resp.StatusCode, resp.Header, body
	if err != nil && !errors.Is(err, context.Canceled) {
		ex.Err = fmt.Errorf("reading the body after %d: %w", resp.StatusCode, err)
	}
	return ex
}

// newRequest builds a request; body may be nil.
func newRequest(method, url string, body []byte, header http.Header) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, url, err)
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	return req, nil
}
