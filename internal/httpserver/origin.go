package httpserver

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// originPolicy says which browser origins may call /mcp. It is shared by
// CORS (which origins get CORS headers) and the MCP spec's Origin check
// (which origins get 403): the configured origins, the origin of the public
// URL, and, on a connection that arrived at a loopback address, loopback
// origins (a local browser client such as MCP Inspector).
type originPolicy struct {
	any     bool
	allowed map[string]bool
	// ownHosts are host names the operator declared the server's own
	// (ALLOWED_HOSTS): a page served under them, the console behind a
	// reverse proxy, calls /mcp from an origin on that host.
	ownHosts map[string]bool
}

// newOriginPolicy takes origins in serialized form (scheme://host[:port],
// lower case, no default port; "*" for any).
func newOriginPolicy(origins []string, public *url.URL) *originPolicy {
	p := &originPolicy{allowed: map[string]bool{}, ownHosts: map[string]bool{}}
	for _, o := range origins {
		if o == "*" {
			p.any = true
			continue
		}
		p.allowed[strings.ToLower(strings.TrimRight(o, "/"))] = true
	}
	if public != nil {
		p.allowed[strings.ToLower(public.Scheme+"://"+public.Host)] = true
	}
	return p
}

// addOwnHosts adds the operator's allowed Host names ("*" is not a name).
func (p *originPolicy) addOwnHosts(hosts []string) {
	for _, h := range hosts {
		if h = strings.ToLower(hostOnly(strings.TrimSpace(h))); h != "" && h != "*" {
			p.ownHosts[h] = true
		}
	}
}

// allows reports whether origin (an Origin header value) may call r's
// endpoint.
func (p *originPolicy) allows(r *http.Request, origin string) bool {
	if p.any {
		return true
	}
	origin = strings.ToLower(origin)
	if p.allowed[origin] {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if p.ownHosts[strings.ToLower(u.Hostname())] {
		return true
	}
	return IsLoopbackHost(u.Hostname()) && arrivedOnLoopback(r)
}

// arrivedOnLoopback reports whether r's connection was accepted on a
// loopback address.
func arrivedOnLoopback(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return ok && local != nil && IsLoopbackHost(hostOnly(local.String()))
}

// checkOrigin is the MCP spec's rule for streamable HTTP (2025-11-25): a
// request whose Origin header is present and not allowed gets 403, so that a
// web page the user visits cannot drive the server through the browser (DNS
// rebinding, cross-site requests). A request without Origin (a server, a
// gateway, curl) passes.
func (h *handler) checkOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || h.origins.allows(r, origin) {
			next.ServeHTTP(w, r)
			return
		}
		h.refuseOrigin(w, r, origin)
	})
}

// refuseOrigin answers 403 to a browser origin that is not allowed.
func (h *handler) refuseOrigin(w http.ResponseWriter, r *http.Request, origin string) {
	h.opts.Metrics.OriginRejected("origin")
	setReason(r, "origin_not_allowed")
	writeRPCError(w, http.StatusForbidden, nil, codeInvalidRequest, fmt.Sprintf(
		"Origin %q is not allowed to call this server; add it to CORS_ORIGINS", origin))
}
