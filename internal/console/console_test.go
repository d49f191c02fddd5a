package console

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func newConsole(t *testing.T, opts Options) *Console {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func serve(h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestSecurityHeaders: the page, its assets and its errors carry the
// strict CSP and the other security headers.
func TestSecurityHeaders(t *testing.T) {
	c := newConsole(t, Options{})
	want := map[string]string{
		"Content-Security-Policy":      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "no-referrer",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	}
	for _, target := range []string{"/", "/console/console.mjs", "/console/console.css", "/console/missing.js"} {
		rec := serve(c, "GET", target, nil)
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", target, k, got, v)
			}
		}
	}
	rec := serve(c.API(), "POST", "/console/api/nothing", nil)
	if got := rec.Header().Get("Content-Security-Policy"); got != ContentSecurityPolicy {
		t.Errorf("API error: CSP %q", got)
	}
}

// TestAssets: every embedded file is served with its type, an ETag and a
// cache policy; If-None-Match gives 304; gzip has its own ETag.
func TestAssets(t *testing.T) {
	c := newConsole(t, Options{})
	for _, tc := range []struct{ path, ctype string }{
		{"/", "text/html; charset=utf-8"},
		{"/console/console.mjs", "text/javascript; charset=utf-8"},
		{"/console/logic.mjs", "text/javascript; charset=utf-8"},
		{"/console/console.css", "text/css; charset=utf-8"},
		{"/console/icon.svg", "image/svg+xml"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := serve(c, "GET", tc.path, nil)
			if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.ctype {
				t.Fatalf("status %d, Content-Type %q; want 200 %s", rec.Code, rec.Header().Get("Content-Type"), tc.ctype)
			}
			etag := rec.Header().Get("ETag")
			if !regexp.MustCompile(`^"[A-Za-z0-9_-]{16}"$`).MatchString(etag) {
				t.Errorf("ETag %q, want a strong tag from the content", etag)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control %q, want no-cache (revalidate by ETag)", cc)
			}
			if v := strings.Join(rec.Header().Values("Vary"), ","); !strings.Contains(v, "Accept-Encoding") {
				t.Errorf("Vary %q, want Accept-Encoding", v)
			}
			notModified := serve(c, "GET", tc.path, http.Header{"If-None-Match": {etag}})
			if notModified.Code != http.StatusNotModified || notModified.Body.Len() != 0 {
				t.Errorf("If-None-Match: %d with %d bytes, want 304 and no body", notModified.Code, notModified.Body.Len())
			}
			head := serve(c, "HEAD", tc.path, nil)
			if head.Code != 200 || head.Body.Len() != 0 {
				t.Errorf("HEAD: %d with %d bytes", head.Code, head.Body.Len())
			}
			gz := serve(c, "GET", tc.path, http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}})
			if gz.Header().Get("Content-Encoding") != "gzip" {
				if rec.Body.Len() > 1024 {
					t.Errorf("Accept-Encoding gzip: not compressed")
				}
				return
			}
			if gz.Header().Get("ETag") == etag {
				t.Errorf("gzip ETag equals the identity ETag %s", etag)
			}
			zr, err := gzip.NewReader(gz.Body)
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := io.ReadAll(zr)
			if !bytes.Equal(plain, rec.Body.Bytes()) {
				t.Errorf("gzip body does not decompress to the file")
			}
			if refused := serve(c, "GET", tc.path, http.Header{"Accept-Encoding": {"gzip;q=0"}}); refused.Header().Get("Content-Encoding") != "" {
				t.Errorf("gzip;q=0: compressed anyway")
			}
		})
	}
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/console/missing.js", 404},
		{"POST", "/", 405},
		{"PUT", "/console/console.css", 405},
	} {
		if rec := serve(c, tc.method, tc.path, nil); rec.Code != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, rec.Code, tc.want)
		}
	}
}

// TestSizeBudget: the whole page, as a browser with gzip fetches it, stays
// within 100 KB.
func TestSizeBudget(t *testing.T) {
	c := newConsole(t, Options{})
	total := 0
	for _, a := range append([]*asset{c.index}, assetsOf(c)...) {
		n := len(a.body)
		if a.gz != nil {
			n = len(a.gz)
		}
		total += n
	}
	const budget = 100 << 10
	if total > budget {
		t.Errorf("console transfers %d bytes, over the %d budget", total, budget)
	}
	t.Logf("console transfer size: %d bytes gzipped", total)
}

func assetsOf(c *Console) []*asset {
	var out []*asset
	for _, a := range c.assets {
		out = append(out, a)
	}
	return out
}

var (
	inlineScript  = regexp.MustCompile(`(?is)<script[^>]*>\s*[^<\s]`)
	scriptTag     = regexp.MustCompile(`(?is)<script\b[^>]*>`)
	eventHandler  = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	styleAttr     = regexp.MustCompile(`(?i)\sstyle\s*=`)
	absoluteLink  = regexp.MustCompile(`(?i)(?:src|href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)`)
	cssImportURL  = regexp.MustCompile(`(?i)@import|url\(\s*["']?(?:[a-z]+:|//)`)
	moduleImports = regexp.MustCompile(`(?m)^import .* from "([^"]+)";`)
)

// TestNoInlineCodeNoThirdParty: what the CSP forbids is not in the page
// (it would break), and nothing points at another origin or at http://.
func TestNoInlineCodeNoThirdParty(t *testing.T) {
	c := newConsole(t, Options{PublicURL: mustURL(t, "https://kb.example.com")})
	html := string(c.index.body)
	if inlineScript.MatchString(html) {
		t.Errorf("index.html has an inline script")
	}
	for _, tag := range scriptTag.FindAllString(html, -1) {
		if !strings.Contains(tag, `src="console/`) {
			t.Errorf("script %s: want a relative src under console/", tag)
		}
	}
	if eventHandler.MatchString(html) || styleAttr.MatchString(html) {
		t.Errorf("index.html has inline event handlers or style attributes (the CSP blocks them)")
	}
	if m := absoluteLink.FindString(html); m != "" {
		t.Errorf("index.html links absolutely: %s; links must be relative", m)
	}
	for name, a := range c.assets {
		// An XML namespace is a name, not a link.
		text := strings.ReplaceAll(string(a.body), `xmlns="http://www.w3.org/2000/svg"`, "")
		if strings.Contains(text, "http://") {
			t.Errorf("%s mentions http:// (mixed content behind a TLS proxy)", name)
		}
		if m := cssImportURL.FindString(text); m != "" {
			t.Errorf("%s loads from elsewhere: %s", name, m)
		}
		for _, m := range moduleImports.FindAllStringSubmatch(text, -1) {
			if !strings.HasPrefix(m[1], "./") {
				t.Errorf("%s imports %q: only relative modules of the page", name, m[1])
			}
			if _, ok := c.assets[strings.TrimPrefix(m[1], "./")]; !ok {
				t.Errorf("%s imports %q, which is not served", name, m[1])
			}
		}
	}
}

// TestPageSettings: the page learns the authentication and public URL
// from <meta> tags, escaped.
func TestPageSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want []string
	}{
		{"open", Options{}, []string{`name="kmcp-auth" content="none"`, `name="kmcp-public-url" content=""`, `name="kmcp-endpoint" content="mcp"`}},
		{"api key", Options{Auth: Auth{Kind: AuthAPIKey, Header: "X-Team-Key"}}, []string{`name="kmcp-auth" content="api-key"`, `name="kmcp-auth-header" content="X-Team-Key"`}},
		{"jwt", Options{Auth: Auth{Kind: AuthJWT, Header: "Authorization"}}, []string{`name="kmcp-auth" content="jwt"`}},
		{"public URL, escaped", Options{PublicURL: mustURL(t, `https://kb.example.com/a"b/`)}, []string{`name="kmcp-public-url" content="https://kb.example.com/a%22b"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			html := serve(newConsole(t, tc.opts), "GET", "/", nil).Body.String()
			for _, w := range tc.want {
				if !strings.Contains(html, w) {
					t.Errorf("page lacks %s", w)
				}
			}
		})
	}
}

func TestNewRejectsBadAuth(t *testing.T) {
	for _, tc := range []struct {
		auth Auth
		want string
	}{
		{Auth{Kind: "basic"}, `unknown auth kind "basic"`},
		{Auth{Kind: AuthAPIKey}, "needs the header"},
	} {
		if _, err := New(Options{Auth: tc.auth}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", tc.auth, err, tc.want)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
