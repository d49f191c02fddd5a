// Package mcpserver builds knowledge-mcp's MCP server on the official Go SDK:
// its tools, resources and prompts. It knows nothing of transports; the HTTP
// and stdio front ends serve the *mcp.Server it returns.
package mcpserver

import (
	"context"
	"log/slog"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name announced to clients.
const Name = "knowledge-mcp"

// Options configures the server. The zero value serves the connectivity
// tools only.
type Options struct {
	// Version is announced in the initialize result.
	Version string
	// Logger receives the SDK's own diagnostics; nil discards them.
	Logger *slog.Logger
	// Backend serves the knowledge-base tools; nil registers none.
	Backend kb.Backend
}

// sdkLogger passes the SDK's per-session chatter through only at debug level.
func sdkLogger(logger *slog.Logger) *slog.Logger {
	if logger != nil && logger.Enabled(context.Background(), slog.LevelDebug) {
		return logger
	}
	return nil
}

// New returns a server with every tool, resource and prompt registered.
func New(opts Options) *mcp.Server {
	if opts.Version == "" {
		opts.Version = "dev"
	}
	server := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Knowledge base MCP server", Version: opts.Version}, &mcp.ServerOptions{
		Instructions: "Search the knowledge base with search_knowledge_base and cite the returned sources. simpleadd is a connectivity test.",
		Logger:       sdkLogger(opts.Logger),
		SchemaCache:  mcp.NewSchemaCache(),
	})
	addSimpleAdd(server)
	return server
}
