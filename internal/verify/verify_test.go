package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

// want is what a run must show: the status of some checks and diagnosis
// patterns that must appear in a given check.
type want struct {
	status   map[string]Status   // check ID → status
	patterns map[string][]string // check ID → diagnosis patterns
	failed   bool                // the run as a whole failed
}

func runAndCheck(t *testing.T, opts Options, w want) *Report {
	t.Helper()
	r := Run(context.Background(), opts)
	var text bytes.Buffer
	if err := r.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", text.String())
	for id, s := range w.status {
		c := r.Check(id)
		if c == nil {
			t.Errorf("no check %q in the report", id)
			continue
		}
		if c.Status != s {
			t.Errorf("check %s: status %s, want %s (summary: %s)", id, c.Status, s, c.Summary)
		}
	}
	for id, pats := range w.patterns {
		c := r.Check(id)
		if c == nil {
			t.Errorf("no check %q in the report", id)
			continue
		}
		for _, p := range pats {
			found := false
			for _, d := range c.Diagnoses {
				if d.Pattern == p {
					found = true
				}
			}
			if !found {
				t.Errorf("check %s: no diagnosis %q; got %v", id, p, patternsOf(c))
			}
		}
	}
	if r.Failed() != w.failed {
		t.Errorf("Failed() = %v, want %v", r.Failed(), w.failed)
	}
	if r.OK == w.failed {
		t.Errorf("OK = %v, want %v", r.OK, !w.failed)
	}
	if got := len(r.Checks); got != 8 {
		t.Errorf("%d checks, want all 8 in order", got)
	}
	return r
}

func patternsOf(c *Check) []string {
	var out []string
	for _, d := range c.Diagnoses {
		out = append(out, d.Pattern)
	}
	return out
}

// TestOwnServerPasses verifies knowledge-mcp's real handler over TLS and
// plain HTTP: nothing fails. Over plain HTTP on loopback the TLS check
// warns; with no credential configured the auth check warns (P9).
func TestOwnServerPasses(t *testing.T) {
	for _, useTLS := range []bool{true, false} {
		name := map[bool]string{true: "tls", false: "plain"}[useTLS]
		t.Run(name, func(t *testing.T) {
			srv := start(t, ownHandler(), useTLS)
			tlsStatus := Pass
			if !useTLS {
				tlsStatus = Warn
			}
			r := runAndCheck(t, optionsFor(srv), want{
				status: map[string]Status{"tls": tlsStatus, "postman": Pass, "session": Pass, "cors": Skip,
					"health": Pass, "urls": Pass, "latency": Pass, "auth": Warn},
				patterns: map[string][]string{"auth": {"no-auth"}},
			})
			if ev := strings.Join(r.Check("health").Evidence, "\n"); !strings.Contains(ev, "GET / answers 200") {
				t.Errorf("health evidence does not report GET / as healthy:\n%s", ev)
			}
			if !strings.Contains(r.Check("session").Summary, "protocol ") {
				t.Errorf("session summary does not report the protocol version: %q", r.Check("session").Summary)
			}
		})
	}
}

// TestOwnServerWithCORS verifies the CORS check passes once the server
// answers CORS as the server does (the edge's middleware, stood in here).
func TestOwnServerWithCORS(t *testing.T) {
	srv := start(t, withCORS(ownHandler(), "Content-Type, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID"), true)
	opts := optionsFor(srv)
	opts.Origin = "https://app.example"
	runAndCheck(t, opts, want{status: map[string]Status{"cors": Pass, "postman": Pass, "session": Pass}})
}

// TestFailureModes runs the doctor against servers built to fail in each
// way of the deployment pitfalls P1–P9; each must yield its specific diagnosis and fail the run.
func TestFailureModes(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) Options
		want  want
	}{
		{
			name: "CloudFront 504: https-only origin policy against an HTTP origin (P1)",
			setup: func(t *testing.T) Options {
				origin := start(t, ownHandler(), false)
				return optionsFor(start(t, cloudFrontProxy(t, origin, true), true))
			},
			want: want{failed: true,
				// Everything behind CloudFront is out of reach: the later
				// checks are skipped rather than each waiting for a 504.
				status: map[string]Status{"tls": Pass, "postman": Fail, "session": Skip, "cors": Skip, "health": Skip,
					"urls": Skip, "latency": Skip, "auth": Skip},
				patterns: map[string][]string{"postman": {"cloudfront-504"}}},
		},
		{
			name: "the same CloudFront stand-in with an http-only origin policy passes",
			setup: func(t *testing.T) Options {
				origin := start(t, ownHandler(), false)
				return optionsFor(start(t, cloudFrontProxy(t, origin, false), true))
			},
			want: want{status: map[string]Status{"postman": Pass, "session": Pass, "health": Pass, "urls": Pass, "latency": Pass}},
		},
		{
			name:  "ALB 503: no healthy targets (P3)",
			setup: func(t *testing.T) Options { return optionsFor(start(t, albNoTargets(), true)) },
			want: want{failed: true,
				status:   map[string]Status{"postman": Fail, "session": Skip, "health": Skip},
				patterns: map[string][]string{"postman": {"alb-503-no-healthy-targets"}}},
		},
		{
			name: "ALB 403: the request bypassed CloudFront's origin-verify header (P7)",
			setup: func(t *testing.T) Options {
				return optionsFor(start(t, albOriginVerify(ownHandler(), "s3cret"), true))
			},
			want: want{failed: true,
				status:   map[string]Status{"postman": Fail, "session": Fail, "auth": Skip},
				patterns: map[string][]string{"postman": {"origin-verify-403"}, "session": {"origin-verify-403"}}},
		},
		{
			name: "the server's own origin-verify 403, as knowledge-mcp's ORIGIN_VERIFY_HEADER answers (P7)",
			setup: func(t *testing.T) Options {
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/healthz" {
						ownHandler().ServeHTTP(w, r)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusForbidden)
					fmt.Fprint(w, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"forbidden: this server only answers requests that come through its CDN"}}`)
				})
				return optionsFor(start(t, h, true))
			},
			want: want{failed: true,
				status:   map[string]Status{"postman": Fail, "session": Fail, "health": Pass, "auth": Skip},
				patterns: map[string][]string{"postman": {"origin-verify-403"}}},
		},
		{
			name: "nothing listens: the network checks are skipped, not waited for",
			setup: func(t *testing.T) Options {
				srv := httptest.NewServer(ownHandler())
				opts := optionsFor(srv)
				srv.Close()
				return opts
			},
			want: want{failed: true,
				status: map[string]Status{"postman": Fail, "session": Skip, "cors": Skip, "health": Skip,
					"urls": Skip, "latency": Skip, "auth": Skip},
				patterns: map[string][]string{"postman": {"local-connection-refused"}}},
		},
		{
			name:  "CloudFront 403: the behavior allows only GET and HEAD",
			setup: func(t *testing.T) Options { return optionsFor(start(t, cloudFrontGetOnly(ownHandler()), true)) },
			want: want{failed: true,
				status:   map[string]Status{"postman": Fail, "health": Pass},
				patterns: map[string][]string{"postman": {"cloudfront-method-not-allowed"}}},
		},
		{
			name: "no CORS at all: preflight answered 405 (P6)",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, sdkHandler(nil, true), true))
				opts.Origin = "https://app.example"
				return opts
			},
			want: want{failed: true,
				status:   map[string]Status{"cors": Fail},
				patterns: map[string][]string{"cors": {"cors-options-405"}}},
		},
		{
			name: "preflight without Access-Control-Allow-Headers, as CloudFront's managed CORS policy (P6)",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, withCORS(ownHandler(), ""), true))
				opts.Origin = "https://app.example"
				opts.Token = "t0ken" // Authorization must be listed too
				return opts
			},
			want: want{failed: true,
				status:   map[string]Status{"cors": Fail, "postman": Pass},
				patterns: map[string][]string{"cors": {"cors-allow-headers"}}},
		},
		{
			name: "preflight whose Allow-Headers is * (does not cover Authorization) (P6)",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, withCORS(ownHandler(), "*"), true))
				opts.Origin = "https://app.example"
				opts.Token = "t0ken"
				return opts
			},
			want: want{failed: true,
				status:   map[string]Status{"cors": Fail},
				patterns: map[string][]string{"cors": {"cors-allow-headers"}}},
		},
		{
			name:  "POST /mcp redirects to an http:// URL (P2)",
			setup: func(t *testing.T) Options { return optionsFor(start(t, redirectToHTTP(ownHandler()), true)) },
			want: want{failed: true,
				status:   map[string]Status{"postman": Fail, "urls": Fail, "session": Fail},
				patterns: map[string][]string{"postman": {"redirect-to-http"}, "urls": {"redirect-to-http"}, "session": {"redirect-to-http"}}},
		},
		{
			name:  "health path 404 and GET /mcp 405 (P3)",
			setup: func(t *testing.T) Options { return optionsFor(start(t, sdkHandler(nil, true), true)) },
			want: want{failed: true,
				// The bare go-sdk handler also refuses requests without Accept.
				status:   map[string]Status{"health": Fail, "postman": Warn, "session": Pass},
				patterns: map[string][]string{"health": {"health-path-missing"}, "postman": {"accept-required"}}},
		},
		{
			name: "a tool returns AccessDenied (P5)",
			setup: func(t *testing.T) Options {
				return optionsFor(start(t, lenientAccept(sdkHandler(accessDeniedServer(), true)), true))
			},
			want: want{failed: true,
				status:   map[string]Status{"postman": Skip, "session": Fail, "latency": Pass},
				patterns: map[string][]string{"session": {"tool-access-denied"}}},
		},
		{
			name: "a server that needs a token, verified without one",
			setup: func(t *testing.T) Options {
				return optionsFor(start(t, requireBearer(ownHandler(), "s3cret-token", "https"), true))
			},
			want: want{failed: true,
				status:   map[string]Status{"postman": Fail, "session": Fail, "auth": Fail},
				patterns: map[string][]string{"postman": {"auth-required"}, "session": {"auth-required"}, "auth": {"auth-required"}}},
		},
		{
			name: "a server that accepts any bearer token (P9)",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, requirePresence(ownHandler()), true))
				opts.Token = "real-token"
				return opts
			},
			want: want{failed: true,
				status:   map[string]Status{"postman": Pass, "session": Pass, "auth": Fail},
				patterns: map[string][]string{"auth": {"auth-any-credential"}}},
		},
		{
			name: "WWW-Authenticate names an http:// metadata URL behind a TLS proxy (P2)",
			setup: func(t *testing.T) Options {
				opts := publicNameOptions(t, requireBearer(publicHandler(), "tok", "http"))
				opts.Token = "tok"
				return opts
			},
			want: want{failed: true,
				status:   map[string]Status{"tls": Pass, "postman": Pass, "session": Pass, "auth": Pass, "urls": Fail},
				patterns: map[string][]string{"urls": {"http-url-in-auth"}}},
		},
		{
			name: "the same behind a public name with https metadata passes",
			setup: func(t *testing.T) Options {
				opts := publicNameOptions(t, requireBearer(publicHandler(), "tok", "https"))
				opts.Token = "tok"
				return opts
			},
			want: want{status: map[string]Status{"tls": Pass, "urls": Pass, "auth": Pass}},
		},
		{
			name: "a legacy SSE endpoint event with an http:// URL behind a TLS proxy (P2)",
			setup: func(t *testing.T) Options {
				opts := publicNameOptions(t, legacySSE(publicHandler(), "http"))
				return opts
			},
			want: want{failed: true,
				status:   map[string]Status{"urls": Fail, "postman": Pass},
				patterns: map[string][]string{"urls": {"sse-endpoint-http"}}},
		},
		{
			name: "a legacy SSE endpoint event with an https:// URL passes",
			setup: func(t *testing.T) Options {
				opts := publicNameOptions(t, legacySSE(publicHandler(), "https"))
				return opts
			},
			want: want{status: map[string]Status{"urls": Pass}},
		},
		{
			name:  "a stateful server (P8)",
			setup: func(t *testing.T) Options { return optionsFor(start(t, sdkHandler(nil, false), true)) },
			want: want{failed: true,
				status:   map[string]Status{"postman": Fail, "session": Warn},
				patterns: map[string][]string{"postman": {"stateful-session-required"}, "session": {"stateful-session-required"}}},
		},
		{
			name: "two stateful replicas behind a load balancer without stickiness (P8)",
			setup: func(t *testing.T) Options {
				return optionsFor(start(t, lenientAccept(roundRobin(sdkHandler(nil, false), sdkHandler(nil, false))), true))
			},
			want: want{failed: true,
				status:   map[string]Status{"postman": Fail, "session": Fail, "latency": Skip},
				patterns: map[string][]string{"postman": {"stateful-session-required"}, "session": {"stateful-session-required"}}},
		},
		{
			name: "an API key in a custom header, given: auth passes",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, withCORS(requireAPIKey(ownHandler(), "X-Gateway-Key", "k3y"), "Content-Type, Authorization, Mcp-Session-Id, MCP-Protocol-Version, X-Gateway-Key"), true))
				opts.APIKey, opts.APIKeyHeader, opts.Origin = "k3y", "X-Gateway-Key", "https://app.example"
				return opts
			},
			want: want{status: map[string]Status{"postman": Pass, "session": Pass, "cors": Pass, "auth": Pass}},
		},
		{
			name: "an API key whose header the CORS policy does not allow (P6)",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, withCORS(requireAPIKey(ownHandler(), "X-Gateway-Key", "k3y"), "Content-Type, Authorization, Mcp-Session-Id, MCP-Protocol-Version"), true))
				opts.APIKey, opts.APIKeyHeader, opts.Origin = "k3y", "X-Gateway-Key", "https://app.example"
				return opts
			},
			want: want{failed: true, status: map[string]Status{"cors": Fail, "auth": Pass},
				patterns: map[string][]string{"cors": {"cors-allow-headers"}}},
		},
		{
			name: "a token given to a server that needs none (P9)",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, ownHandler(), true))
				opts.Token = "unused"
				return opts
			},
			want: want{failed: true, status: map[string]Status{"auth": Fail},
				patterns: map[string][]string{"auth": {"auth-not-enforced"}}},
		},
		{
			name: "a server that needs a token, verified with it",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, requireBearer(ownHandler(), "s3cret-token", "https"), true))
				opts.Token = "s3cret-token"
				return opts
			},
			want: want{status: map[string]Status{"postman": Pass, "session": Pass, "auth": Pass, "urls": Pass}},
		},
		{
			name: "a self-signed certificate without --ca-file",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, ownHandler(), true))
				opts.RootCAs = nil
				return opts
			},
			want: want{failed: true, status: map[string]Status{"tls": Fail, "postman": Fail, "session": Fail},
				patterns: map[string][]string{"tls": {"tls-certificate"}, "postman": {"tls-certificate"}}},
		},
		{
			name: "a self-signed certificate with --insecure warns and goes on",
			setup: func(t *testing.T) Options {
				opts := optionsFor(start(t, ownHandler(), true))
				opts.RootCAs, opts.Insecure = nil, true
				return opts
			},
			want: want{status: map[string]Status{"tls": Warn, "postman": Pass, "session": Pass, "latency": Pass},
				patterns: map[string][]string{"tls": {"tls-certificate"}}},
		},
		{
			name: "a server without simpleadd skips the Postman check and calls only read-only tools",
			setup: func(t *testing.T) Options {
				return optionsFor(start(t, lenientAccept(sdkHandler(noSimpleAddServer(), true)), true))
			},
			want: want{failed: true, // its GET /mcp is 405 and it has no /healthz
				status: map[string]Status{"postman": Skip, "session": Pass, "latency": Pass, "health": Fail}},
		},
		{
			name: "plain http:// on a public name is mixed content (P2)",
			setup: func(t *testing.T) Options {
				srv := start(t, publicHandler(), false)
				opts := optionsFor(srv)
				opts.URL = strings.Replace(srv.URL, "127.0.0.1", "mcp.127.0.0.1.nip.invalid", 1) + "/mcp"
				opts.Transport = loopbackTransport(srv)
				return opts
			},
			want: want{failed: true,
				status:   map[string]Status{"tls": Fail, "postman": Pass},
				patterns: map[string][]string{"tls": {"plain-http-endpoint"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runAndCheck(t, tt.setup(t), tt.want)
		})
	}
}

// loopbackTransport dials srv whatever host a URL names, so that tests can
// use public-looking names.
func loopbackTransport(srv *httptest.Server) http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	addr := srv.Listener.Addr().String()
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, target string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(target); net.ParseIP(host) == nil {
			target = addr
		}
		return dial(ctx, network, target)
	}
	return tr
}

// TestReportJSON checks the JSON report carries every check with its
// evidence and diagnoses.
func TestReportJSON(t *testing.T) {
	srv := start(t, albNoTargets(), true)
	r := Run(context.Background(), optionsFor(srv))
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Kind   string `json:"kind"`
		OK     bool   `json:"ok"`
		Checks []struct {
			ID        string      `json:"id"`
			Status    string      `json:"status"`
			Evidence  []string    `json:"evidence"`
			Diagnoses []Diagnosis `json:"diagnoses"`
		} `json:"checks"`
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, buf.String())
	}
	ids := []string{"tls", "postman", "session", "cors", "health", "urls", "latency", "auth"}
	if len(got.Checks) != len(ids) {
		t.Fatalf("%d checks, want %d", len(got.Checks), len(ids))
	}
	for i, c := range got.Checks {
		if c.ID != ids[i] {
			t.Errorf("check %d is %q, want %q", i+1, c.ID, ids[i])
		}
	}
	if got.OK || got.Kind != "endpoint" || got.Counts["fail"] == 0 {
		t.Errorf("ok=%v kind=%q counts=%v, want a failed endpoint report", got.OK, got.Kind, got.Counts)
	}
	pm := got.Checks[1]
	if len(pm.Evidence) == 0 || !strings.Contains(pm.Evidence[0], "503") || !strings.Contains(pm.Evidence[0], "awselb/2.0") {
		t.Errorf("postman evidence does not show the 503 from awselb: %q", pm.Evidence)
	}
	if len(pm.Diagnoses) == 0 || pm.Diagnoses[0].Pitfall != "P3" || pm.Diagnoses[0].Fix == "" {
		t.Errorf("postman diagnoses = %+v, want P3 with a fix", pm.Diagnoses)
	}
}

// TestReportTextColour checks colours appear only when asked for.
func TestReportTextColour(t *testing.T) {
	r := &Report{Target: "x", Checks: []*Check{{ID: "a", Status: Fail, Summary: "broken",
		Diagnoses: []Diagnosis{{Pitfall: "P1", Pattern: "p", Cause: "because", Fix: "do this"}}}}}
	r.Finish()
	for _, colour := range []bool{false, true} {
		var b bytes.Buffer
		if err := r.WriteText(&b, colour); err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(b.String(), "\x1b["); has != colour {
			t.Errorf("colour=%v: escape codes present=%v:\n%s", colour, has, b.String())
		}
		for _, s := range []string{"FAIL", "broken", "cause P1:", "because", "fix:", "do this", "FAILED"} {
			if !strings.Contains(b.String(), s) {
				t.Errorf("colour=%v: %q missing from:\n%s", colour, s, b.String())
			}
		}
	}
}

// publicHandler is knowledge-mcp's handler accepting any Host, as behind a
// proxy, so tests can use public-looking names routed to loopback.
func publicHandler() http.Handler {
	return httpserver.New(mcpserver.New(mcpserver.Options{}), httpserver.Options{AllowedHosts: []string{"*"}})
}

// publicNameOptions serves h over TLS and verifies it as
// https://mcp.example.com:PORT/mcp (a name its test certificate covers),
// routed to the loopback server, so that http:// URLs count as mixed content.
func publicNameOptions(t *testing.T, h http.Handler) Options {
	t.Helper()
	srv := start(t, h, true)
	opts := optionsFor(srv)
	opts.URL = "https://mcp.example.com:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/mcp"
	opts.Transport = loopbackTransport(srv)
	return opts
}
