package httpserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/metrics"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// observe records every request in the metrics: by route, HTTP method and
// status; MCP requests also by JSON-RPC method, tool and outcome, and the
// in-flight gauge.
func (h *handler) observe(next http.Handler) http.Handler {
	reg := h.opts.Metrics
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		if info != nil {
			info.clientIP = h.proxies.clientIP(r)
		}
		if reg == nil {
			next.ServeHTTP(w, r)
			return
		}
		route := routeOf(r.URL.Path)
		isMCP := route == "mcp" && r.Method == http.MethodPost
		if isMCP {
			reg.InFlight(1)
			defer reg.InFlight(-1)
		}
		start := time.Now()
		// The request log's recorder, which wraps this handler, already
		// notes the status; a second one only where it does not.
		rec, ok := w.(*statusRecorder)
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
		}
		next.ServeHTTP(rec, r)
		d := time.Since(start)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		reg.ObserveHTTP(route, methodLabel(r.Method), strconv.Itoa(status), d)
		if isMCP && info != nil {
			outcome, toolKnown := info.result()
			if outcome == "" || status != http.StatusOK {
				outcome = statusOutcome(status)
			}
			tool := ""
			if toolKnown {
				tool = info.tool
			}
			reg.ObserveMCP(rpcMethodLabel(info.rpcMethod), tool, outcome, d)
		}
	})
}

// result returns the outcome the SDK middleware recorded.
func (i *requestInfo) result() (outcome string, toolKnown bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.outcome, i.toolKnown
}

// recordOutcome is an MCP receiving middleware: it signals that the SDK has
// dispatched the request (the keep-alive writer waits for it), and notes
// whether the SDK
// answered the request with a result, a tool error (isError) or a JSON-RPC
// error, and whether the called tool exists, so that metrics label by tool
// only names the server has (no label per client-invented name).
func recordOutcome(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		info := infoFrom(ctx)
		if info != nil {
			info.dispatched.Store(true)
		}
		res, err := next(ctx, method, req)
		if info == nil {
			return res, err
		}
		info.mu.Lock()
		defer info.mu.Unlock()
		switch {
		case err != nil:
			info.outcome = "rpc_error"
		case method == "tools/call":
			info.toolKnown = true
			info.outcome = "ok"
			if ctr, ok := res.(*mcp.CallToolResult); ok && ctr.IsError {
				info.outcome = "tool_error"
			}
		default:
			info.outcome = "ok"
		}
		return res, err
	}
}

// statusOutcome names the outcome of an MCP request the edge or the
// transport answered with an HTTP error.
func statusOutcome(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "unauthorized"
	case status == http.StatusForbidden:
		return "forbidden"
	case status == http.StatusTooManyRequests:
		return "rate_limited"
	case status == http.StatusServiceUnavailable:
		return "overloaded"
	case status == http.StatusRequestEntityTooLarge:
		return "too_large"
	case status >= 500:
		return "server_error"
	case status >= 400:
		return "bad_request"
	}
	return "ok"
}

func routeOf(path string) string {
	switch {
	case isMCPPath(path):
		return "mcp"
	case path == "/healthz":
		return "healthz"
	case path == "/readyz":
		return "readyz"
	case path == "/metrics":
		return "metrics"
	case path == "/":
		return "root"
	case strings.HasPrefix(path, "/console/"):
		return "console"
	case strings.HasPrefix(path, ResourceMetadataPath):
		return "oauth_metadata"
	}
	return "other"
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodDelete, http.MethodOptions, http.MethodPut, http.MethodPatch:
		return m
	}
	return "other"
}

// rpcMethodLabel keeps the label set bounded: known MCP methods and
// notifications by name, anything else "other".
func rpcMethodLabel(m string) string {
	switch {
	case m == "":
		return "none"
	case m == "batch", knownMethod(m):
		return m
	case strings.HasPrefix(m, "notifications/") && len(m) < 64 && validToken(strings.ReplaceAll(strings.TrimPrefix(m, "notifications/"), "/", "-")):
		return m
	}
	return "other"
}

// MetricsHandler serves reg in the Prometheus text format. With a token,
// only requests carrying "Authorization: Bearer <token>" are served (401
// otherwise), compared in constant time.
func MetricsHandler(reg *metrics.Registry, token string) http.Handler {
	inner := reg.Handler()
	if token == "" {
		return inner
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearerToken(r)
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "metrics need Authorization: Bearer <METRICS_TOKEN>"})
			return
		}
		inner.ServeHTTP(w, r)
	})
}
