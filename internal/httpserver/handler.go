// Package httpserver serves knowledge-mcp over HTTP: the streamable-HTTP MCP
// endpoint at /mcp, the health endpoints, and the middleware every request
// meets (request logging, host checks, body limits, keep-alives).
package httpserver

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Path is where the MCP endpoint is served.
const Path = "/mcp"

// Options configures the handler.
type Options struct {
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies (413 beyond); 0 means 1 MiB.
	MaxBodyBytes int64
	// KeepAlive is the interval of SSE keep-alive comments; 0 disables them.
	KeepAlive time.Duration
	// AllowedHosts are Host values accepted on loopback connections besides
	// localhost names ("*" accepts any), for reverse proxies on the same host.
	AllowedHosts []string
	// Ready reports backend readiness for /readyz; nil means always ready.
	Ready func(context.Context) error
}

// New returns the HTTP handler serving server.
func New(server *mcp.Server, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	endpoint := newMCPEndpoint(server, opts)

	mux := http.NewServeMux()
	mux.Handle(Path, endpoint)
	mux.Handle(Path+"/", endpoint) // no trailing-slash redirect, either way
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("HEAD /healthz", healthz)
	mux.Handle("GET /readyz", readyz(opts.Ready))
	mux.Handle("HEAD /readyz", readyz(opts.Ready))

	var h http.Handler = mux
	h = hostGuard(h, opts.AllowedHosts)
	h = logRequests(h, opts.Logger)
	return h
}
