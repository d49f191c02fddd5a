// Package conformance holds the test tools, resources and prompts that the
// official MCP conformance suite calls by name. They are for testing only:
// the shipped binary never links this package. A binary built with
// -tags conformance ("go build -tags conformance ./cmd/knowledge-mcp")
// serves them when started with "serve --conformance-fixtures" (or
// CONFORMANCE_FIXTURES=1).
package conformance

import (
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Extension returns the fixtures as an addition to the server
// ([mcpserver.Options.Extensions]).
func Extension() mcpserver.Extension {
	return mcpserver.Extension{
		ServerOptions: func(opts *mcp.ServerOptions) { conformanceServerOptions(opts) },
		Register:      addConformanceFixtures,
	}
}
