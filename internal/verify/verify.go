// Package verify is knowledge-mcp's doctor: it checks a deployed MCP
// endpoint end to end, the way a browser, Postman, an MCP client and a load
// balancer each meet it, and names the cause of each failure it sees from
// the deployment pitfalls P1–P9 of docs/troubleshooting.md (CloudFront 504s, mixed content, failing health
// checks, missing task-role permissions, incomplete CORS, bypassed origins,
// stateful sessions behind load balancers, no authentication).
//
// It judges any streamable-HTTP MCP server by what it answers, not only
// knowledge-mcp. The MCP session uses the official Go SDK's client.
//
//	report := verify.Run(ctx, verify.Options{URL: "https://d111.cloudfront.net/mcp"})
//	report.WriteText(os.Stdout, false)
//	if report.Failed() { os.Exit(1) }
package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// userAgent identifies the doctor's requests in server logs.
const userAgent = "knowledge-mcp-verify/1"

// DefaultAPIKeyHeader is the header an API key is sent in unless told
// otherwise.
const DefaultAPIKeyHeader = "X-API-Key"

// Options configures a run.
type Options struct {
	// URL is the MCP endpoint, e.g. https://d111.cloudfront.net/mcp.
	URL string
	// Origin is the browser origin of the CORS check (https://app.example);
	// empty skips that check.
	Origin string
	// Token is a bearer token sent as Authorization: Bearer.
	Token string
	// APIKey is sent in APIKeyHeader (DefaultAPIKeyHeader when empty).
	APIKey       string
	APIKeyHeader string
	// Calls is the number of calls of the latency check (default 10).
	Calls int
	// Timeout bounds each request (default 40s: CloudFront answers 504 for
	// an unreachable origin only after 3 connection attempts of 10s).
	Timeout time.Duration
	// Insecure skips certificate verification (self-signed test
	// certificates); the TLS check then warns.
	Insecure bool
	// RootCAs are trusted in addition to the system's (from --ca-file).
	RootCAs *x509.CertPool
	// ProtocolVersion is the MCP version the session asks for; empty lets
	// the SDK offer its newest and negotiate down.
	ProtocolVersion string
	// Logger receives debug lines; nil discards.
	Logger *slog.Logger
	// Transport, when set, replaces the HTTP transport (tests).
	Transport http.RoundTripper

	// plainHTTPURL overrides the http:// counterpart probed by the TLS
	// check (tests cannot listen on port 80).
	plainHTTPURL string
}

// LoadCAFile reads PEM certificates from path into a pool for Options.RootCAs.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca-file %s: no PEM certificate found", path)
	}
	return pool, nil
}

// ParseURL checks an endpoint URL: absolute, http or https, with a host.
func ParseURL(raw string) (*url.URL, error) {
	if t := strings.TrimSpace(raw); t != "" && !strings.Contains(t, "://") {
		return nil, fmt.Errorf("endpoint URL %q has no scheme: write http://%s for a local server, https://%s for a deployed one", raw, t, t)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("endpoint URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("endpoint URL %q: scheme must be https:// (or http:// for a local server)", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("endpoint URL %q: no host", raw)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// doctor holds the state shared by the checks of one run.
type doctor struct {
	opts     Options
	endpoint *url.URL
	log      *slog.Logger
	// client sends the doctor's own requests; it never follows redirects
	// (they are evidence) and adds no credentials.
	client *http.Client

	// Filled by the checks as they run.
	offersSimple bool // tools/list had simpleadd
	session      *mcp.ClientSession
	sessionID    string
	unauthOnce   sync.Once
	unauth       *exchange // an initialize without credentials
	// blocked says why nothing behind the endpoint can be reached (no
	// connection, or a CDN or load balancer error), set by the Postman
	// check; the later checks are then skipped.
	blocked string
}

// Run performs every check against opts.URL, in order, and returns the
// report. It never returns an error: what goes wrong is a check's finding.
func Run(ctx context.Context, opts Options) *Report {
	start := time.Now()
	report := &Report{Target: opts.URL, Kind: "endpoint", Started: start.UTC()}
	defer func() {
		report.Duration = time.Since(start)
		report.Finish()
	}()
	u, err := ParseURL(opts.URL)
	if err != nil {
		c := NewCheck("url", "endpoint URL")
		c.Add(Fail, err.Error())
		report.Checks = append(report.Checks, c)
		return report
	}
	if opts.Calls <= 0 {
		opts.Calls = 10
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 40 * time.Second
	}
	if opts.APIKeyHeader == "" {
		opts.APIKeyHeader = DefaultAPIKeyHeader
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := &doctor{opts: opts, endpoint: u, log: opts.Logger}
	d.client = &http.Client{
		Transport:     d.transport(),
		Timeout:       opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer func() {
		if d.session != nil {
			_ = d.session.Close()
		}
	}()

	step := func(id, title string, run func(context.Context, *Check)) Step {
		return Step{ID: id, Title: title, Run: func(c *Check) {
			if d.blocked != "" {
				// Every request would meet the same wall (and perhaps wait
				// for the same timeout) again.
				c.Add(Skip, "skipped: "+d.blocked+" (see check 2)")
				return
			}
			run(ctx, c)
			d.log.Debug("check done", "check", c.ID, "status", c.Status, "summary", c.Summary)
		}}
	}
	report.RunSteps([]Step{
		step("tls", "URL scheme, TLS certificate and http→https redirect", d.checkTLS),
		step("postman", "Postman request: tools/call simpleadd {a:10,b:20} with only Content-Type", d.checkPostman),
		step("session", "MCP session with the Go SDK client: initialize, tools/list, read-only tools, resources, prompts", d.checkSession),
		step("cors", "browser CORS: preflight from --origin, then the actual POST", d.checkCORS),
		step("health", "health paths as a load balancer sees them: /healthz, /readyz, GET /mcp", d.checkHealth),
		step("urls", "redirects and absolute URLs: no 3xx on /mcp, no http:// in Location, WWW-Authenticate, metadata or SSE endpoint events", d.checkURLs),
		step("latency", "latency of a cheap call", d.checkLatency),
		step("auth", "authentication: with and without the credential", d.checkAuth),
	})
	return report
}

// transport returns the HTTP transport of every request of the run.
func (d *doctor) transport() http.RoundTripper {
	if t, ok := d.opts.Transport.(*http.Transport); ok {
		// The run's TLS settings (--insecure, --ca-file) apply to it too.
		t = t.Clone()
		t.TLSClientConfig = d.tlsConfig()
		return t
	}
	if d.opts.Transport != nil {
		return d.opts.Transport
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = d.tlsConfig()
	t.Proxy = nil // the doctor judges the endpoint, not a local proxy
	return t
}

// tlsConfig is the TLS configuration of every connection of the run.
func (d *doctor) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: d.opts.Insecure} //nolint:gosec // --insecure is the user's explicit choice
	if d.opts.RootCAs != nil {
		cfg.RootCAs = d.opts.RootCAs
	}
	return cfg
}

// hasAuth reports whether a credential was given.
func (d *doctor) hasAuth() bool { return d.opts.Token != "" || d.opts.APIKey != "" }

// addAuth puts the credential, if any, on h.
func (d *doctor) addAuth(h http.Header) {
	if d.opts.Token != "" {
		h.Set("Authorization", "Bearer "+d.opts.Token)
	}
	if d.opts.APIKey != "" {
		h.Set(d.opts.APIKeyHeader, d.opts.APIKey)
	}
}

// sibling returns the URL of path beside the MCP endpoint: for
// https://h/prefix/mcp, sibling("/healthz") is https://h/prefix/healthz.
func (d *doctor) sibling(path string) string {
	u := *d.endpoint
	base := strings.TrimSuffix(u.Path, "/")
	if i := strings.LastIndex(base, "/"); i >= 0 {
		base = base[:i]
	}
	u.Path = base + path
	u.RawQuery = ""
	return u.String()
}

// root returns the URL of path at the endpoint's host root.
func (d *doctor) root(path string) string {
	u := *d.endpoint
	u.Path, u.RawQuery = path, ""
	return u.String()
}

// do sends a request built from the arguments; with auth it carries the
// credential.
func (d *doctor) do(ctx context.Context, method, target string, body []byte, header http.Header, auth bool) *exchange {
	if header == nil {
		header = http.Header{}
	}
	if auth {
		d.addAuth(header)
	}
	req, err := newRequest(method, target, body, header)
	if err != nil {
		return &exchange{Method: method, URL: target, Err: err}
	}
	ex := send(ctx, d.client, req)
	d.log.Debug("exchange", "request", method+" "+target, "status", ex.Status, "err", ex.Err)
	return ex
}

// rpc posts one JSON-RPC message as a minimal client would (JSON content
// type, both Accept types, credentials).
func (d *doctor) rpc(ctx context.Context, body string, extra http.Header, auth bool) *exchange {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	for k, v := range extra {
		h[k] = v
	}
	return d.do(ctx, http.MethodPost, d.endpoint.String(), []byte(body), h, auth)
}

// initializeRequest is an initialize any MCP server answers, stateful or
// not.
const initializeRequest = `{"jsonrpc":"2.0","id":"verify-init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"knowledge-mcp-verify","version":"1"}}}`

// unauthenticated returns the answer to an initialize sent without
// credentials, made once per run.
func (d *doctor) unauthenticated(ctx context.Context) *exchange {
	d.unauthOnce.Do(func() {
		d.unauth = d.rpc(ctx, initializeRequest, nil, false)
	})
	return d.unauth
}

// isLoopback reports whether the endpoint's host is a loopback name or
// address (a local test server).
func (d *doctor) isLoopback() bool {
	return httpserver.IsLoopbackHost(d.endpoint.Hostname())
}

// failWith records a failed exchange: evidence, the status and the
// diagnoses the exchange shows.
func (d *doctor) failWith(c *Check, s Status, summary string, ex *exchange, sentAuth bool) {
	c.Evidencef("%s", ex)
	c.Add(s, summary, diagnoseExchange(ex, sentAuth)...)
}

var errNoSession = errors.New("no MCP session (the session check failed)")
