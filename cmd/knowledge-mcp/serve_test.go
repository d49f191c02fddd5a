package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The Postman connectivity request (simpleadd 10 + 20, no initialize
// first), sent as Postman sends it.
const postmanRequest = `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`

type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  *struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		StructuredContent map[string]any `json:"structuredContent"`
		IsError           bool           `json:"isError"`
	} `json:"result"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func decodeRPC(t *testing.T, body []byte) rpcResponse {
	t.Helper()
	var r rpcResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("response is not JSON-RPC JSON: %v\n%s", err, body)
	}
	return r
}

func TestPostmanRequest(t *testing.T) {
	srv := testbin.Start(t, nil)
	status, header, body := srv.PostJSON(t, postmanRequest)
	if status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", status, body)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json for a client that does not accept event streams", ct)
	}
	r := decodeRPC(t, body)
	if string(r.ID) != `"test-1"` || r.Result == nil || r.Error != nil {
		t.Fatalf("unexpected response %s", body)
	}
	if len(r.Result.Content) != 1 || r.Result.Content[0].Text != "30" {
		t.Errorf("text content %+v, want \"30\"", r.Result.Content)
	}
	if got := r.Result.StructuredContent["sum"]; got != 30.0 {
		t.Errorf("structuredContent.sum = %v, want 30", got)
	}
	// One JSON log line for the request, naming the MCP method and tool.
	srv.WaitLog(t, `"tool":"simpleadd"`, 5*time.Second)
	var logged bool
	for _, line := range strings.Split(srv.Stderr(), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) != nil || entry["msg"] != "request" {
			continue
		}
		if entry["mcp_method"] == "tools/call" && entry["tool"] == "simpleadd" && entry["status"] == 200.0 &&
			entry["request_id"] != "" && entry["duration"] != nil && entry["method"] == "POST" {
			logged = true
		}
	}
	if !logged {
		t.Errorf("no request log line with method, mcp_method, tool, status, duration and request_id:\n%s", srv.Stderr())
	}
}

func TestGoSDKClientAcrossProtocolVersions(t *testing.T) {
	srv := testbin.Start(t, nil)
	for _, version := range []string{"", "2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"} {
		t.Run("version="+version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
			cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL + "/mcp"}, &mcp.ClientSessionOptions{ProtocolVersion: version})
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer cs.Close()
			if version != "" && version != "2026-07-28" {
				if got := cs.InitializeResult().ProtocolVersion; got != version {
					t.Errorf("negotiated %q, want %q", got, version)
				}
			}
			tools, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatalf("tools/list: %v", err)
			}
			var found *mcp.Tool
			for _, tool := range tools.Tools {
				if tool.Name == "simpleadd" {
					found = tool
				}
			}
			if found == nil || found.Description == "" || found.Annotations == nil || !found.Annotations.ReadOnlyHint {
				t.Fatalf("simpleadd missing, undescribed or not read-only: %+v", found)
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "simpleadd", Arguments: map[string]any{"a": 1.5, "b": 2}})
			if err != nil {
				t.Fatalf("tools/call: %v", err)
			}
			if res.IsError || res.Content[0].(*mcp.TextContent).Text != "3.5" {
				t.Errorf("simpleadd(1.5, 2) = %+v", res.Content)
			}
		})
	}
}

func TestForeignSessionIDAccepted(t *testing.T) {
	srv := testbin.Start(t, nil)
	status, header, body := srv.PostJSON(t, postmanRequest, "Mcp-Session-Id", "issued-by-someone-else",
		"X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", "abc")
	if status != http.StatusOK || decodeRPC(t, body).Result == nil {
		t.Fatalf("status %d body %s", status, body)
	}
	if got := header.Get("Mcp-Session-Id"); got != "" {
		t.Errorf("stateless server set Mcp-Session-Id %q", got)
	}
}

func TestBadInputKeepsServing(t *testing.T) {
	srv := testbin.Start(t, nil)
	tests := []struct {
		name       string
		body       string
		headers    []string
		wantStatus int
		wantCode   int    // JSON-RPC error code, 0 for none
		wantText   string // in error message or tool error text
		toolError  bool
	}{
		{name: "malformed JSON", body: `{"jsonrpc":"2.0",`, wantStatus: 400, wantCode: -32700, wantText: "parse error"},
		{name: "empty body", body: ``, wantStatus: 400, wantCode: -32700, wantText: "empty body"},
		{name: "unknown method", body: `{"jsonrpc":"2.0","id":1,"method":"tools/explode"}`, wantStatus: 200, wantCode: -32601, wantText: `"tools/explode"`},
		{name: "unknown tool", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope","arguments":{}}}`, wantStatus: 200, wantCode: -32602, wantText: `"nope"`},
		{name: "wrong argument type", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":"ten","b":20}}}`, wantStatus: 200, toolError: true, wantText: `argument "a" must be a number, not a string ("ten")`},
		{name: "missing argument", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":1}}}`, wantStatus: 200, toolError: true, wantText: "b"},
		{name: "oversized body", body: `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`, wantStatus: 413, wantCode: -32600, wantText: "exceeds 1048576 bytes"},
		{name: "wrong content type", body: `{}`, headers: []string{"Content-Type", "text/plain"}, wantStatus: 415, wantCode: -32600, wantText: "Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := srv.PostJSON(t, tt.body, tt.headers...)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			r := decodeRPC(t, body)
			switch {
			case tt.toolError:
				if r.Result == nil || !r.Result.IsError || !strings.Contains(r.Result.Content[0].Text, tt.wantText) {
					t.Errorf("want a tool error mentioning %q, got %s", tt.wantText, body)
				}
			default:
				if r.Error == nil || r.Error.Code != tt.wantCode || !strings.Contains(r.Error.Message, tt.wantText) {
					t.Errorf("want JSON-RPC error %d mentioning %q, got %s", tt.wantCode, tt.wantText, body)
				}
			}
			// The server keeps serving.
			if status, _, body := srv.PostJSON(t, postmanRequest); status != 200 || !strings.Contains(string(body), `"30"`) {
				t.Fatalf("server stopped answering after %s: %d %s", tt.name, status, body)
			}
		})
	}
}

func TestHTTPRoutes(t *testing.T) {
	srv := testbin.Start(t, nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		method, path, accept string
		want                 int
		wantBody             string
	}{
		{"GET", "/healthz", "", 200, `"ok"`},
		{"GET", "/readyz", "", 200, `"ready"`},
		{"GET", "/mcp", "", 200, `"streamable-http"`},  // an ALB health check on /mcp
		{"GET", "/mcp/", "", 200, `"streamable-http"`}, // no redirect to /mcp
		{"GET", "/mcp", "text/event-stream", 405, ""},  // stateless: no standalone stream
		{"DELETE", "/mcp", "", 405, ""},                // no sessions to delete
		{"GET", "/nope", "", 404, ""},
		{"GET", "/", "", 200, `"status":"ready"`},                                                      // a target group left at /
		{"GET", "/", "text/html,application/xhtml+xml,*/*;q=0.8", 200, "<title>knowledge-mcp</title>"}, // a browser
		{"GET", "/console/console.css", "", 200, ":root"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.accept, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.want, body)
			}
			if tt.want == 405 && !strings.Contains(resp.Header.Get("Allow"), "POST") {
				t.Errorf("405 without Allow: POST")
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body %s does not contain %s", body, tt.wantBody)
			}
		})
	}
	// POST to /mcp/ is served too, not redirected.
	req, _ := http.NewRequest("POST", srv.URL+"/mcp/", strings.NewReader(postmanRequest))
	req.Header.Set("Content-Type", "application/json")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("POST /mcp/: %d, want 200", resp.StatusCode)
	}
}

// TestConsoleOff: with --console=false, / answers every client with the
// status JSON and the page's files are gone.
func TestConsoleOff(t *testing.T) {
	srv := testbin.Start(t, nil, "--console=false")
	for _, tc := range []struct {
		path, accept string
		want         int
		wantBody     string
	}{
		{"/", "text/html", 200, `"service":"knowledge-mcp"`},
		{"/", "", 200, `"status":"ready"`},
		{"/console/console.css", "", 404, ""},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || !strings.Contains(string(body), tc.wantBody) {
			t.Errorf("GET %s (Accept %q): %d %s, want %d with %s", tc.path, tc.accept, resp.StatusCode, body, tc.want, tc.wantBody)
		}
	}
}

func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	srv := testbin.Start(t, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Send the headers and half of the body: the request is in flight.
	half := len(postmanRequest) / 2
	fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		len(postmanRequest), postmanRequest[:half])
	// Wait until the server is in the handler, reading the body (the
	// in-flight gauge counts MCP POSTs; nothing else is in flight).
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := testbin.Call(t, http.MethodGet, srv.URL+"/metrics", "")
		if testbin.Metric(string(body), "knowledge_mcp_http_requests_in_flight") == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the half-sent request never reached the handler")
		}
	}
	srv.Signal(syscall.SIGTERM)
	srv.WaitLog(t, "shutting down: draining in-flight requests", 10*time.Second)
	// A new connection is refused while draining (the listener closes just
	// after the line above), and the server waits for the request.
	for {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.URL, "http://"), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepts connections while draining")
		}
	}
	if code := srv.Wait(0); code != -1 {
		t.Fatalf("server exited (%d) with a request in flight", code)
	}
	fmt.Fprint(conn, postmanRequest[half:])
	resp, err := http.ReadResponse(newReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no response: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"30"`) {
		t.Errorf("in-flight request: %d %s", resp.StatusCode, body)
	}
	if code := srv.Wait(10 * time.Second); code != 0 {
		t.Errorf("exit code %d after drain, want 0\n%s", code, srv.Stderr())
	}
	if !strings.Contains(srv.Stderr(), "drained") {
		t.Errorf("no drain log line:\n%s", srv.Stderr())
	}
}

func TestInvalidConfigExitsTwoBeforeListening(t *testing.T) {
	bin := testbin.Path(t)
	tests := []struct {
		name     string
		args     []string
		env      []string
		wantText string
	}{
		{"port out of range flag", []string{"serve", "--port", "99999"}, nil, "port (PORT): 99999"},
		{"port out of range env", []string{"serve"}, []string{"PORT=99999"}, "port (PORT): 99999"},
		{"port not a number", []string{"serve"}, []string{"PORT=eighty"}, "PORT"},
		{"unknown log level", []string{"serve"}, []string{"LOG_LEVEL=loud"}, "log-level (LOG_LEVEL)"},
		{"negative GC heap floor", []string{"serve"}, []string{"GC_HEAP_FLOOR=-1"}, "gc-heap-floor (GC_HEAP_FLOOR): -1"},
		{"unknown flag", []string{"serve", "--colour"}, nil, "colour"},
		{"unknown command", []string{"serv"}, nil, `unknown command "serv"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			cmd.Env = append([]string{"PATH=/usr/bin:/bin", "PORT=1"}, tt.env...) // PORT=1 would fail to bind if it got that far
			out, err := cmd.CombinedOutput()
			var exitErr *exec.ExitError
			if err == nil || !asExitError(err, &exitErr) || exitErr.ExitCode() != 2 {
				t.Fatalf("want exit 2, got %v\n%s", err, out)
			}
			if !strings.Contains(string(out), tt.wantText) {
				t.Errorf("output %q does not name %q", out, tt.wantText)
			}
			if strings.Contains(string(out), "serving MCP") {
				t.Errorf("server started listening despite invalid config")
			}
		})
	}
}

// TestGCTuner checks that serve tunes the garbage collector by default and
// leaves it alone when the operator set GOGC or turned the floor off.
func TestGCTuner(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string // a regular expression
	}{
		// A small heap at start: GOGC between 101 and 400 (16 MiB / the runtime's 4 MB minimum).
		{"default floor", nil, `"msg":"GC tuner on","gc_heap_floor":16777216,"gogc":(10[1-9]|1[1-9][0-9]|[23][0-9][0-9]|400)\b`},
		{"operator's GOGC wins", []string{"GOGC=50"}, `"msg":"GC tuner off","GOGC":"50"`},
		{"floor off", []string{"GC_HEAP_FLOOR=0"}, `"msg":"GC tuner off","GOGC":"","gc_heap_floor":0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testbin.Start(t, append([]string{"LOG_LEVEL=debug"}, tt.env...))
			if code, _, body := srv.PostJSON(t, postmanRequest); code != http.StatusOK || !strings.Contains(string(body), `"sum":30`) {
				t.Fatalf("simpleadd: HTTP %d %s", code, body)
			}
			if !regexp.MustCompile(tt.want).MatchString(srv.Stderr()) {
				t.Errorf("log lacks %s:\n%s", tt.want, srv.Stderr())
			}
		})
	}
}

func TestHelpListsEnvironmentNames(t *testing.T) {
	for _, command := range []string{"serve", "stdio", "healthcheck", "version"} {
		out, err := exec.Command(testbin.Path(t), command, "--help").CombinedOutput()
		if err != nil {
			t.Fatalf("%s --help: %v\n%s", command, err, out)
		}
		if command == "serve" {
			for _, want := range []string{"--host", "HOST", "127.0.0.1", "--port", "PORT", "8080", "DRAIN_TIMEOUT", "25s", "LOG_LEVEL", "MAX_BODY_BYTES", "ALLOWED_HOSTS", "GC_HEAP_FLOOR"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("serve --help lacks %q:\n%s", want, out)
				}
			}
		}
	}
}

func TestHealthcheckCommand(t *testing.T) {
	srv := testbin.Start(t, nil)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	cmd := exec.Command(testbin.Path(t), "healthcheck")
	cmd.Env = []string{"HOST=0.0.0.0", "PORT=" + port}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("healthcheck against a live server: %v\n%s", err, out)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd = exec.Command(testbin.Path(t), "healthcheck", "--port", fmt.Sprint(deadPort), "--timeout", "1s")
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !asExitError(err, &exitErr) || exitErr.ExitCode() != 1 || !strings.Contains(string(out), "unhealthy") {
		t.Errorf("healthcheck against nothing: %v %s, want exit 1 'unhealthy'", err, out)
	}
}

func TestVersionCommand(t *testing.T) {
	out, err := exec.Command(testbin.Path(t), "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]string
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("version --json: %v: %s", err, out)
	}
	if info["version"] == "" || info["commit"] == "" || !strings.HasPrefix(info["go_version"], "go1.") {
		t.Errorf("version --json = %v", info)
	}
}

func TestStdioWithGoSDKClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.Command(testbin.Path(t), "stdio")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect over stdio: %v", err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "simpleadd", Arguments: map[string]any{"a": 10, "b": 20}})
	if err != nil {
		t.Fatalf("tools/call over stdio: %v", err)
	}
	if res.Content[0].(*mcp.TextContent).Text != "30" {
		t.Errorf("simpleadd over stdio = %+v", res.Content)
	}
	if err := cs.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	// Logs go to stderr as JSON, never to stdout (which carries only protocol).
	if !strings.Contains(stderr.String(), `"msg":"serving MCP over stdio"`) {
		t.Errorf("stderr lacks the JSON start line: %q", stderr.String())
	}
}
