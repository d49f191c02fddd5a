package mcpserver_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// syncBuffer is a bytes.Buffer safe for a logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestUnencodableAnswerIsInternalError requires a search whose results carry
// a value JSON cannot hold (a backend's metadata with an infinity or NaN) to
// be answered promptly with a -32603 error, and logged at error level even
// when the server logs at info; before, the call was never answered and
// nothing was logged.
func TestUnencodableAnswerIsInternalError(t *testing.T) {
	for _, v := range []float64{math.Inf(1), math.NaN()} {
		fx := kbtest.DefaultFixture()
		for i := range fx.KnowledgeBases[0].Documents {
			fx.KnowledgeBases[0].Documents[i].Metadata["weight"] = v
		}
		var logs syncBuffer
		logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		cs := connect(t, mcpserver.Options{Backend: kbtest.NewFake(fx), Logger: logger})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "search_knowledge_base", Arguments: map[string]any{"query": fx.CommonTerm}})
		cancel()
		var werr *jsonrpc.Error
		if !errors.As(err, &werr) || werr.Code != jsonrpc.CodeInternalError {
			t.Fatalf("%v: search error = %v, want a -32603 answer; result %+v", v, err, res)
		}
		if !strings.Contains(logs.String(), `"level":"ERROR"`) {
			t.Errorf("%v: no error logged; log:\n%s", v, logs.String())
		}
		// A good call on the same session still answers.
		if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "simpleadd", Arguments: map[string]any{"a": 1, "b": 2}}); err != nil || res.IsError {
			t.Errorf("%v: simpleadd after the failed call: %v %+v", v, err, res)
		}
	}
}

// TestHugeIntegerArgument requires an integer argument beyond its range to
// be a tool error naming the argument in JSON Schema's terms; it quoted a Go
// struct and type name.
func TestHugeIntegerArgument(t *testing.T) {
	cs, _ := connectFake(t)
	res := call(t, cs, "search_knowledge_base", map[string]any{"query": "x", "max_results": 1e30})
	got := text(res)
	if !res.IsError || !strings.Contains(got, `argument "max_results": 1e+30 is out of range for this integer argument`) {
		t.Errorf("result %v %q, want a tool error naming max_results", res.IsError, got)
	}
	if strings.Contains(got, "Go struct") || strings.Contains(got, "SearchInput") {
		t.Errorf("the error names Go types: %q", got)
	}
}
