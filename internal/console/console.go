// Package console is knowledge-mcp's web page for people: a console served
// at / to browsers, from files embedded in the binary. It shows the server's
// status and knowledge bases, searches them through the server's own /mcp
// endpoint, opens whole documents, offers copy-ready client configurations,
// and runs the doctor (package verify) against the server on request.
//
// The page is plain HTML, CSS and JavaScript modules (no build step, no
// third-party request) under a strict Content-Security-Policy. Everything
// the page shows about knowledge bases comes from /mcp, so authentication,
// CORS, origin checks and rate limits apply to it as to any MCP client.
//
// httpserver mounts it (Options.Console and Options.ConsoleAPI); on its own:
//
//	c, err := console.New(console.Options{Auth: console.Auth{Kind: console.AuthAPIKey, Header: "X-API-Key"}})
//	mux.Handle("GET /{$}", c)                  // the page, for browsers
//	mux.Handle("/console/", c)                 // its files
//	mux.Handle("/console/api/", auth(c.API())) // the self-check, behind authentication
package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// AssetPrefix is the path under which the page's files are served.
const AssetPrefix = "/console/"

// APIPrefix is the path of the console's own endpoints; requests there must
// pass the same authentication as /mcp.
const APIPrefix = AssetPrefix + "api/"

// Authentication modes the page knows how to send a credential for.
const (
	AuthNone   = "none"
	AuthAPIKey = "api-key"
	AuthJWT    = "jwt"
)

// Auth says how the page authenticates its /mcp calls.
type Auth struct {
	// Kind is AuthNone (or empty), AuthAPIKey or AuthJWT.
	Kind string
	// Header carries the credential: the API key header (API_KEY_HEADER),
	// or Authorization for JWT. With Authorization the page sends
	// "Bearer <credential>".
	Header string
}

// Options configures the console.
type Options struct {
	// Auth is how /mcp is protected; the page asks for the credential
	// before it shows knowledge-base data.
	Auth Auth
	// PublicURL is the server's root as clients see it; the client
	// configurations use it. Nil: the page uses the URL the browser used.
	PublicURL *url.URL
	// Endpoint is the path of the MCP endpoint (default /mcp).
	Endpoint string
	// SelfCheck configures the self-check endpoint.
	SelfCheck SelfCheckOptions
	// Logger receives the self-check's outcome; nil discards.
	Logger *slog.Logger
}

// Console serves the page, its assets and the self-check.
type Console struct {
	opts   Options
	index  *asset
	assets map[string]*asset // by path under AssetPrefix
	check  *selfCheck
}

// asset is one file ready to serve: its bytes, gzipped bytes when smaller,
// and their entity tags.
type asset struct {
	name, contentType, cacheControl string
	body, gz                        []byte
	etag, gzETag                    string
}

// New builds the console: it renders the page for opts and prepares every
// embedded file for serving.
func New(opts Options) (*Console, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Endpoint == "" {
		opts.Endpoint = "/mcp"
	}
	switch opts.Auth.Kind {
	case "", AuthNone:
		opts.Auth = Auth{Kind: AuthNone}
	case AuthAPIKey, AuthJWT:
		if opts.Auth.Header == "" {
			return nil, fmt.Errorf("console: auth %s needs the header that carries the credential", opts.Auth.Kind)
		}
	default:
		return nil, fmt.Errorf("console: unknown auth kind %q; use none, api-key or jwt", opts.Auth.Kind)
	}
	c := &Console{opts: opts, assets: map[string]*asset{}}
	files, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console: embedded files: %w", err)
	}
	err = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		if name == "index.html" {
			if body, err = c.renderIndex(body); err != nil {
				return err
			}
			c.index = newAsset(name, body, "no-cache")
			return nil
		}
		// Assets are revalidated (cheaply, by ETag) rather than cached
		// blindly, so a new release is seen at once.
		c.assets[name] = newAsset(name, body, "no-cache")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console: embedded files: %w", err)
	}
	if c.index == nil {
		return nil, fmt.Errorf("console: embedded files: index.html missing")
	}
	c.check = newSelfCheck(opts)
	return c, nil
}

// pageData is what index.html is rendered with: settings the page reads
// from <meta> tags (an inline script would break the CSP).
type pageData struct {
	AuthKind, AuthHeader, PublicURL, Endpoint string
}

func (c *Console) renderIndex(src []byte) ([]byte, error) {
	t, err := template.New("index.html").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("index.html: %w", err)
	}
	d := pageData{AuthKind: c.opts.Auth.Kind, AuthHeader: c.opts.Auth.Header, Endpoint: strings.TrimPrefix(c.opts.Endpoint, "/")}
	if c.opts.PublicURL != nil {
		d.PublicURL = strings.TrimRight(c.opts.PublicURL.String(), "/")
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("index.html: %w", err)
	}
	return b.Bytes(), nil
}

func newAsset(name string, body []byte, cacheControl string) *asset {
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".html":
		ct = "text/html; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".svg":
		ct = "image/svg+xml"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	sum := sha256.Sum256(body)
	tag := base64.RawURLEncoding.EncodeToString(sum[:12])
	a := &asset{name: name, contentType: ct, cacheControl: cacheControl, body: body, etag: `"` + tag + `"`}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	if gz.Len() < len(body) {
		a.gz, a.gzETag = gz.Bytes(), `"`+tag+`-gz"`
	}
	return a
}

// ServeHTTP serves the page at any path that is not an asset (the caller
// routes only / here, and the assets under AssetPrefix).
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, AssetPrefix); ok {
		a := c.assets[name]
		if a == nil {
			SetSecurityHeaders(w.Header())
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		serveAsset(w, r, a)
		return
	}
	serveAsset(w, r, c.index)
}

// API returns the handler of the console's endpoints under APIPrefix (the
// self-check). Mount it behind the same authentication as /mcp.
func (c *Console) API() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(APIPrefix+"selfcheck", c.check)
	mux.HandleFunc(APIPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such console endpoint: " + r.URL.Path})
	})
	return mux
}

// ContentSecurityPolicy is the policy of every console response: only this
// origin's scripts, styles, images and connections, no inline script, no
// framing, no plugins.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SetSecurityHeaders sets the console's security headers on h.
func SetSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
}

func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	SetSecurityHeaders(h)
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", a.cacheControl)
	h.Add("Vary", "Accept-Encoding")
	body, etag := a.body, a.etag
	if a.gz != nil && acceptsGzip(r.Header.Values("Accept-Encoding")) {
		body, etag = a.gz, a.gzETag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	// ServeContent answers If-None-Match with 304, HEAD without a body,
	// and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			return !isQZero(params)
		}
	}
	return false
}

// isQZero reports whether media-range or coding parameters say q=0.
func isQZero(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			v = strings.TrimSpace(v)
			return v == "0" || strings.Trim(v, "0.") == "" && strings.HasPrefix(v, "0")
		}
	}
	return false
}
