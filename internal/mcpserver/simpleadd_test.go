package mcpserver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func connect(t *testing.T, server *mcp.Server) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	st, ct := mcp.NewInMemoryTransports()
	if _, err := server.Connect(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func TestSimpleAdd(t *testing.T) {
	cs := connect(t, New(Options{Version: "test"}))
	tests := []struct {
		a, b     float64
		wantText string
	}{
		{10, 20, "30"},
		{-1, 1, "0"},
		{0.5, 0.25, "0.75"},
		{1e20, 1, "1e+20"},
	}
	for _, tt := range tests {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "simpleadd", Arguments: map[string]any{"a": tt.a, "b": tt.b}})
		if err != nil || res.IsError {
			t.Fatalf("simpleadd(%v, %v): %v %+v", tt.a, tt.b, err, res)
		}
		if got := res.Content[0].(*mcp.TextContent).Text; got != tt.wantText {
			t.Errorf("simpleadd(%v, %v) text = %q, want %q", tt.a, tt.b, got, tt.wantText)
		}
		if got := res.StructuredContent.(map[string]any)["sum"]; got != tt.a+tt.b {
			t.Errorf("simpleadd(%v, %v) structured sum = %v", tt.a, tt.b, got)
		}
	}
}

func TestServerAnnouncesVersion(t *testing.T) {
	cs := connect(t, New(Options{Version: "v9.9.9"}))
	info := cs.InitializeResult().ServerInfo
	if info.Name != Name || info.Version != "v9.9.9" {
		t.Errorf("server info %+v", info)
	}
}

// TestSimpleAddOverflow requires a sum beyond float64 to be a tool error
// that says so, not an answer that cannot be encoded.
func TestSimpleAddOverflow(t *testing.T) {
	cs := connect(t, New(Options{Version: "test"}))
	for _, args := range []map[string]any{{"a": 1.7e308, "b": 1.7e308}, {"a": -1.7e308, "b": -1.7e308}} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "simpleadd", Arguments: args})
		cancel()
		if err != nil {
			t.Fatalf("simpleadd(%v): protocol error %v", args, err)
		}
		if !res.IsError || !strings.Contains(ResultText(res), "overflows") {
			t.Errorf("simpleadd(%v) = %+v, want a tool error saying the sum overflows", args, res)
		}
	}
}
