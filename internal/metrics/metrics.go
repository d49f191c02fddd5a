// Package metrics holds knowledge-mcp's Prometheus metrics: what the HTTP
// edge counts (requests by MCP method, tool and outcome, latency, in-flight
// requests, authentication failures, rejections by limits) and what backends
// report about their calls.
//
// Backends report through [Observer]; the simplest way is to wrap a backend:
//
//	reg := metrics.New()
//	backend = metrics.InstrumentBackend(backend, "bedrock", reg)
//
// which times every ListKnowledgeBases, Search, GetDocument, Ready and Ask
// call and counts its outcome (ok, invalid_argument, not_found, permission,
// unavailable, canceled, error). A nil *Registry records nothing, so callers
// need no checks.
//
// The exposition is written here, not by the Prometheus Go client: with the
// same names, help texts, labels and format (tests hold it to the client's
// output), but without the client's package init, procfs and protobuf,
// which cost every start of the binary ~10 ms and ~160 page faults.
package metrics

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// Namespace prefixes every metric name.
const Namespace = "knowledge_mcp"

// latencyBuckets span a health check (sub-millisecond) to a generated answer
// (tens of seconds).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// Registry owns knowledge-mcp's metrics and exposes them with the Go
// runtime and process metrics, in the Prometheus text format.
type Registry struct {
	httpRequests   *family[counter]
	httpDuration   *family[histogram]
	inFlight       *gauge
	mcpRequests    *family[counter]
	mcpDuration    *family[histogram]
	authFailures   *family[counter]
	limited        *family[counter]
	originRejected *family[counter]
	backendCalls   *family[counter]
	backendLatency *family[histogram]

	// families are written in this order: sorted by name.
	families []writer
}

// New returns a Registry with every metric registered.
func New() *Registry {
	r := &Registry{}
	r.httpRequests = newCounterFamily("http_requests_total",
		"HTTP requests by route (mcp, healthz, readyz, metrics, oauth_metadata, root, console, other), HTTP method and status code.",
		"route", "method", "code")
	r.httpDuration = newHistogramFamily("http_request_duration_seconds",
		"HTTP request latency by route.", latencyBuckets, "route")
	inFlight := newGaugeFamily("http_requests_in_flight", "MCP requests being served now.")
	r.inFlight = inFlight.with()
	r.mcpRequests = newCounterFamily("mcp_requests_total",
		"MCP requests by JSON-RPC method, tool (tools/call only) and outcome (ok, tool_error, rpc_error, unauthorized, forbidden, rate_limited, overloaded, too_large, bad_request, server_error).",
		"mcp_method", "tool", "outcome")
	r.mcpDuration = newHistogramFamily("mcp_request_duration_seconds",
		"MCP request latency by JSON-RPC method and tool.", latencyBuckets, "mcp_method", "tool")
	r.authFailures = newCounterFamily("auth_failures_total",
		"Rejected credentials by reason (missing, invalid, expired, wrong_issuer, wrong_audience, unknown_key, alg_not_allowed, insufficient_scope, ...).",
		"reason")
	r.limited = newCounterFamily("rate_limited_total",
		"Requests refused by a limit: rate (429, per client) or concurrency (503).", "limit")
	r.originRejected = newCounterFamily("origin_rejections_total",
		"Requests refused with 403 by an origin check: origin (browser Origin not allowed), origin_verify (CDN secret header missing or wrong), host (DNS rebinding).",
		"check")
	r.backendCalls = newCounterFamily("backend_calls_total",
		"Knowledge-base backend calls by backend, operation and outcome.", "backend", "operation", "outcome")
	r.backendLatency = newHistogramFamily("backend_call_duration_seconds",
		"Knowledge-base backend call latency by backend and operation.", latencyBuckets, "backend", "operation")
	r.families = []writer{
		r.httpRequests, r.httpDuration, inFlight, r.mcpRequests, r.mcpDuration,
		r.authFailures, r.limited, r.originRejected, r.backendCalls, r.backendLatency,
	}
	slices.SortFunc(r.families, func(a, b writer) int { return strings.Compare(a.familyName(), b.familyName()) })
	return r
}

// writer is a family of any kind.
type writer interface {
	familyName() string
	write(*bufio.Writer)
}

// WriteTo writes every metric in the Prometheus text format (version
// 0.0.4): the Go runtime's, knowledge-mcp's, then the process's, each
// family once, sorted by name.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 16<<10)
	writeRuntime(bw)
	for _, f := range r.families {
		f.write(bw)
	}
	writeProcess(bw)
	err := bw.Flush()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// contentType is the text format's media type, as client_golang's
// promhttp names it.
const contentType = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

// Handler serves the metrics in the Prometheus text format, gzipped when
// the scraper accepts it.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Add("Vary", "Accept")
		h.Add("Vary", "Accept-Encoding")
		var out io.Writer = w
		if acceptsGzip(req.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			defer gz.Close()
			out = gz
		}
		r.WriteTo(out) // a write error means the scraper went away
	})
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// ObserveHTTP records one finished HTTP request.
func (r *Registry) ObserveHTTP(route, method, code string, d time.Duration) {
	if r == nil {
		return
	}
	r.httpRequests.with(route, method, code).Inc()
	r.httpDuration.with(route).Observe(d.Seconds())
}

// ObserveMCP records one finished MCP request.
func (r *Registry) ObserveMCP(method, tool, outcome string, d time.Duration) {
	if r == nil {
		return
	}
	r.mcpRequests.with(method, tool, outcome).Inc()
	r.mcpDuration.with(method, tool).Observe(d.Seconds())
}

// InFlight adds delta to the in-flight gauge.
func (r *Registry) InFlight(delta float64) {
	if r == nil {
		return
	}
	r.inFlight.Add(delta)
}

// AuthFailure counts a rejected credential.
func (r *Registry) AuthFailure(reason string) {
	if r == nil {
		return
	}
	r.authFailures.with(reason).Inc()
}

// Limited counts a request refused by a limit ("rate" or "concurrency").
func (r *Registry) Limited(limit string) {
	if r == nil {
		return
	}
	r.limited.with(limit).Inc()
}

// OriginRejected counts a request refused by an origin check.
func (r *Registry) OriginRejected(check string) {
	if r == nil {
		return
	}
	r.originRejected.with(check).Inc()
}

// Observer receives the latency and outcome of backend calls. *Registry
// implements it; tests may supply their own.
type Observer interface {
	ObserveBackendCall(backend, operation string, d time.Duration, err error)
}

var _ Observer = (*Registry)(nil)

// ObserveBackendCall records one backend call; err classifies its outcome.
func (r *Registry) ObserveBackendCall(backend, operation string, d time.Duration, err error) {
	if r == nil {
		return
	}
	r.backendCalls.with(backend, operation, Outcome(err)).Inc()
	r.backendLatency.with(backend, operation).Observe(d.Seconds())
}

// Outcome names the class of a backend error for a metric label, from the
// kb sentinel errors.
func Outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, kb.ErrInvalidArgument):
		return "invalid_argument"
	case errors.Is(err, kb.ErrNotFound):
		return "not_found"
	case errors.Is(err, kb.ErrPermission):
		return "permission"
	case errors.Is(err, kb.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "error"
}
