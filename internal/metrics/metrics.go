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
package metrics

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric name.
const Namespace = "knowledge_mcp"

// latencyBuckets span a health check (sub-millisecond) to a generated answer
// (tens of seconds).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// Registry owns knowledge-mcp's metrics, on a registry of its own (not the
// global one) with the Go runtime and process collectors.
type Registry struct {
	reg *prometheus.Registry

	httpRequests   *prometheus.CounterVec
	httpDuration   *prometheus.HistogramVec
	inFlight       prometheus.Gauge
	mcpRequests    *prometheus.CounterVec
	mcpDuration    *prometheus.HistogramVec
	authFailures   *prometheus.CounterVec
	limited        *prometheus.CounterVec
	originRejected *prometheus.CounterVec
	backendCalls   *prometheus.CounterVec
	backendLatency *prometheus.HistogramVec
}

// New returns a Registry with every metric registered.
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "http_requests_total",
		Help: "HTTP requests by route (mcp, healthz, readyz, metrics, oauth_metadata, other), HTTP method and status code.",
	}, []string{"route", "method", "code"})
	r.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "http_request_duration_seconds",
		Help: "HTTP request latency by route.", Buckets: latencyBuckets,
	}, []string{"route"})
	r.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "http_requests_in_flight",
		Help: "MCP requests being served now.",
	})
	r.mcpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "mcp_requests_total",
		Help: "MCP requests by JSON-RPC method, tool (tools/call only) and outcome (ok, tool_error, rpc_error, unauthorized, forbidden, rate_limited, overloaded, too_large, bad_request, server_error).",
	}, []string{"mcp_method", "tool", "outcome"})
	r.mcpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "mcp_request_duration_seconds",
		Help: "MCP request latency by JSON-RPC method and tool.", Buckets: latencyBuckets,
	}, []string{"mcp_method", "tool"})
	r.authFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "auth_failures_total",
		Help: "Rejected credentials by reason (missing, invalid, expired, wrong_issuer, wrong_audience, unknown_key, alg_not_allowed, insufficient_scope, ...).",
	}, []string{"reason"})
	r.limited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "rate_limited_total",
		Help: "Requests refused by a limit: rate (429, per client) or concurrency (503).",
	}, []string{"limit"})
	r.originRejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "origin_rejections_total",
		Help: "Requests refused with 403 by an origin check: origin (browser Origin not allowed), origin_verify (CDN secret header missing or wrong), host (DNS rebinding).",
	}, []string{"check"})
	r.backendCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "backend_calls_total",
		Help: "Knowledge-base backend calls by backend, operation and outcome.",
	}, []string{"backend", "operation", "outcome"})
	r.backendLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "backend_call_duration_seconds",
		Help: "Knowledge-base backend call latency by backend and operation.", Buckets: latencyBuckets,
	}, []string{"backend", "operation"})
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.httpRequests, r.httpDuration, r.inFlight, r.mcpRequests, r.mcpDuration,
		r.authFailures, r.limited, r.originRejected, r.backendCalls, r.backendLatency,
	)
	return r
}

// Registerer lets other packages add metrics of their own to this registry.
func (r *Registry) Registerer() prometheus.Registerer { return r.reg }

// Gatherer returns the registry for tests and custom exposition.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Handler serves the metrics in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}

// ObserveHTTP records one finished HTTP request.
func (r *Registry) ObserveHTTP(route, method, code string, d time.Duration) {
	if r == nil {
		return
	}
	r.httpRequests.WithLabelValues(route, method, code).Inc()
	r.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

// ObserveMCP records one finished MCP request.
func (r *Registry) ObserveMCP(method, tool, outcome string, d time.Duration) {
	if r == nil {
		return
	}
	r.mcpRequests.WithLabelValues(method, tool, outcome).Inc()
	r.mcpDuration.WithLabelValues(method, tool).Observe(d.Seconds())
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
	r.authFailures.WithLabelValues(reason).Inc()
}

// Limited counts a request refused by a limit ("rate" or "concurrency").
func (r *Registry) Limited(limit string) {
	if r == nil {
		return
	}
	r.limited.WithLabelValues(limit).Inc()
}

// OriginRejected counts a request refused by an origin check.
func (r *Registry) OriginRejected(check string) {
	if r == nil {
		return
	}
	r.originRejected.WithLabelValues(check).Inc()
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
	r.backendCalls.WithLabelValues(backend, operation, Outcome(err)).Inc()
	r.backendLatency.WithLabelValues(backend, operation).Observe(d.Seconds())
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
