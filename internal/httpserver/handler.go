// Package httpserver serves knowledge-mcp over HTTP: the streamable-HTTP MCP
// endpoint at /mcp, the health endpoints, the OAuth protected-resource
// metadata, /metrics, and the middleware every request meets.
//
// The chain, outermost first:
//
//	request log → metrics → origin-verify (CDN secret header) → CORS → host guard → routes
//	/mcp: Origin check → body read (size cap, batch cap) → concurrency cap → authentication → per-client rate limit → MCP endpoint
//	/console/api/: the same checks as /mcp → the console's endpoints
//	/: the status JSON for programs and health checkers, the console for browsers
//
// Health endpoints (/healthz, /readyz, GET / by a program, and a plain GET of
// /mcp from a load balancer's health checker) pass every check but the host
// guard's.
package httpserver

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/metrics"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/time/rate"
)

// Path is where the MCP endpoint is served.
const Path = "/mcp"

// Well-known paths of the RFC 9728 protected-resource metadata: the plain
// form and the form suffixed with the resource's path.
const (
	ResourceMetadataPath    = "/.well-known/oauth-protected-resource"
	ResourceMetadataMCPPath = ResourceMetadataPath + Path
)

// Options configures the handler.
type Options struct {
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies (413 beyond); 0 means 1 MiB.
	MaxBodyBytes int64
	// MaxBatchMessages caps the messages of one JSON-RPC batch (400
	// beyond); 0 means DefaultMaxBatchMessages. Each message of a batch
	// takes its own concurrency slot and rate-limit token.
	MaxBatchMessages int
	// MaxResponseBytes caps one JSON response; a larger answer is replaced
	// by a JSON-RPC error saying so. 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// KeepAlive is the interval of SSE keep-alive comments; 0 disables them.
	KeepAlive time.Duration
	// AllowedHosts are Host values accepted on loopback connections besides
	// localhost names ("*" accepts any), for reverse proxies on the same host.
	AllowedHosts []string
	// Ready reports backend readiness for /readyz; nil means always ready.
	Ready func(context.Context) error

	// PublicURL is the server's root as clients see it; URLs in responses
	// (OAuth metadata, WWW-Authenticate) are built from it. Nil: from the
	// request and, from trusted proxies only, X-Forwarded-Proto/-Host or
	// Forwarded.
	PublicURL *url.URL
	// TrustedProxies are the peers whose forwarding headers are believed,
	// for the client IP and the public scheme and host.
	TrustedProxies []netip.Prefix
	// CORS is the browser cross-origin policy; its origins are also the
	// origins /mcp accepts in the Origin header.
	CORS CORS
	// Auth authenticates /mcp requests; nil serves everyone.
	Auth Authenticator
	// OriginVerify, when its header is set, refuses every request but
	// health checks that lacks the header with the secret.
	OriginVerify OriginVerify
	// MaxConcurrent caps MCP requests served at once (503 beyond); 0: no cap.
	MaxConcurrent int
	// RateLimit is the per-client rate in requests per second (429 beyond);
	// 0 disables it. RateBurst is the bucket size (at least 1).
	RateLimit rate.Limit
	RateBurst int
	// Metrics receives the request metrics; nil records none.
	Metrics *metrics.Registry
	// ServeMetrics serves Metrics at /metrics on this handler, protected by
	// MetricsToken when set.
	ServeMetrics bool
	MetricsToken string

	// Console, when set, serves browsers at / and the page's files under
	// /console/; programs at / get the status JSON either way.
	Console http.Handler
	// ConsoleAPI serves the console's endpoints under /console/api/ behind
	// the same checks as /mcp (origin, concurrency, authentication, rate).
	ConsoleAPI http.Handler
	// Version and Backend are reported by GET / (status JSON).
	Version, Backend string
}

// handler is the state the middleware shares.
type handler struct {
	opts    Options
	proxies proxyTrust
	origins *originPolicy
	limiter *clientLimiter
}

// New returns the HTTP handler serving server. It adds a receiving
// middleware to server that records each MCP call's outcome for the log
// line and the metrics.
func New(server *mcp.Server, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxBatchMessages <= 0 {
		opts.MaxBatchMessages = DefaultMaxBatchMessages
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	h := &handler{
		opts:    opts,
		proxies: proxyTrust{prefixes: opts.TrustedProxies},
		origins: newOriginPolicy(opts.CORS.Origins, opts.PublicURL),
	}
	h.origins.addOwnHosts(opts.AllowedHosts)
	if opts.RateLimit > 0 {
		h.limiter = newClientLimiter(float64(opts.RateLimit), opts.RateBurst)
	}
	server.AddReceivingMiddleware(recordOutcome)
	endpoint := newMCPEndpoint(server, opts)

	var mcpChain http.Handler = endpoint
	mcpChain = h.rateLimit(mcpChain)
	mcpChain = h.authenticate(mcpChain)
	mcpChain = h.limitConcurrency(mcpChain)
	mcpChain = h.readBody(mcpChain)
	mcpChain = h.checkOrigin(mcpChain)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.root)
	if opts.Console != nil {
		mux.Handle("/console/", opts.Console)
	}
	if opts.ConsoleAPI != nil {
		mux.Handle("/console/api/", h.checkOrigin(h.limitConcurrency(h.authenticate(h.rateLimit(opts.ConsoleAPI)))))
	}
	// MCP is served on exactly the paths the host guard checks: /mcp and
	// /mcp/ (no trailing-slash redirect, either way), not the subtree.
	mux.Handle(Path, mcpChain)
	mux.Handle(Path+"/{$}", mcpChain)
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("HEAD /healthz", healthz)
	ready := opts.Ready
	if r, ok := opts.Auth.(interface{ Ready(context.Context) error }); ok {
		// An authenticator that cannot accept any credential (no signing
		// keys loaded) makes the server not ready.
		backendReady := ready
		ready = func(ctx context.Context) error {
			if err := r.Ready(ctx); err != nil {
				return err
			}
			if backendReady != nil {
				return backendReady(ctx)
			}
			return nil
		}
	}
	mux.Handle("GET /readyz", readyz(ready))
	mux.Handle("HEAD /readyz", readyz(ready))
	if opts.Auth != nil {
		meta := h.resourceMetadata()
		mux.Handle("GET "+ResourceMetadataPath, meta)
		mux.Handle("GET "+ResourceMetadataMCPPath, meta)
	}
	if opts.ServeMetrics && opts.Metrics != nil {
		mux.Handle("GET /metrics", MetricsHandler(opts.Metrics, opts.MetricsToken))
	}

	var out http.Handler = mux
	out = hostGuard(out, opts.AllowedHosts, opts.Metrics)
	out = h.cors(out)
	out = h.verifyOrigin(out)
	out = h.observe(out)
	out = logRequests(out, opts.Logger)
	return out
}

// isHealthCheck reports whether r is a health probe: /healthz, /readyz, a
// GET of / by anything but a browser, or a plain GET of /mcp by a load
// balancer (one that does not ask for an event stream). Probes come straight
// from the load balancer, without the CDN's secret header or credentials,
// and reveal nothing.
func isHealthCheck(r *http.Request) bool {
	switch r.URL.Path {
	case "/healthz", "/readyz":
		return true
	case "/":
		return (r.Method == http.MethodGet || r.Method == http.MethodHead) && !prefersHTML(r.Header.Values("Accept"))
	}
	return isMCPPath(r.URL.Path) && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		!acceptsEventStream(r.Header.Values("Accept"))
}
