// Package mcpserver builds knowledge-mcp's MCP server on the official Go SDK:
// its tools, resources and prompts. It knows nothing of transports; the HTTP
// and stdio front ends serve the *mcp.Server it returns.
//
// With a [kb.Backend] in [Options] the server offers:
//   - tools search_knowledge_base, list_knowledge_bases, get_document, and
//     ask_knowledge_base when the backend can generate ([kb.CanGenerate]);
//   - every document as a resource kb://KNOWLEDGE_BASE/URI (template
//     kb://{knowledge_base_id}/{+uri}), listed in resources/list when the
//     backend implements [kb.DocumentLister];
//   - the prompt answer_with_citations.
//
// The tool layer validates and normalizes arguments ([kb.Query.Normalize])
// and turns backend errors into tool errors an agent can act on; backends
// only translate.
package mcpserver

import (
	"context"
	"log/slog"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name announced to clients.
const Name = "knowledge-mcp"

// DefaultMaxListedResources bounds resources/list when
// [Options.MaxListedResources] is zero.
const DefaultMaxListedResources = 1000

// Options configures the server. The zero value serves the connectivity
// tools only.
type Options struct {
	// Version is announced in the initialize result.
	Version string
	// Logger receives the SDK's own diagnostics at debug level, and the
	// server's reports of backend faults and panics; nil discards them.
	Logger *slog.Logger
	// Backend serves the knowledge base tools, resources and prompt; nil
	// serves simpleadd alone. ask_knowledge_base is offered only when
	// kb.CanGenerate(Backend) reports true (checked once, in New).
	Backend kb.Backend
	// MaxListedResources bounds how many documents resources/list offers
	// in all (pages of 100); 0 means DefaultMaxListedResources, negative
	// lists none. Every document stays readable through the template.
	MaxListedResources int
	// Extensions add tools, resources and prompts beyond the product's
	// own: the MCP conformance suite's fixtures (package conformance) in a
	// binary built with -tags conformance. None by default.
	Extensions []Extension
}

// Extension is a set of additions to the server, with the server-wide
// handlers they need.
type Extension struct {
	// ServerOptions, when set, adjusts the SDK options before the server
	// is made.
	ServerOptions func(*mcp.ServerOptions)
	// Register adds the extension's tools, resources and prompts.
	Register func(*mcp.Server)
}

// SDKLogger returns logger for the SDK's own chatter (a few lines per
// session or request) only when debug logging is on; otherwise a logger
// passing only the SDK's errors (an answer that could not be encoded, a
// failed keepalive), which must never be silent. nil stays nil, which the
// SDK takes as "discard". The server and the HTTP transport share it.
func SDKLogger(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		return nil
	}
	if logger.Enabled(context.Background(), slog.LevelDebug) {
		return logger
	}
	return slog.New(minLevelHandler{Handler: logger.Handler(), min: slog.LevelError})
}

// minLevelHandler drops records below min.
type minLevelHandler struct {
	slog.Handler
	min slog.Level
}

func (h minLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithGroup(name), min: h.min}
}

const instructions = `This server answers questions from a knowledge base of documents.
Workflow: call search_knowledge_base with a focused query (several short searches beat one long one), read the ranked passages, and cite each claim with the passage's title and uri.
Use list_knowledge_bases to see which knowledge bases exist and pass knowledge_base_id when there is more than one. Use get_document with a result's uri when a passage is not enough context.
simpleadd is a connectivity test.`

// New returns a server with every tool, resource and prompt registered.
func New(opts Options) *mcp.Server {
	if opts.Version == "" {
		opts.Version = "dev"
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	serverOpts := &mcp.ServerOptions{
		Instructions: instructions,
		Logger:       SDKLogger(opts.Logger),
		SchemaCache:  mcp.NewSchemaCache(),
	}
	for _, ext := range opts.Extensions {
		if ext.ServerOptions != nil {
			ext.ServerOptions(serverOpts)
		}
	}
	server := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Knowledge base MCP server", Version: opts.Version}, serverOpts)
	server.AddReceivingMiddleware(recoverPanics(logger))
	addSimpleAdd(server)
	for _, ext := range opts.Extensions {
		if ext.Register != nil {
			ext.Register(server)
		}
	}
	if opts.Backend == nil {
		return server
	}
	t := &tools{backend: opts.Backend, logger: logger}
	addSearch(server, t)
	addListKnowledgeBases(server, t)
	addGetDocument(server, t)
	if gen, ok := kb.CanGenerate(opts.Backend); ok {
		addAsk(server, t, gen)
	}
	addResources(server, t, opts.MaxListedResources)
	addPrompts(server)
	return server
}

// tools holds what the knowledge base tools share.
type tools struct {
	backend kb.Backend
	logger  *slog.Logger
}
