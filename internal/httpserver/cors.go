package httpserver

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CORS is the cross-origin policy for browser clients.
type CORS struct {
	// Origins are the allowed origins in serialized form
	// (https://app.example.com); "*" allows any origin.
	Origins []string
	// AllowCredentials sends Access-Control-Allow-Credentials: true (never
	// together with "*").
	AllowCredentials bool
	// MaxAge is how long a browser may cache a preflight answer.
	MaxAge time.Duration
	// ExtraHeaders are request headers browsers may send besides the MCP
	// ones (the API-key header).
	ExtraHeaders []string
}

// Headers a browser MCP client sends: the transport's own, the 2026-07-28
// revision's routing headers, and credentials.
var corsAllowHeaders = []string{
	"Content-Type", "Accept", "Authorization", "Mcp-Session-Id", "MCP-Protocol-Version",
	"Last-Event-ID", "Mcp-Method", "Mcp-Name", RequestIDHeader,
}

const (
	corsAllowMethods  = "GET, POST, DELETE, OPTIONS"
	corsExposeHeaders = "Mcp-Session-Id, WWW-Authenticate, Retry-After, " + RequestIDHeader
)

// cors answers preflight requests and adds CORS headers to the responses to
// allowed origins. It runs before authentication: a preflight carries no
// credentials. A disallowed origin gets no CORS headers (its preflight a
// 403), so the browser blocks the call. The protected-resource metadata is
// public: any origin may read it, as OAuth clients in browsers must.
func (h *handler) cors(next http.Handler) http.Handler {
	allowHeaders := slices.Clone(corsAllowHeaders)
	for _, x := range h.opts.CORS.ExtraHeaders {
		if x != "" && !slices.ContainsFunc(allowHeaders, func(s string) bool { return strings.EqualFold(s, x) }) {
			allowHeaders = append(allowHeaders, x)
		}
	}
	allowHeadersValue := strings.Join(allowHeaders, ", ")
	maxAge := strconv.Itoa(int(h.opts.CORS.MaxAge / time.Second))
	// "*" never goes with credentials: echoing any origin with
	// Allow-Credentials would let every site act as the user.
	anyOrigin := slices.Contains(h.opts.CORS.Origins, "*")
	credentials := h.opts.CORS.AllowCredentials && !anyOrigin

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		public := strings.HasPrefix(r.URL.Path, "/.well-known/")
		w.Header().Add("Vary", "Origin")
		if origin == "" {
			if r.Method == http.MethodOptions && isMCPPath(r.URL.Path) {
				// Not a preflight: say what the endpoint supports instead of
				// the SDK's 405.
				w.Header().Set("Allow", "GET, HEAD, POST, OPTIONS")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		allowed := public || h.origins.allows(r, origin)
		if !allowed {
			if preflight {
				h.refuseOrigin(w, r, origin)
				return
			}
			next.ServeHTTP(w, r) // checkOrigin refuses it on /mcp
			return
		}
		hdr := w.Header()
		if public || anyOrigin {
			hdr.Set("Access-Control-Allow-Origin", "*")
		} else {
			hdr.Set("Access-Control-Allow-Origin", origin)
			if credentials {
				hdr.Set("Access-Control-Allow-Credentials", "true")
			}
		}
		if preflight {
			hdr.Add("Vary", "Access-Control-Request-Method")
			hdr.Add("Vary", "Access-Control-Request-Headers")
			hdr.Set("Access-Control-Allow-Methods", corsAllowMethods)
			hdr.Set("Access-Control-Allow-Headers", allowHeadersValue+paramHeaders(r))
			hdr.Set("Access-Control-Max-Age", maxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		hdr.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}

// paramHeaders returns the Mcp-Param-* headers a preflight asks for (the
// 2026-07-28 revision mirrors tool arguments in them), to be allowed too.
func paramHeaders(r *http.Request) string {
	var b strings.Builder
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if len(name) > len("mcp-param-") && len(name) <= 128 && strings.EqualFold(name[:len("mcp-param-")], "mcp-param-") && validToken(name) {
				b.WriteString(", ")
				b.WriteString(name)
			}
		}
	}
	return b.String()
}

func validToken(s string) bool {
	for _, c := range s {
		if !(c == '-' || c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			return false
		}
	}
	return true
}
