package httpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// edgeBlock calls the blocking tool of newBlockingEdge.
const edgeBlock = `{"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"block","arguments":{}}}`

// blocker is the blocking tool's control: started is closed when a call
// is running, release lets it finish.
type blocker struct {
	started, release chan struct{}
}

// newBlockingEdge is newTestEdge with two more tools: "block", which waits
// for release, and "inf", whose answer holds an infinity.
func newBlockingEdge(t *testing.T, opts Options) (*testEdge, *blocker) {
	t.Helper()
	e := &testEdge{t: t, logs: &lockedBuffer{}}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(e.logs, nil))
	}
	b := &blocker{started: make(chan struct{}), release: make(chan struct{})}
	server := mcpserver.New(mcpserver.Options{Version: "test", Logger: opts.Logger})
	var once bool
	server.AddTool(&mcp.Tool{Name: "block", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, _ *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if !once {
				once = true
				close(b.started)
			}
			select {
			case <-b.release:
			case <-ctx.Done():
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil
		})
	server.AddTool(&mcp.Tool{Name: "inf", InputSchema: map[string]any{"type": "object"}},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{StructuredContent: map[string]any{"v": math.Inf(1)}}, nil
		})
	e.handler = New(server, opts)
	return e, b
}

// batchOf returns a batch of n simpleadd calls with ids 1..n.
func batchOf(n int) string {
	calls := make([]string, n)
	for i := range calls {
		calls[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`, i+1)
	}
	return "[" + strings.Join(calls, ",") + "]"
}

// stillServes requires /healthz and a good call to answer after a hostile
// case.
func stillServes(t *testing.T, e *testEdge) {
	t.Helper()
	if resp, body := e.call(http.MethodGet, "/healthz", ""); resp.StatusCode != 200 {
		t.Errorf("/healthz afterwards: %d %s", resp.StatusCode, body)
	}
	resp, body := e.call(http.MethodPost, "/mcp", edgeAdd)
	wantSum(t, "a good call afterwards", resp, body)
}

// A body arriving slowly holds no concurrency slot: it is read before the
// slot is taken. 300 connections sending a byte every 2 s made every call
// answer 503 for READ_TIMEOUT.
func TestHostileSlowBodyHoldsNoSlot(t *testing.T) {
	opts := serveDefaults()
	opts.MaxConcurrent = 1
	e := newTestEdge(t, opts)
	pr, pw := io.Pipe()
	body := &signalingReader{r: pr, started: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.handler.ServeHTTP(httptest.NewRecorder(), e.request(http.MethodPost, "/mcp", body))
	}()
	go func() { _, _ = io.WriteString(pw, edgeAdd[:10]) }()
	<-body.started
	resp, respBody := e.call(http.MethodPost, "/mcp", edgeAdd)
	wantSum(t, "a call while another's body is still arriving", resp, respBody)
	pw.CloseWithError(io.ErrUnexpectedEOF)
	<-done
	stillServes(t, e)
}

// Batches: capped in length, and each message takes its own concurrency
// slot and rate-limit token (10 HTTP requests carried 20,000 calls past
// RATE_LIMIT=5/s; a 31 KB batch of 200 searches took 1.6 GB).
func TestHostileBatches(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Options)
		body   string
		status int
		text   string
	}{
		{"over the batch cap", nil, batchOf(DefaultMaxBatchMessages + 1), 400, "a batch of 11 messages; at most 10"},
		{"a configured cap", func(o *Options) { o.MaxBatchMessages = 2 }, batchOf(3), 400, "at most 2 are accepted in one request (MAX_BATCH_MESSAGES)"},
		{"more calls than slots", func(o *Options) { o.MaxConcurrent = 2 }, batchOf(3), 503, "a batch of 3 calls is more than the 2 served at once"},
		{"more calls than the burst", func(o *Options) { o.RateLimit, o.RateBurst = 1, 2 }, batchOf(3), 429, "more than the 2 one client may make at once (RATE_LIMIT_BURST)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := serveDefaults()
			if tt.change != nil {
				tt.change(&opts)
			}
			e := newTestEdge(t, opts)
			resp, body := e.call(http.MethodPost, "/mcp", tt.body)
			wantRPCError(t, tt.name, resp, body, tt.status, tt.text)
			if opts.RateLimit == 0 {
				stillServes(t, e)
			}
		})
	}
	// Within the caps a batch is answered, each call charged a token: a
	// burst of 3 is spent by a batch of 3.
	opts := serveDefaults()
	opts.RateLimit, opts.RateBurst = 0.001, 3
	e := newTestEdge(t, opts)
	resp, body := e.call(http.MethodPost, "/mcp", batchOf(3))
	if resp.StatusCode != 200 || strings.Count(body, `"sum":30`) != 3 {
		t.Fatalf("batch of 3 within the caps: %d %s", resp.StatusCode, body)
	}
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd)
	wantRPCError(t, "a call after the batch spent the burst", resp, body, 429, "RATE_LIMIT")
}

// One response is capped: beyond MaxResponseBytes the call gets a JSON-RPC
// error saying so, not a reply of any size.
func TestHostileResponseCap(t *testing.T) {
	opts := serveDefaults()
	opts.MaxResponseBytes = 200
	e := newTestEdge(t, opts)
	resp, body := e.call(http.MethodPost, "/mcp", batchOf(3))
	wantRPCError(t, "a batch answer over the cap", resp, body, 200, "larger than 200 bytes (MAX_RESPONSE_BYTES)")
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd)
	wantSum(t, "an answer under the cap", resp, body)
	// As an event stream: the event past the cap is replaced by an error
	// event.
	resp, body = e.call(http.MethodPost, "/mcp", batchOf(3), "Accept", "application/json, text/event-stream")
	if resp.StatusCode != 200 || !strings.Contains(body, "MAX_RESPONSE_BYTES") || strings.Count(body, `"sum":30`) > 1 {
		t.Errorf("a streamed batch answer over the cap: %d %s", resp.StatusCode, body)
	}
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd, "Accept", "application/json, text/event-stream")
	if resp.StatusCode != 200 || !strings.Contains(body, `"sum":30`) {
		t.Errorf("a streamed answer under the cap: %d %s", resp.StatusCode, body)
	}
}

// MCP is served only where the DNS-rebinding host check looks: POST
// /mcp/anything with Host: evil.com answered 200.
func TestHostileMCPPathsOnly(t *testing.T) {
	e := newTestEdge(t, serveDefaults())
	tests := []struct {
		path   string
		status int
	}{
		{"/mcp", 403}, {"/mcp/", 403}, {"/mcp/anything", 404}, {"/mcp/x/y", 404},
	}
	for _, tt := range tests {
		resp, body := e.call(http.MethodPost, tt.path, edgeAdd, "Host", "evil.com")
		if resp.StatusCode != tt.status || strings.Contains(body, `"sum"`) {
			t.Errorf("POST %s with Host evil.com: %d %s, want %d", tt.path, resp.StatusCode, body, tt.status)
		}
	}
	stillServes(t, e)
}

// A call whose answer cannot be encoded gets -32603 promptly, as JSON and
// as an event stream; it hung until the client gave up, holding its slot.
func TestHostileUnencodableAnswer(t *testing.T) {
	opts := serveDefaults()
	opts.MaxConcurrent = 1
	e, _ := newBlockingEdge(t, opts)
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"inf","arguments":{}}}`
	for _, accept := range []string{"application/json", "application/json, text/event-stream"} {
		done := make(chan struct{})
		var resp *http.Response
		var body string
		go func() {
			defer close(done)
			resp, body = e.call(http.MethodPost, "/mcp", call, "Accept", accept)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("Accept %s: no answer", accept)
		}
		if resp.StatusCode != 200 || !strings.Contains(body, `"code":-32603`) || !strings.Contains(body, `"id":7`) {
			t.Errorf("Accept %s: %d %s, want a -32603 answer to id 7", accept, resp.StatusCode, body)
		}
	}
	if !strings.Contains(e.logs.String(), `"level":"ERROR"`) {
		t.Errorf("nothing logged at error level:\n%s", e.logs.String())
	}
	stillServes(t, e)
}

// Request ids come back exactly as sent, or the request is refused as
// invalid saying why, as JSON-RPC (1.5 came back as 1,
// 9007199254740993 as …992, 99999999999999999999999 as a negative number).
func TestHostileRequestIDs(t *testing.T) {
	e := newTestEdge(t, serveDefaults())
	call := func(id string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`
	}
	for _, id := range []string{`1`, `-5`, `9007199254740991`, `"s"`, `"9007199254740993"`} {
		resp, body := e.call(http.MethodPost, "/mcp", call(id))
		if resp.StatusCode != 200 || !strings.Contains(body, `"id":`+id+`,`) {
			t.Errorf("id %s: %d %s, want it back exactly", id, resp.StatusCode, body)
		}
	}
	for id, want := range map[string]string{
		`1.5`:                     "id 1.5 is not an integer",
		`9007199254740993`:        "too large to be returned exactly",
		`99999999999999999999999`: "too large to be returned exactly",
		`{}`:                      "id must be a string or an integer, not an object",
	} {
		resp, body := e.call(http.MethodPost, "/mcp", call(id))
		var msg struct {
			ID    any `json:"id"`
			Error *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.Error == nil || msg.Error.Code != -32600 || !strings.Contains(msg.Error.Message, want) || msg.ID != nil {
			t.Errorf("id %s: %d %s %s, want a JSON-RPC -32600 error with id null saying %q", id, resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
		}
	}
	stillServes(t, e)
}

// With the JWKS unreachable, no token can be accepted: /readyz says so
// (it answered 200 while every token was refused).
func TestHostileJWKSUnreachableNotReady(t *testing.T) {
	auth, err := NewJWTAuth(t.Context(), JWTConfig{
		JWKSURL: "http://127.0.0.1:1/.well-known/jwks.json", Issuer: "https://issuer.example", Audiences: []string{"kb"},
		HTTPClient: &http.Client{Timeout: 2 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEdge(t, withAuth(serveDefaults(), auth))
	resp, body := e.call(http.MethodGet, "/readyz", "")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "no signing keys loaded") {
		t.Errorf("/readyz with no signing keys: %d %s, want 503 saying no signing keys are loaded", resp.StatusCode, body)
	}
	if resp, _ := e.call(http.MethodGet, "/healthz", ""); resp.StatusCode != 200 {
		t.Errorf("/healthz: %d, want 200 (the process is alive)", resp.StatusCode)
	}
}

// Errors are JSON-RPC in the client's terms: duplicate ids in a batch (one
// of them went unanswered), a malformed protocol version header (answered
// "missing _meta field"), a bad id inside a batch (answered as text/plain
// naming a Go type).
func TestHostileErrorsInClientTerms(t *testing.T) {
	e := newTestEdge(t, serveDefaults())
	tests := []struct {
		name, body string
		headers    []string
		text       string
	}{
		{"duplicate ids", "[" + edgeAdd + "," + edgeAdd + "]", nil, `id "test-1" appears more than once in the batch`},
		{"protocol version", edgeAdd, []string{"MCP-Protocol-Version", "x<y>"}, `MCP-Protocol-Version "x<y>" is not a protocol version`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.call(http.MethodPost, "/mcp", tt.body, tt.headers...)
			wantRPCError(t, tt.name, resp, body, 400, tt.text)
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if strings.Contains(body, "interface") || strings.Contains(body, "_meta") {
				t.Errorf("the error leaks internals: %s", body)
			}
		})
	}
	stillServes(t, e)
}

// A batch with invalid members answers the valid ones and gives each
// invalid one its error (the whole batch was refused, as text/plain naming
// a Go type).
func TestHostileBatchWithInvalidMembers(t *testing.T) {
	e := newTestEdge(t, serveDefaults())
	call := func(id string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`
	}
	tests := []struct {
		name, body string
		want       map[string]string // id → "sum" or the error text
	}{
		{"object id", "[" + call("1") + `,{"jsonrpc":"2.0","id":{},"method":"ping"}]`,
			map[string]string{"1": "sum", "null": "id must be a string or an integer, not an object"}},
		{"fraction id", "[" + call(`"a"`) + `,{"jsonrpc":"2.0","id":2.5,"method":"ping"}]`,
			map[string]string{`"a"`: "sum", "null": "id 2.5 is not an integer"}},
		{"wrong version", "[" + call("1") + `,{"jsonrpc":"1.0","id":2,"method":"ping"}]`,
			map[string]string{"1": "sum", "2": "invalid request"}},
		{"method not a string", "[" + call("1") + `,{"jsonrpc":"2.0","id":3,"method":5}]`,
			map[string]string{"1": "sum", "3": "not a JSON-RPC 2.0 message"}},
		{"only invalid", `[{"jsonrpc":"2.0","id":{},"method":"ping"},42]`,
			map[string]string{"null": "invalid request"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.call(http.MethodPost, "/mcp", tt.body)
			var answers []struct {
				ID     json.RawMessage `json:"id"`
				Result json.RawMessage `json:"result"`
				Error  *struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &answers) != nil {
				t.Fatalf("%d %s, want 200 with a JSON array", resp.StatusCode, body)
			}
			for id, want := range tt.want {
				found := false
				for _, a := range answers {
					if string(a.ID) != id {
						continue
					}
					found = true
					if want == "sum" && !strings.Contains(string(a.Result), `"sum":30`) {
						t.Errorf("id %s: %s, want the sum", id, body)
					}
					if want != "sum" && (a.Error == nil || a.Error.Code != -32600 || !strings.Contains(a.Error.Message, want)) {
						t.Errorf("id %s: %s, want -32600 saying %q", id, body, want)
					}
				}
				if !found {
					t.Errorf("no answer with id %s: %s", id, body)
				}
			}
			if strings.Contains(body, "Go struct") || strings.Contains(body, "interface {}") {
				t.Errorf("the answer names Go types: %s", body)
			}
		})
	}
	stillServes(t, e)
}
