package mcpserver_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// connect serves a new server with opts over in-memory transports and
// returns a client session to it, closed when the test ends.
func connect(t *testing.T, opts mcpserver.Options) *mcp.ClientSession {
	t.Helper()
	server := mcpserver.New(opts)
	st, ct := mcp.NewInMemoryTransports()
	ss, err := server.Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatalf("server connect: %v", err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "0"}, nil)
	cs, err := client.Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatalf("client connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// connectFake serves the default fixture through a fake backend.
func connectFake(t *testing.T) (*mcp.ClientSession, *kbtest.Fake) {
	t.Helper()
	fake := kbtest.NewFake(kbtest.DefaultFixture())
	return connect(t, mcpserver.Options{Backend: fake}), fake
}

// call calls a tool and fails the test on a protocol error.
func call(t *testing.T, cs *mcp.ClientSession, name string, args any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): protocol error %v", name, args, err)
	}
	return res
}

// text joins the text contents of a tool result.
var text = mcpserver.ResultText

// structured decodes a successful tool result's structuredContent into T.
func structured[T any](t *testing.T, res *mcp.CallToolResult) T {
	t.Helper()
	var out T
	if res.IsError {
		t.Fatalf("tool error: %s", text(res))
	}
	data, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("structuredContent %s: %v", data, err)
	}
	return out
}

// assertToolError checks that res is a tool error whose text holds every
// string of want, and that the server keeps serving after it.
func assertToolError(t *testing.T, cs *mcp.ClientSession, res *mcp.CallToolResult, want ...string) {
	t.Helper()
	if !res.IsError {
		t.Fatalf("no tool error; result: %s", text(res))
	}
	for _, w := range want {
		if !strings.Contains(text(res), w) {
			t.Errorf("error text lacks %q: %s", w, text(res))
		}
	}
	assertServing(t, cs)
}

// assertServing checks that the server still answers a good search.
func assertServing(t *testing.T, cs *mcp.ClientSession) {
	t.Helper()
	res := call(t, cs, "search_knowledge_base", map[string]any{"query": "kangaroo pouch", "knowledge_base_id": "animals"})
	if res.IsError || !strings.Contains(text(res), "Kangaroo") {
		t.Fatalf("server stopped serving searches: %s", text(res))
	}
}

// panicking wraps a backend with bugs: a search for "panic" and a read of
// "panic.md" panic.
type panicking struct{ kb.Backend }

func (p panicking) Search(ctx context.Context, q kb.Query) (*kb.SearchResult, error) {
	if q.Text == "panic" {
		panic("backend bug")
	}
	return p.Backend.Search(ctx, q)
}

func (p panicking) GetDocument(ctx context.Context, kbID, uri string) (*kb.Document, error) {
	if uri == "panic.md" {
		var m map[string]int
		//lint:ignore SA5000 a deliberate runtime panic
		m["boom"]++ // a nil-map write: a runtime panic, as a real bug gives
	}
	return p.Backend.GetDocument(ctx, kbID, uri)
}
