package httpserver

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type slowInput struct {
	Steps int `json:"steps"`
	// PauseMS is the pause between steps, in milliseconds.
	PauseMS int `json:"pause_ms"`
}

// newSlowServer returns an MCP server with a tool that reports progress and
// logs while it works, like a long search or generation would.
func newSlowServer() *mcp.Server {
	server := mcp.NewServer(&mcp.Implementation{Name: "slow", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "slow", Description: "works in steps"}, func(ctx context.Context, req *mcp.CallToolRequest, in slowInput) (*mcp.CallToolResult, struct{}, error) {
		for i := 1; i <= in.Steps; i++ {
			time.Sleep(time.Duration(in.PauseMS) * time.Millisecond)
			if token := req.Params.GetProgressToken(); token != nil {
				_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: float64(i), Total: float64(in.Steps)})
			}
			//lint:ignore SA1019 logging notifications are still served to clients of 2025-11-25 and earlier
			_ = req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Data: "step done"})
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, struct{}{}, nil
	})
	return server
}

// A client that accepts event streams receives progress and log
// notifications during the call, although the server is stateless.
func TestStreamingClientReceivesNotifications(t *testing.T) {
	ts := httptest.NewServer(New(newSlowServer(), Options{}))
	defer ts.Close()

	var mu sync.Mutex
	var progress []float64
	var logs int
	arrived := make(chan struct{}, 64) // a notification was counted
	note := func() {
		select {
		case arrived <- struct{}{}:
		default:
		}
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			progress = append(progress, r.Params.Progress)
			mu.Unlock()
			note()
		},
		//lint:ignore SA1019 logging notifications are still served to clients of 2025-11-25 and earlier
		LoggingMessageHandler: func(context.Context, *mcp.LoggingMessageRequest) {
			mu.Lock()
			logs++
			mu.Unlock()
			note()
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, version := range []string{"2025-06-18", "2025-11-25"} {
		cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: ts.URL + Path}, &mcp.ClientSessionOptions{ProtocolVersion: version})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		progress, logs = nil, 0
		mu.Unlock()
		//lint:ignore SA1019 logging notifications are still served to clients of 2025-11-25 and earlier
		if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
			t.Fatalf("logging/setLevel: %v", err)
		}
		params := &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"steps": 3, "pause_ms": 20}}
		params.SetProgressToken("p1")
		res, err := cs.CallTool(ctx, params)
		if err != nil || res.IsError {
			t.Fatalf("call: %v %+v", err, res)
		}
		// Notifications are dispatched asynchronously by the client; the
		// last ones may land just after the result.
		waitFor(arrived, func() bool { mu.Lock(); defer mu.Unlock(); return len(progress) >= 3 && logs >= 3 })
		mu.Lock()
		if len(progress) != 3 || progress[2] != 3 {
			t.Errorf("%s: progress notifications %v, want [1 2 3]", version, progress)
		}
		if logs != 3 {
			t.Errorf("%s: %d log notifications, want 3", version, logs)
		}
		mu.Unlock()
		cs.Close()
	}
}

// A silent event stream gets keep-alive comments, so that proxies with idle
// timeouts do not cut a long call; a JSON response gets none.
func TestKeepAliveCommentsOnSilentStream(t *testing.T) {
	ts := httptest.NewServer(New(newSlowServer(), Options{KeepAlive: 50 * time.Millisecond}))
	defer ts.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","arguments":{"steps":1,"pause_ms":400}}}`

	req, _ := http.NewRequest("POST", ts.URL+Path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q, want text/event-stream", ct)
	}
	if resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Errorf("event stream without X-Accel-Buffering: no")
	}
	var comments, results int
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, ": keepalive") {
			comments++
		}
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"done"`) {
			results++
		}
	}
	if comments < 2 {
		t.Errorf("%d keep-alive comments during a 400ms silent call at a 50ms interval, want several", comments)
	}
	if results != 1 {
		t.Errorf("%d results, want 1", results)
	}

	// Without text/event-stream in Accept: plain JSON, no comments.
	resp2, data := postMCP(t, ts.URL, body, "")
	if ct := resp2.Header.Get("Content-Type"); ct != "application/json" || strings.Contains(data, "keepalive") {
		t.Errorf("JSON client got %q: %s", ct, data)
	}
}

// postMCP posts body to the server's MCP path with the Accept header given
// (none when empty) and returns the response and its whole body.
func postMCP(t *testing.T, serverURL, body, accept string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", serverURL+Path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data := new(strings.Builder)
	if _, err := bufio.NewReader(resp.Body).WriteTo(data); err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp, data.String()
}

func TestAcceptsEventStream(t *testing.T) {
	tests := []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{"application/json"}, false},
		{[]string{"*/*"}, false},
		{[]string{"application/json, text/event-stream"}, true},
		{[]string{"application/json", "text/event-stream;q=0.9"}, true},
		{[]string{"TEXT/EVENT-STREAM"}, true},
	}
	for _, tt := range tests {
		if got := acceptsEventStream(tt.accept); got != tt.want {
			t.Errorf("acceptsEventStream(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func TestParseEnvelope(t *testing.T) {
	tests := []struct {
		body              string
		method, tool      string
		isRequest, errors bool
	}{
		{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"simpleadd"}}`, method: "tools/call", tool: "simpleadd", isRequest: true},
		{body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`, method: "notifications/initialized"},
		{body: `{"jsonrpc":"2.0","id":"x","method":"tools/list"}`, method: "tools/list", isRequest: true},
		{body: `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, method: "batch"},
		{body: `{"jsonrpc":"2.0","id":1,"method":7}`},
		{body: `{"id":1,`, errors: true},
		{body: `   `, errors: true},
		{body: `[1,`, errors: true},
	}
	for _, tt := range tests {
		env, err := parseEnvelope([]byte(tt.body))
		if (err != nil) != tt.errors {
			t.Errorf("parseEnvelope(%s) error = %v, want error %v", tt.body, err, tt.errors)
			continue
		}
		if env.Method != tt.method || env.Tool != tt.tool || env.IsRequest != tt.isRequest {
			t.Errorf("parseEnvelope(%s) = %+v", tt.body, env)
		}
	}
}

func TestReadyz(t *testing.T) {
	notReady := func(context.Context) error { return errNotReady }
	ts := httptest.NewServer(New(mcp.NewServer(&mcp.Implementation{Name: "x", Version: "1"}, nil), Options{Ready: notReady}))
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data := new(strings.Builder)
	_, _ = bufio.NewReader(resp.Body).WriteTo(data)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(data.String(), errNotReady.Error()) {
		t.Errorf("/readyz = %d %s, want 503 with the reason", resp.StatusCode, data)
	}
	if resp, err := http.Get(ts.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("/healthz must stay 200 while not ready: %v", err)
	}
}

var errNotReady = &readyErr{"credentials not found: attach a task role"}

type readyErr struct{ s string }

func (e *readyErr) Error() string { return e.s }

// waitFor checks cond each time something arrives on changed, for up to
// two seconds; the caller then asserts what it waited for.
func waitFor(changed <-chan struct{}, cond func() bool) {
	timeout := time.After(2 * time.Second)
	for !cond() {
		select {
		case <-changed:
		case <-timeout:
			return
		}
	}
}

// The answer to a POST's only call ends the event stream, so it goes out
// with the end of the response in one write (the go-sdk patch's fifth change,
// third_party/go-sdk/PATCH.md): unchunked, with a Content-Length. A stream with notifications before the answer is still
// flushed event by event (TestStreamingClientReceivesNotifications).
func TestSingleAnswerStreamIsWrittenOnce(t *testing.T) {
	ts := httptest.NewServer(New(newSlowServer(), Options{KeepAlive: time.Minute}))
	defer ts.Close()
	tests := []struct {
		name, body string
		wantLength bool
	}{
		{"number id", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow","arguments":{"steps":0}}}`, true},
		{"string id", `{"jsonrpc":"2.0","id":"a-1","method":"tools/call","params":{"name":"slow","arguments":{"steps":0}}}`, true},
		{"error answer", `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"nosuchtool"}}`, true},
		// Notifications (log lines) precede the answer: the stream is flushed, so chunked.
		{"notifications first", `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow","arguments":{"steps":2,"pause_ms":1}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, data := postMCP(t, ts.URL, tt.body, "application/json, text/event-stream")
			if resp.StatusCode != 200 || !strings.Contains(data, `"jsonrpc":"2.0","id":`) {
				t.Fatalf("HTTP %d: %s", resp.StatusCode, data)
			}
			if got := resp.ContentLength >= 0; got != tt.wantLength {
				t.Errorf("Content-Length %d, chunked %v; want one write: %v\n%s", resp.ContentLength, resp.TransferEncoding, tt.wantLength, data)
			}
		})
	}
}
