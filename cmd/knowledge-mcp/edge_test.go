package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The edge's behaviour (CORS, API keys, JWT, origin-verify, limits, host
// guard, metrics) is tested beside its code, in internal/httpserver. These
// tests check what only the program does: settings reaching the edge, the
// start-up log, the separate metrics listener, and a real client through
// the whole chain.

// edgeAdd is the Postman connectivity request: simpleadd(10, 20).
const edgeAdd = `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`

func edgeKey(n int) string { return fmt.Sprintf("test-api-key-%02d-0123456789abcdef", n) }

// /metrics on a port of its own (METRICS_ADDR): the main port has none.
// The token and the counters are tested in internal/httpserver.
func TestEdgeMetricsOnSeparatePort(t *testing.T) {
	srv := testbin.Start(t, []string{"METRICS_ADDR=127.0.0.1:0"})
	log := srv.WaitLog(t, `"metrics_url"`, 10*time.Second)
	var url string
	for _, line := range strings.Split(log, "\n") {
		var e struct {
			URL string `json:"metrics_url"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.URL != "" {
			url = e.URL
		}
	}
	if resp, _ := testbin.Call(t, http.MethodGet, srv.URL+"/metrics", ""); resp.StatusCode != 404 {
		t.Errorf("/metrics on the main port: %d, want 404 when METRICS_ADDR is set", resp.StatusCode)
	}
	testbin.Call(t, http.MethodPost, srv.URL+"/mcp", edgeAdd)
	_, body := testbin.Call(t, http.MethodGet, url, "")
	if got := testbin.Metric(string(body), "knowledge_mcp_mcp_requests_total", "tool", "simpleadd"); got != 1 {
		t.Errorf("separate metrics port shows %v simpleadd calls, want 1", got)
	}
}

// The security posture is logged once at start; a non-loopback bind with no
// authentication warns.
func TestEdgePostureLog(t *testing.T) {
	env := map[string]string{"HOST": "0.0.0.0", "AUTH": "none", "ORIGIN_VERIFY_HEADER": "X-Origin-Verify", "ORIGIN_VERIFY_SECRET": "posture-secret-0123456789"}
	var cfg config.Serve
	fs := config.NewFlagSet("serve", "test", nil)
	cfg.AddFlags(fs)
	fs.Getenv = func(k string) string { return env[k] }
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	opts, err := cfg.Validate()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&out, nil))
	e, err := newEdge(t.Context(), &cfg.Edge, opts, logger)
	if err != nil {
		t.Fatal(err)
	}
	e.logPosture(opts.Loopback, cfg.HTTP.Host)
	log := out.String()
	if strings.Count(log, `"msg":"security posture"`) != 1 {
		t.Errorf("posture logged %d times, want once", strings.Count(log, `"msg":"security posture"`))
	}
	for _, want := range []string{`"auth":"none"`, `"origin_verify":true`, `"bind_loopback":false`, `listening beyond loopback with no authentication`} {
		if !strings.Contains(log, want) {
			t.Errorf("start-up log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "posture-secret-0123456789") {
		t.Errorf("the start-up log contains the origin-verify secret")
	}
}

// Edge settings that cannot work stop the start with exit status 2 and a
// message naming the variable, never echoing a secret.
func TestEdgeInvalidConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"unknown auth", []string{"AUTH=basic"}, "AUTH"},
		{"api-key without keys", []string{"AUTH=api-key"}, "API_KEYS"},
		{"short key", []string{"AUTH=api-key", "API_KEYS=hunter2"}, "shorter than 16"},
		{"jwt without JWKS", []string{"AUTH=jwt", "JWT_ISSUER=https://i.example"}, "JWT_JWKS_URL"},
		{"jwt without audience", []string{"AUTH=jwt", "JWT_ISSUER=https://i.example", "JWT_JWKS_URL=https://i.example/jwks"}, "JWT_AUDIENCE"},
		{"wildcard with credentials", []string{"CORS_ORIGINS=*", "CORS_ALLOW_CREDENTIALS=true"}, "CORS_ORIGINS"},
		{"bad origin", []string{"CORS_ORIGINS=app.example.com"}, "CORS_ORIGINS"},
		{"http public URL", []string{"PUBLIC_URL=http://kb.example.com"}, "mixed content"},
		{"bad proxy CIDR", []string{"TRUSTED_PROXIES=10.0.0.0/33"}, "TRUSTED_PROXIES"},
		{"origin-verify without secret", []string{"ORIGIN_VERIFY_HEADER=X-Origin-Verify"}, "ORIGIN_VERIFY_SECRET"},
		{"bad rate", []string{"RATE_LIMIT=fast"}, "RATE_LIMIT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"PORT": "1"} // would fail to bind if serve got that far
			for _, kv := range tc.env {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			code, stdout, stderr := runCLI(t, env, "serve")
			out := stdout + stderr
			if code != 2 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, output %q; want exit 2 naming %s", code, out, tc.want)
			}
			if strings.Contains(out, "hunter2") {
				t.Errorf("the error echoes the key")
			}
		})
	}
}

// headerTransport adds fixed headers to every request, as a gateway does.
type headerTransport struct {
	headers map[string]string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A real MCP client (the Go SDK, event streams and all) works through the
// whole edge: CDN secret header, API key, CORS origin, rate limit and
// concurrency cap; without credentials it fails.
func TestEdgeGoSDKClientThroughTheEdge(t *testing.T) {
	const secret = "cloudfront-shared-secret-0123456789"
	srv := testbin.Start(t, []string{
		"AUTH=api-key", "API_KEYS=" + edgeKey(1), "ORIGIN_VERIFY_HEADER=X-Origin-Verify", "ORIGIN_VERIFY_SECRET=" + secret,
		"CORS_ORIGINS=https://app.example.com", "RATE_LIMIT=100/s", "MAX_CONCURRENT_REQUESTS=4",
	})
	connect := func(headers map[string]string) (*mcp.ClientSession, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		client := mcp.NewClient(&mcp.Implementation{Name: "gateway", Version: "1"}, nil)
		return client.Connect(ctx, &mcp.StreamableClientTransport{
			Endpoint:   srv.URL + "/mcp",
			HTTPClient: &http.Client{Transport: headerTransport{headers}},
		}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-06-18"})
	}
	cs, err := connect(map[string]string{"X-Origin-Verify": secret, "X-API-Key": edgeKey(1), "Origin": "https://app.example.com"})
	if err != nil {
		t.Fatalf("connect through the edge: %v", err)
	}
	defer cs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "simpleadd", Arguments: map[string]any{"a": 10, "b": 20}})
	if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != "30" {
		t.Fatalf("simpleadd through the edge: %v %+v", err, res)
	}
	if cs2, err := connect(map[string]string{"X-Origin-Verify": secret}); err == nil {
		cs2.Close()
		t.Errorf("a client without the API key connected")
	}
}
