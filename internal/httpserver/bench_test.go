package httpserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/metrics"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type addIn struct{ A, B float64 }
type addOut struct{ Sum float64 }

// BenchmarkEdge measures what the edge costs per MCP call: the bare handler
// against one with CORS, an API key, a rate limit, the concurrency cap and
// metrics all on.
//
//	go test -run='^$' -bench=Edge -benchtime=3000x ./internal/httpserver
func BenchmarkEdge(b *testing.B) {
	newServer := func() *mcp.Server {
		s := mcp.NewServer(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
		mcp.AddTool(s, &mcp.Tool{Name: "add", Description: "adds"}, func(_ context.Context, _ *mcp.CallToolRequest, in addIn) (*mcp.CallToolResult, addOut, error) {
			return nil, addOut{in.A + in.B}, nil
		})
		return s
	}
	auth, err := NewAPIKeyAuth("X-API-Key", []string{"bench-key-0123456789abcdef"})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		opts    Options
		headers map[string]string
	}{
		{"bare", Options{}, nil},
		{"full-edge", Options{
			CORS: CORS{Origins: []string{"https://app.example.com"}}, Auth: auth,
			MaxConcurrent: 256, RateLimit: 1e9, RateBurst: 1e9, Metrics: metrics.New(),
		}, map[string]string{"Origin": "https://app.example.com", "X-API-Key": "bench-key-0123456789abcdef"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := New(newServer(), tc.opts)
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"A":1,"B":2}}}`
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				for k, v := range tc.headers {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
