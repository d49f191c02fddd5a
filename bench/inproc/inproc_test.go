package inproc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/bench/ceiling"
	"github.com/knowledge-mcp/knowledge-mcp/bench/harness"
	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const simpleAdd = `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`

// knowledgeMCP is the handler of knowledge-mcp serve with its defaults:
// logging at info level as JSON (to nowhere), SSE keep-alives every 15 s.
func knowledgeMCP() http.Handler {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return httpserver.New(mcpserver.New(mcpserver.Options{Version: "bench", Logger: logger}),
		httpserver.Options{Logger: logger, KeepAlive: 15 * time.Second})
}

// plainSDK is the go-sdk's stateless JSON handler with the same tool.
func plainSDK() http.Handler {
	type in struct {
		A float64 `json:"a"`
		B float64 `json:"b"`
	}
	type out struct {
		Sum float64 `json:"sum"`
	}
	server := mcp.NewServer(&mcp.Implementation{Name: "plain", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "simpleadd"}, func(_ context.Context, _ *mcp.CallToolRequest, i in) (*mcp.CallToolResult, out, error) {
		sum := i.A + i.B
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint(sum)}}}, out{sum}, nil
	})
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
}

var cases = []struct {
	name    string
	handler func() http.Handler
	accept  string
}{
	{"ceiling", ceiling.Handler, "application/json, text/event-stream"},
	{"knowledge-mcp-json", knowledgeMCP, "application/json"},
	{"knowledge-mcp-sse", knowledgeMCP, "application/json, text/event-stream"},
	{"gosdk-plain", plainSDK, "application/json, text/event-stream"},
}

func serve(h http.Handler, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/mcp", strings.NewReader(simpleAdd))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestHandlersAnswer checks that every benchmarked handler answers the
// request correctly, so the benchmark measures real work.
func TestHandlersAnswer(t *testing.T) {
	for _, c := range cases {
		w := serve(c.handler(), c.accept)
		if w.Code != http.StatusOK {
			t.Errorf("%s: HTTP %d: %s", c.name, w.Code, w.Body)
			continue
		}
		if err := harness.CheckToolResult(w.Body.Bytes(), map[string]any{"sum": 30}); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// processCPU returns the user and system CPU time of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkSimpleAdd(b *testing.B) {
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := c.handler()
			if w := serve(h, c.accept); w.Code != http.StatusOK {
				b.Fatalf("HTTP %d: %s", w.Code, w.Body)
			}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				serve(h, c.accept)
			}
			// CPU time, unlike ns/op, counts the SDK's goroutines on the other
			// cores and the collector, and is less moved by a busy machine.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
