package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// recorder is the MCP client's HTTP transport: it adds the credential and
// keeps every exchange that did not succeed, so that a failed session can be
// diagnosed from what the server actually answered (the SDK's errors keep
// only the status text).
type recorder struct {
	next   http.RoundTripper
	header func(http.Header)
	mu     sync.Mutex
	failed []*exchange
	seen   []*exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	r.header(req.Header)
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	rpcMethod := peekMethod(req)
	start := time.Now()
	resp, err := r.next.RoundTrip(req)
	ex := &exchange{Method: req.Method, URL: req.URL.String(), Err: err, Duration: time.Since(start)}
	if err == nil {
		// The SDK reads a JSON answer whole: a server streaming an endless
		// body must not take the doctor's memory with it.
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: maxSessionBody}
		ex.Status, ex.Header = resp.StatusCode, resp.Header
		if resp.StatusCode >= 300 && req.Method != http.MethodGet {
			// Keep the start of the body for the evidence, and give the SDK
			// the whole body back.
			head, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
			ex.Body = head
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, ex)
	// A GET for the optional standalone stream may fail with 405; that is
	// allowed and not evidence of anything.
	// So may the SDK's server/discover probe on servers older than
	// 2026-07-28: the client falls back to initialize.
	optional := err == nil && ((req.Method == http.MethodGet && resp.StatusCode == http.StatusMethodNotAllowed) ||
		(rpcMethod == "server/discover" && resp.StatusCode >= 400 && resp.StatusCode < 500))
	if (err != nil || resp.StatusCode >= 300) && !optional {
		r.failed = append(r.failed, ex)
	}
	return resp, err
}

// maxSessionBody bounds one response body read during the MCP session
// check; the knowledge base tools answer well under it.
const maxSessionBody = 16 << 20

// errBodyTooLarge ends a response body longer than maxSessionBody.
var errBodyTooLarge = fmt.Errorf("the response body is longer than %d MiB; the doctor stops reading there", maxSessionBody>>20)

// cappedBody reads at most left bytes of a body, then fails.
type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// lastFailure returns the most recent failed exchange, or nil.
func (r *recorder) lastFailure() *exchange { return r.failureSince(0) }

// mark returns a position in the failures, for failureSince.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.failed)
}

// failureSince returns the most recent failure recorded after mark, or nil:
// an operation is diagnosed from its own exchanges only (the SDK's
// server/discover probe fails harmlessly on older servers, for one).
func (r *recorder) failureSince(mark int) *exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.failed) <= mark {
		return nil
	}
	return r.failed[len(r.failed)-1]
}

// sessionHeader returns the first Mcp-Session-Id the server sent.
func (r *recorder) sessionHeader() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ex := range r.seen {
		if v := ex.Header.Get("Mcp-Session-Id"); v != "" {
			return v
		}
	}
	return ""
}

// checkSession is check 3: a full session with the Go SDK client.
func (d *doctor) checkSession(ctx context.Context, c *Check) {
	rec := &recorder{next: d.transport(), header: d.addAuth}
	httpClient := &http.Client{
		Transport:     rec,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	transport := &mcp.StreamableClientTransport{
		Endpoint:   d.endpoint.String(),
		HTTPClient: httpClient,
		MaxRetries: -1,
		// The standalone GET stream is optional and stateless servers
		// answer it 405; the doctor needs only request/response.
		DisableStandaloneSSE: true,
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "knowledge-mcp-verify", Version: "1"}, nil)
	cctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	var sopts *mcp.ClientSessionOptions
	if d.opts.ProtocolVersion != "" {
		sopts = &mcp.ClientSessionOptions{ProtocolVersion: d.opts.ProtocolVersion}
	}
	cs, err := client.Connect(cctx, transport, sopts)
	if err != nil {
		c.Evidencef("initialize: %v", err)
		if ex := rec.lastFailure(); ex != nil {
			d.failWith(c, Fail, "session setup (initialize) failed: "+statusOrErr(ex), ex, d.hasAuth())
			return
		}
		c.Add(Fail, "session setup (initialize) failed: "+err.Error())
		return
	}
	d.session = cs
	init := cs.InitializeResult()
	name := "(unnamed)"
	if init.ServerInfo != nil {
		name = init.ServerInfo.Name + " " + init.ServerInfo.Version
	}
	c.Evidencef("initialize: protocol %s, server %s", init.ProtocolVersion, name)
	if id := rec.sessionHeader(); id != "" {
		d.sessionID = id
		c.Evidencef("the server issued Mcp-Session-Id %q: it keeps session state", truncate(id, 24))
		c.Add(Warn, "stateful server: needs stickiness behind a load balancer with more than one replica", diagStateful)
	}

	mark := rec.mark()
	tools, err := d.listTools(ctx, cs)
	if err != nil {
		c.Evidencef("tools/list: %v", err)
		c.Add(Fail, "tools/list failed: "+err.Error(), diagnoseExchange(rec.failureSince(mark), d.hasAuth())...)
		return
	}
	d.offersSimple = slices.ContainsFunc(tools, func(t *mcp.Tool) bool { return t.Name == "simpleadd" })
	names := make([]string, 0, len(tools))
	for _, t := range tools {
		names = append(names, t.Name)
	}
	c.Evidencef("tools/list: %d tools: %s", len(tools), strings.Join(names, ", "))
	if len(tools) == 0 {
		c.Add(Warn, "the server lists no tools")
	}

	called, failed := 0, 0
	for _, t := range tools {
		if t.Annotations == nil || !t.Annotations.ReadOnlyHint {
			c.Evidencef("%s: not annotated read-only; not called", t.Name)
			continue
		}
		args, err := argumentsFor(t)
		if err != nil {
			c.Evidencef("%s: not called: %v", t.Name, err)
			continue
		}
		called++
		if !d.callTool(ctx, c, cs, rec, t, args) {
			failed++
		}
	}
	d.listExtras(ctx, c, cs, init)
	if init.ProtocolVersion >= "2026-07-28" {
		d.checkLegacyHandshake(ctx, c)
	}

	summary := fmt.Sprintf("protocol %s, %d tools, %d read-only tools called", init.ProtocolVersion, len(tools), called)
	if failed > 0 {
		summary += fmt.Sprintf(", %d failed", failed)
	}
	c.Add(Pass, summary)
}

func (d *doctor) listTools(ctx context.Context, cs *mcp.ClientSession) ([]*mcp.Tool, error) {
	var tools []*mcp.Tool
	lctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	for t, err := range cs.Tools(lctx, nil) {
		if err != nil {
			return tools, err
		}
		tools = append(tools, t)
	}
	return tools, nil
}

// callTool calls one read-only tool and judges the result; it reports
// whether the call went well.
func (d *doctor) callTool(ctx context.Context, c *Check, cs *mcp.ClientSession, rec *recorder, t *mcp.Tool, args map[string]any) bool {
	tctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	shown, _ := json.Marshal(args)
	mark := rec.mark()
	start := time.Now()
	res, err := cs.CallTool(tctx, &mcp.CallToolParams{Name: t.Name, Arguments: args})
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		c.Evidencef("%s(%s): %v (%s)", t.Name, shown, err, took)
		c.Add(Fail, fmt.Sprintf("calling %s failed: %v", t.Name, err), diagnoseExchange(rec.failureSince(mark), d.hasAuth())...)
		return false
	}
	text := resultText(res)
	if res.IsError {
		if ds := diagnoseToolError(text); len(ds) > 0 {
			c.Evidencef("%s(%s): tool error: %s (%s)", t.Name, shown, truncate(text, 300), took)
			c.Add(Fail, fmt.Sprintf("%s: %s", t.Name, truncate(text, 120)), ds...)
			return false
		}
		// A tool error for made-up arguments is the protocol working as it
		// should (a document that does not exist, a query with no hits).
		c.Evidencef("%s(%s): answered with a tool error for generated arguments (the protocol works): %s (%s)", t.Name, shown, truncate(text, 200), took)
		return true
	}
	if t.Name == "simpleadd" {
		r := toolResult{StructuredContent: mustJSON(res.StructuredContent)}
		r.Content = append(r.Content, struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}{"text", text})
		if sum, _ := sumOf(&r); sum != args["a"].(float64)+args["b"].(float64) {
			c.Evidencef("simpleadd(%s) = %q", shown, text)
			c.Add(Fail, fmt.Sprintf("simpleadd answered %q, not %v", text, args["a"].(float64)+args["b"].(float64)))
			return false
		}
	}
	structured := ""
	if res.StructuredContent != nil {
		structured = ", structuredContent"
	}
	c.Evidencef("%s(%s): ok, %d content items%s (%s)", t.Name, shown, len(res.Content), structured, took)
	return true
}

// listExtras lists resources, resource templates and prompts when the
// server offers them.
func (d *doctor) listExtras(ctx context.Context, c *Check, cs *mcp.ClientSession, init *mcp.InitializeResult) {
	caps := init.Capabilities
	if caps == nil {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	if caps.Resources != nil {
		n, err := count(cs.Resources(lctx, nil))
		if err != nil {
			c.Evidencef("resources/list: %v", err)
			c.Add(Warn, "resources/list failed: "+err.Error())
		} else {
			c.Evidencef("resources/list: %d resources", n)
		}
		n, err = count(cs.ResourceTemplates(lctx, nil))
		if err != nil {
			c.Evidencef("resources/templates/list: %v", err)
			c.Add(Warn, "resources/templates/list failed: "+err.Error())
		} else {
			c.Evidencef("resources/templates/list: %d templates", n)
		}
	}
	if caps.Prompts != nil {
		n, err := count(cs.Prompts(lctx, nil))
		if err != nil {
			c.Evidencef("prompts/list: %v", err)
			c.Add(Warn, "prompts/list failed: "+err.Error())
		} else {
			c.Evidencef("prompts/list: %d prompts", n)
		}
	}
}

func count[T any](seq func(func(T, error) bool)) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// diagnoseToolError maps a tool's error text to AWS permission problems.
func diagnoseToolError(text string) []Diagnosis {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "accessdenied"), strings.Contains(t, "access denied"),
		strings.Contains(t, "not authorized to perform"), strings.Contains(t, "unauthorizedoperation"),
		strings.Contains(t, "aws denied"):
		return []Diagnosis{diagAccessDenied}
	case strings.Contains(t, "no valid credential"), strings.Contains(t, "credentials not found"),
		strings.Contains(t, "unable to locate credentials"), strings.Contains(t, "no ec2 imds role found"),
		strings.Contains(t, "failed to retrieve credentials"), strings.Contains(t, "nocredentialproviders"),
		strings.Contains(t, "no aws credentials"):
		return []Diagnosis{diagNoCredentials}
	}
	return nil
}

func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func mustJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// checkLegacyHandshake sends the initialize that handshake-era clients send
// (AgentCore Gateway, most desktop clients): the server must still answer it
// when the session above negotiated a newer, handshake-free revision.
func (d *doctor) checkLegacyHandshake(ctx context.Context, c *Check) {
	ex := d.rpc(ctx, initializeRequest, nil, true)
	if !ex.ok() {
		c.Evidencef("initialize 2025-06-18: %s", ex)
		c.Add(Warn, "the server does not answer a 2025-06-18 initialize (what AgentCore Gateway and most clients send): "+statusOrErr(ex), diagnoseExchange(ex, d.hasAuth())...)
		return
	}
	resp, err := parseRPC(ex.Header.Get("Content-Type"), ex.Body)
	if err != nil || resp.Error != nil {
		msg := "no JSON-RPC answer"
		if err != nil {
			msg = err.Error()
		} else {
			msg = resp.Error.Message
		}
		c.Evidencef("initialize 2025-06-18: %s", msg)
		c.Add(Warn, "a 2025-06-18 initialize failed: "+msg, diagnoseExchange(ex, d.hasAuth())...)
		return
	}
	var res struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	_ = json.Unmarshal(resp.Result, &res)
	c.Evidencef("initialize 2025-06-18 (as AgentCore Gateway sends it): answered protocol %s", res.ProtocolVersion)
}

// peekMethod returns the JSON-RPC method of a POST without consuming its
// body, or "".
func peekMethod(req *http.Request) string {
	if req.Method != http.MethodPost || req.GetBody == nil {
		return ""
	}
	body, err := req.GetBody()
	if err != nil {
		return ""
	}
	defer body.Close()
	var msg struct {
		Method string `json:"method"`
	}
	_ = json.NewDecoder(io.LimitReader(body, maxBody)).Decode(&msg)
	return msg.Method
}
