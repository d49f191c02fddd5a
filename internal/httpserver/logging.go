package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

type requestInfoKey struct{}

// requestInfo collects, while a request is served, what its log line and
// metrics say. The MCP middleware (recordOutcome) writes outcome and
// toolKnown from the SDK's goroutine, hence the mutex.
type requestInfo struct {
	id        string
	rpcMethod string
	tool      string
	subject   string // authenticated principal
	clientIP  string // the client's address, through trusted proxies
	reason    string // why the edge refused the request

	// dispatched is set when the SDK hands the request to the server.
	dispatched atomic.Bool

	mu        sync.Mutex
	outcome   string // ok, tool_error or rpc_error, once the SDK handled it
	toolKnown bool   // the tool exists (it ran, or failed as a tool)
}

// setReason records why the edge refused r, for the log line.
func setReason(r *http.Request, reason string) {
	if info := infoFrom(r.Context()); info != nil {
		info.reason = reason
	}
}

func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// RequestIDHeader carries the request id: taken from the request when a proxy
// set it, else generated, and always echoed in the response.
const RequestIDHeader = "X-Request-Id"

// logRequests logs one line per request: HTTP method, path, MCP method, tool,
// status, bytes, duration and request id.
func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if id == "" || len(id) > 128 {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		info := &requestInfo{id: id}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))

		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		} else if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		}
		if info.rpcMethod != "" {
			attrs = append(attrs, slog.String("mcp_method", info.rpcMethod))
		}
		if info.tool != "" {
			attrs = append(attrs, slog.String("tool", info.tool))
		}
		if info.clientIP != "" && info.clientIP != hostOnly(r.RemoteAddr) {
			attrs = append(attrs, slog.String("client_ip", info.clientIP))
		}
		if info.subject != "" {
			attrs = append(attrs, slog.String("subject", info.subject))
		}
		if info.reason != "" {
			attrs = append(attrs, slog.String("reason", info.reason))
		}
		if outcome, _ := info.result(); outcome != "" {
			attrs = append(attrs, slog.String("outcome", outcome))
		}
		logger.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status and size of a response. It keeps
// Flush and the underlying writer reachable (http.ResponseController).
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(p)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Flush() {
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
