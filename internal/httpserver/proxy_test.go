package httpserver

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
)

func prefixes(t *testing.T, cidrs ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, c := range cidrs {
		out = append(out, netip.MustParsePrefix(c))
	}
	return out
}

func TestClientIP(t *testing.T) {
	trust := proxyTrust{prefixes: prefixes(t, "10.0.0.0/8", "127.0.0.0/8")}
	for _, tc := range []struct {
		name, remote string
		headers      map[string]string
		want         string
	}{
		{"direct client", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"untrusted peer's header ignored", "203.0.113.9:5000", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "203.0.113.9"},
		{"trusted proxy", "10.0.0.5:5000", map[string]string{"X-Forwarded-For": "198.51.100.1"}, "198.51.100.1"},
		{"spoofed first entry skipped", "10.0.0.5:5000", map[string]string{"X-Forwarded-For": "6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "198.51.100.1, 10.0.0.7"}, "198.51.100.1"},
		{"all trusted: leftmost", "10.0.0.5:5000", map[string]string{"X-Forwarded-For": "10.0.0.9, 10.0.0.7"}, "10.0.0.9"},
		{"garbage stops the walk", "10.0.0.5:5000", map[string]string{"X-Forwarded-For": "198.51.100.1, bogus"}, "10.0.0.5"},
		{"Forwarded wins", "10.0.0.5:5000", map[string]string{"Forwarded": `for="[2001:db8::1]:4711";proto=https`, "X-Forwarded-For": "1.1.1.1"}, "2001:db8::1"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.5]:5000", map[string]string{"X-Forwarded-For": "198.51.100.2"}, "198.51.100.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/mcp", nil)
			r.RemoteAddr = tc.remote
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			if got := trust.clientIP(r); got != tc.want {
				t.Errorf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	public, _ := url.Parse("https://public.example.com/kb")
	for _, tc := range []struct {
		name, remote string
		public       *url.URL
		headers      map[string]string
		want         string
	}{
		{"plain", "203.0.113.9:1", nil, nil, "http://example.com"},
		{"trusted X-Forwarded-Proto", "10.0.0.5:1", nil, map[string]string{"X-Forwarded-Proto": "https"}, "https://example.com"},
		{"trusted host too", "10.0.0.5:1", nil, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kb.example.com"}, "https://kb.example.com"},
		{"Forwarded", "10.0.0.5:1", nil, map[string]string{"Forwarded": `for=1.2.3.4;proto=https;host="kb.example.com:8443"`}, "https://kb.example.com:8443"},
		{"CloudFront through an HTTP ALB", "10.0.0.5:1", nil, map[string]string{"CloudFront-Forwarded-Proto": "https", "X-Forwarded-Proto": "http"}, "https://example.com"},
		{"client-facing entry of a list", "10.0.0.5:1", nil, map[string]string{"X-Forwarded-Proto": "https, http"}, "https://example.com"},
		{"untrusted", "203.0.113.9:1", nil, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}, "http://example.com"},
		{"injection refused", "10.0.0.5:1", nil, map[string]string{"X-Forwarded-Proto": "javascript", "X-Forwarded-Host": `evil.example/"x`}, "http://example.com"},
		{"public URL wins", "10.0.0.5:1", public, map[string]string{"X-Forwarded-Host": "other.example"}, "https://public.example.com/kb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &handler{opts: Options{PublicURL: tc.public}, proxies: proxyTrust{prefixes: prefixes(t, "10.0.0.0/8")}}
			r := httptest.NewRequest(http.MethodGet, "http://example.com/mcp", nil)
			r.RemoteAddr = tc.remote
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			if got := h.baseURL(r); got != tc.want {
				t.Errorf("baseURL = %q, want %q", got, tc.want)
			}
		})
	}
}
