package console

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/verify"
)

// SelfCheckOptions bounds the self-check: the doctor (package verify) run
// by the server against itself when a person asks for it on the page.
type SelfCheckOptions struct {
	// Timeout bounds one run (default 30s).
	Timeout time.Duration
	// Interval is the shortest time between the starts of two runs, server
	// wide (default 15s); sooner gets 429 with Retry-After.
	Interval time.Duration
	// Header is added to the self-check's requests to the server, e.g. the
	// origin-verify secret a CDN would add. It never appears in the report.
	Header http.Header
	// Insecure skips certificate verification of PublicURL (a self-signed
	// test certificate).
	Insecure bool

	// run replaces verify.Run (tests).
	run func(context.Context, verify.Options) *verify.Report
	// now replaces time.Now (tests).
	now func() time.Time
}

// selfCheck serves POST /console/api/selfcheck: one run at a time, at most
// one start per Interval.
type selfCheck struct {
	opts      Options
	mu        sync.Mutex
	running   bool
	lastStart time.Time
}

func newSelfCheck(opts Options) *selfCheck {
	if opts.SelfCheck.Timeout <= 0 {
		opts.SelfCheck.Timeout = 30 * time.Second
	}
	if opts.SelfCheck.Interval <= 0 {
		opts.SelfCheck.Interval = 15 * time.Second
	}
	if opts.SelfCheck.run == nil {
		opts.SelfCheck.run = verify.Run
	}
	if opts.SelfCheck.now == nil {
		opts.SelfCheck.now = time.Now
	}
	return &selfCheck{opts: opts}
}

// selfCheckResult is the answer of the self-check endpoint.
type selfCheckResult struct {
	// Target is the endpoint the doctor checked.
	Target string `json:"target"`
	// Report is the doctor's report.
	Report *verify.Report `json:"report"`
}

func (s *selfCheck) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "POST runs the self-check"})
		return
	}
	target, err := s.target(r)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	if wait := s.begin(); wait > 0 {
		secs := int(wait.Seconds() + 0.999)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{
			"error": fmt.Sprintf("a self-check ran moments ago or is running; try again in %d s", secs)})
		return
	}
	defer s.end()

	ctx, cancel := context.WithTimeout(r.Context(), s.opts.SelfCheck.Timeout)
	defer cancel()
	vo := verify.Options{
		URL:      target.String(),
		Calls:    3,
		Timeout:  s.opts.SelfCheck.Timeout / 3,
		Insecure: s.opts.SelfCheck.Insecure,
		Logger:   s.opts.Logger,
	}
	s.credential(r, &vo)
	if len(s.opts.SelfCheck.Header) > 0 {
		base := http.DefaultTransport.(*http.Transport).Clone()
		base.Proxy = nil
		base.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.opts.SelfCheck.Insecure} //nolint:gosec // a test certificate, by the operator's choice
		vo.Transport = &addHeaders{base: base, header: s.opts.SelfCheck.Header, host: target.Host}
	}
	started := time.Now()
	report := s.opts.SelfCheck.run(ctx, vo)
	s.opts.Logger.Info("console self-check", "target", vo.URL, "failed", report.Failed(), "duration", time.Since(started).Round(time.Millisecond))
	writeJSON(w, http.StatusOK, selfCheckResult{Target: vo.URL, Report: report})
}

// begin claims the run; it returns how long to wait when another run is
// going on or started less than Interval ago.
func (s *selfCheck) begin() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.SelfCheck.now()
	if s.running {
		return s.opts.SelfCheck.Interval
	}
	if !s.lastStart.IsZero() {
		if wait := s.opts.SelfCheck.Interval - now.Sub(s.lastStart); wait > 0 {
			return wait
		}
	}
	s.running, s.lastStart = true, now
	return 0
}

func (s *selfCheck) end() {
	s.mu.Lock()
	s.running = false
	s.mu.Unlock()
}

// target is the endpoint the self-check examines: the public URL's when
// configured (the operator's word for where clients reach the server),
// else the address this very connection arrived at. A name taken from the
// request (Host, X-Forwarded-Host) is never used: the server would send
// requests wherever a client pointed it.
func (s *selfCheck) target(r *http.Request) (*url.URL, error) {
	endpoint := s.opts.Endpoint
	if pub := s.opts.PublicURL; pub != nil {
		u := *pub
		u.Path = strings.TrimRight(u.Path, "/") + endpoint
		u.RawQuery, u.Fragment = "", ""
		return &u, nil
	}
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || local == nil {
		return nil, fmt.Errorf("self-check: the server's own address is unknown; set PUBLIC_URL")
	}
	return &url.URL{Scheme: "http", Host: local.String(), Path: endpoint}, nil
}

// credential passes the credential the person sent with the request on to
// the doctor, so that it can call /mcp as they can.
func (s *selfCheck) credential(r *http.Request, vo *verify.Options) {
	a := s.opts.Auth
	if a.Kind == AuthNone {
		return
	}
	v := strings.TrimSpace(r.Header.Get(a.Header))
	if scheme, token, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "Bearer") {
		v = strings.TrimSpace(token)
	}
	if a.Kind == AuthJWT || strings.EqualFold(a.Header, "Authorization") {
		vo.Token = v
		return
	}
	vo.APIKey, vo.APIKeyHeader = v, a.Header
}

// addHeaders adds fixed headers to the requests sent to one host.
type addHeaders struct {
	base   http.RoundTripper
	header http.Header
	host   string
}

func (a *addHeaders) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == a.host {
		req = req.Clone(req.Context())
		for k, vs := range a.header {
			req.Header[k] = vs
		}
	}
	return a.base.RoundTrip(req)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	SetSecurityHeaders(w.Header())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client is gone when this fails
}
