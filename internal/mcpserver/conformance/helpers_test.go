package conformance

import (
	"context"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// newServer is the product's server, with the fixtures when fixtures is set.
func newServer(fixtures bool) *mcp.Server {
	var opts mcpserver.Options
	if fixtures {
		opts.Extensions = []mcpserver.Extension{Extension()}
	}
	return mcpserver.New(opts)
}

// connect opens an in-memory client session to server.
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
