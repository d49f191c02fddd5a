package httpserver

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// proxyTrust decides whose forwarding headers (X-Forwarded-For, -Proto,
// -Host, Forwarded) are believed: only a peer inside one of the trusted
// prefixes may say who the client is or which scheme it used. Anyone else
// could forge them to dodge a per-IP rate limit or to make the server emit
// URLs of its choosing.
type proxyTrust struct {
	prefixes []netip.Prefix
}

func (p proxyTrust) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, pre := range p.prefixes {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the TCP peer of r.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(hostOnly(r.RemoteAddr))
	return a.Unmap(), err == nil
}

// clientIP returns the address of the client that sent r: the peer, or, when
// the peer is a trusted proxy, the right-most address of X-Forwarded-For (or
// Forwarded: for=) that is not itself a trusted proxy. Taking the right-most
// untrusted entry, not the first, means a client cannot choose its identity
// by sending its own X-Forwarded-For.
func (p proxyTrust) clientIP(r *http.Request) string {
	peer, ok := peerAddr(r)
	if !ok {
		return hostOnly(r.RemoteAddr)
	}
	if !p.trusts(peer) {
		return peer.String()
	}
	chain := forwardedFor(r.Header)
	for i := len(chain) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(chain[i])
		if err != nil {
			break // garbage: stop believing the chain here
		}
		a = a.Unmap()
		if !p.trusts(a) || i == 0 {
			return a.String()
		}
	}
	return peer.String()
}

// forwardedFor lists the client chain, from Forwarded (RFC 7239) when
// present, else X-Forwarded-For, left (origin) to right (nearest proxy).
func forwardedFor(h http.Header) []string {
	var out []string
	if fwd := h.Values("Forwarded"); len(fwd) > 0 {
		for _, elem := range forwardedElements(fwd) {
			if v, ok := elem["for"]; ok {
				out = append(out, forwardedNode(v))
			}
		}
		return out
	}
	for _, v := range h.Values("X-Forwarded-For") {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// forwardedNode strips quotes, brackets and a port from a Forwarded node.
func forwardedNode(v string) string {
	v = strings.Trim(v, `"`)
	if strings.HasPrefix(v, "[") {
		if end := strings.Index(v, "]"); end > 0 {
			return v[1:end]
		}
	}
	if h, _, err := net.SplitHostPort(v); err == nil {
		return h
	}
	return v
}

// forwardedElements parses Forwarded header values into their elements,
// each a map of lower-case parameter names to values.
func forwardedElements(values []string) []map[string]string {
	var out []map[string]string
	for _, v := range values {
		for _, elem := range strings.Split(v, ",") {
			m := map[string]string{}
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok {
					m[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"`)
				}
			}
			if len(m) > 0 {
				out = append(out, m)
			}
		}
	}
	return out
}

// forwardedProtoHost returns the scheme and host the client used, as told by
// a trusted proxy (the first, client-facing, entry of Forwarded, else
// CloudFront-Forwarded-Proto or X-Forwarded-Proto, and X-Forwarded-Host), or
// empty strings.
func (p proxyTrust) forwardedProtoHost(r *http.Request) (proto, host string) {
	peer, ok := peerAddr(r)
	if !ok || !p.trusts(peer) {
		return "", ""
	}
	if elems := forwardedElements(r.Header.Values("Forwarded")); len(elems) > 0 {
		proto, host = elems[0]["proto"], elems[0]["host"]
	}
	if proto == "" {
		// CloudFront's own header first: an ALB behind CloudFront sets
		// X-Forwarded-Proto to its listener's protocol (http).
		proto = r.Header.Get("CloudFront-Forwarded-Proto")
	}
	if proto == "" {
		// The first entry is what the client-facing proxy saw.
		proto, _, _ = strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	}
	if host == "" {
		host, _, _ = strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
	}
	proto = strings.ToLower(strings.TrimSpace(proto))
	if proto != "http" && proto != "https" {
		proto = ""
	}
	host = strings.TrimSpace(host)
	if !validHost(host) {
		host = ""
	}
	return proto, host
}

// validHost accepts host[:port] made of the characters a DNS name, an IPv4
// or a bracketed IPv6 address may hold, so that a header cannot inject
// quotes or paths into URLs built from it.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		if !(c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_' ||
			('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			return false
		}
	}
	return true
}

// baseURL returns the URL of the server's root as the client sees it, with
// no trailing slash: the configured public URL, else the scheme and host a
// trusted proxy reported, else the request's own (https when it came over
// TLS).
func (h *handler) baseURL(r *http.Request) string {
	if h.opts.PublicURL != nil {
		return strings.TrimRight(h.opts.PublicURL.String(), "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	proto, fwdHost := h.proxies.forwardedProtoHost(r)
	if proto != "" {
		scheme = proto
	}
	if fwdHost != "" {
		host = fwdHost
	}
	if !validHost(host) {
		host = "localhost"
	}
	return (&url.URL{Scheme: scheme, Host: host}).String()
}
