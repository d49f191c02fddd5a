package httpserver

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/metrics"
)

// hostGuard is the MCP spec's DNS-rebinding defence for local servers: on a
// connection that arrived at a loopback address, /mcp answers 403 unless the
// Host header names a loopback host too. A reverse proxy on the same host
// (nginx, an ECS sidecar) forwards other Host values; the operator lists them
// in allowed (or "*"). Health endpoints are exempt.
func hostGuard(next http.Handler, allowed []string, reg *metrics.Registry) http.Handler {
	anyHost := slices.Contains(allowed, "*")
	allowedSet := make(map[string]bool, len(allowed))
	for _, h := range allowed {
		allowedSet[strings.ToLower(hostOnly(h))] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if anyHost || !isMCPPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if ok && local != nil && IsLoopbackHost(hostOnly(local.String())) {
			host := strings.ToLower(hostOnly(r.Host))
			if !IsLoopbackHost(host) && !allowedSet[host] {
				reg.OriginRejected("host")
				writeRPCError(w, http.StatusForbidden, nil, codeInvalidRequest, fmt.Sprintf(
					"Host %q is not allowed on a loopback listener (DNS-rebinding protection); behind a reverse proxy on this host, add it to ALLOWED_HOSTS", r.Host))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func isMCPPath(p string) bool { return p == Path || p == Path+"/" }

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.Trim(h, "[]")
	}
	return strings.Trim(hostport, "[]")
}

// IsLoopbackHost reports whether h (a host name or address, without port)
// is a loopback host: localhost, a *.localhost name or a loopback address.
func IsLoopbackHost(h string) bool {
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
