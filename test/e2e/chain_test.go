//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// chain is the production chain rebuilt on loopback: nginx (CloudFront +
// ALB) in front of two replicas, and two more replicas with the conformance
// fixtures behind their own plain-http server block.
type chain struct {
	proxy        *proxy
	a, b         *replica
	conformance  [2]*replica // the replicas serving the fixtures
	cert         string
	client       *http.Client
	secret       string
	nodeEnv      []string // NODE_EXTRA_CA_CERTS for Node clients
	hasKB        bool     // the knowledge base tools are served
	hasEdge      bool     // CORS / origin-verify settings are known
	searchQuery  string
	verifyHeader string
}

// startChain starts the replicas and nginx; all stop when the test ends.
func startChain(t *testing.T) *chain {
	t.Helper()
	requireCommand(t, "nginx")
	dir := t.TempDir()
	cert, key := testCert(t, dir)
	secretBytes := make([]byte, 24)
	_, _ = rand.Read(secretBytes)
	c := &chain{
		cert:         cert,
		client:       httpClient(certPool(t, cert)),
		secret:       hex.EncodeToString(secretBytes),
		nodeEnv:      []string{"NODE_EXTRA_CA_CERTS=" + cert},
		searchQuery:  "knowledge base search",
		verifyHeader: "X-Origin-Verify",
	}
	if q := os.Getenv("E2E_SEARCH_QUERY"); q != "" {
		c.searchQuery = q
	}
	help := serveHelp(t)
	c.hasEdge = strings.Contains(help, "CORS_ORIGINS") && strings.Contains(help, "ORIGIN_VERIFY_HEADER")

	cfg := nginxConfig{
		Dir: dir, Cert: cert, Key: key, PageRoot: filepath.Join(e2eDir, "page"),
		EndpointPort: freePort(t), PagePort: freePort(t), PlainPort: freePort(t), ConformancePort: freePort(t),
		OriginVerifyHeader: c.verifyHeader, OriginVerifySecret: c.secret,
		FailTimeout: "2s",
	}
	appOrigin := fmt.Sprintf("https://%s:%d", appHost, cfg.PagePort)
	// Every replica is configured as a deployment behind CloudFront and an
	// ALB would be, through the environment (unknown names are ignored by
	// builds that predate a feature).
	env := []string{
		"ALLOWED_HOSTS=" + endpointHost,
		"CORS_ORIGINS=" + appOrigin,
		"ORIGIN_VERIFY_HEADER=" + c.verifyHeader,
		"ORIGIN_VERIFY_SECRET=" + c.secret,
		"TRUSTED_PROXIES=127.0.0.1/32",
		"DRAIN_TIMEOUT=10s",
	}
	if kbEnv := os.Getenv("E2E_REPLICA_ENV"); kbEnv != "" {
		// Extra settings, e.g. a knowledge base folder: KEY=VALUE;KEY=VALUE.
		env = append(env, strings.Split(kbEnv, ";")...)
	}
	c.a = startReplica(t, "replica-a", freePort(t), env...)
	c.b = startReplica(t, "replica-b", freePort(t), env...)
	confA := startFixturesReplica(t, "conformance-a", freePort(t), env...)
	confB := startFixturesReplica(t, "conformance-b", freePort(t), env...)
	cfg.Replicas = []int{c.a.port, c.b.port}
	cfg.ConformanceReplicas = []int{confA.port, confB.port}
	c.conformance = [2]*replica{confA, confB}
	c.proxy = startNginx(t, cfg)

	c.hasKB = slices.Contains(listTools(t, c.client, c.proxy.endpoint()), "search_knowledge_base")
	return c
}

// spread returns how many /mcp requests each main replica logged.
func (c *chain) spread() (a, b int) { return len(c.a.requests()), len(c.b.requests()) }

// TestChain proves the project through the production chain: nginx
// terminating TLS and balancing over two replicas, real clients, a real
// browser on another origin, the conformance suite, and faults under load.
// The subtests run in order; Faults is last because it kills replicas.
func TestChain(t *testing.T) {
	started := time.Now()
	c := startChain(t)
	t.Logf("chain up in %s: %s → replicas :%d and :%d (knowledge base tools: %v, edge settings: %v)",
		time.Since(started).Round(time.Millisecond), c.proxy.endpoint(), c.a.port, c.b.port, c.hasKB, c.hasEdge)

	t.Run("Edge", c.testEdge)
	t.Run("OriginVerify", c.testOriginVerify)
	t.Run("TypeScriptSDK", c.testTypeScriptSDK)
	t.Run("InspectorCLI", func(t *testing.T) { checkInspector(t, c.proxy.endpoint(), c.nodeEnv...) })
	t.Run("Verify", c.testVerify)
	t.Run("Conformance", c.testConformance)
	t.Run("Browser", c.testBrowser)
	t.Run("MixedContent", c.testMixedContent)
	t.Run("Console", c.testConsole)
	t.Run("Faults", c.testFaults)
}

// absoluteHTTP finds absolute http:// URLs (P2: mixed content behind a TLS
// proxy); the JSON Schema meta-schema URI is an identifier, not a link.
var absoluteHTTP = regexp.MustCompile(`http://[^\s"'<>]+`)

// testEdge checks what every client meets at the proxy: the Postman
// request, health checks, no redirects, and no http:// URL in any answer.
func (c *chain) testEdge(t *testing.T) {
	ctx := context.Background()
	base := strings.TrimSuffix(c.proxy.endpoint(), "/mcp")

	ex, err := post(ctx, c.client, c.proxy.endpoint(), postmanRequest)
	if err != nil {
		t.Fatalf("Postman request through nginx: %v", err)
	}
	var r rpcResponse
	if err := json.Unmarshal(ex.body, &r); ex.status != 200 || err != nil || r.Result == nil || string(r.Result.StructuredContent) != `{"sum":30}` {
		t.Errorf("Postman request through nginx: HTTP %d %s, want 200 with sum 30", ex.status, ex.body)
	}
	if got := ex.header.Get("X-Request-Id"); len(got) != 32 {
		t.Errorf("X-Request-Id %q: want nginx's $request_id passed through to the replica and echoed", got)
	}

	var answers []exchange
	answers = append(answers, ex)
	for _, tc := range []struct {
		name, method, path, accept string
		want                       int
	}{
		{"healthz (target group health check)", http.MethodGet, "/healthz", "", 200},
		{"readyz", http.MethodGet, "/readyz", "", 200},
		{"GET /mcp as an ALB health check (P3)", http.MethodGet, "/mcp", "", 200},
		{"GET /mcp/ is not redirected", http.MethodGet, "/mcp/", "", 200},
		{"GET /mcp asking for a stream on a stateless server", http.MethodGet, "/mcp", "text/event-stream", 405},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		ex, err := do(c.client, req)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if ex.status != tc.want {
			t.Errorf("%s: HTTP %d, want %d (%s)", tc.name, ex.status, tc.want, ex.body)
		}
		answers = append(answers, ex)
	}
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
	} {
		for _, path := range []string{"/mcp", "/mcp/"} {
			ex, err := post(ctx, c.client, base+path, body, "Accept", "application/json, text/event-stream")
			if err != nil || ex.status != 200 {
				t.Errorf("POST %s %.40s: HTTP %d %v", path, body, ex.status, err)
			}
			answers = append(answers, ex)
		}
	}
	for _, a := range answers {
		if a.status >= 300 && a.status < 400 {
			t.Errorf("redirect %d to %q behind the TLS proxy", a.status, a.header.Get("Location"))
		}
		for k, vs := range a.header {
			for _, v := range vs {
				if absoluteHTTP.MatchString(v) {
					t.Errorf("header %s: %q carries an http:// URL behind the TLS proxy (P2 mixed content)", k, v)
				}
			}
		}
		for _, m := range absoluteHTTP.FindAllString(string(a.body), -1) {
			if !strings.HasPrefix(m, "http://json-schema.org/") {
				t.Errorf("body carries an http:// URL behind the TLS proxy (P2 mixed content): %s", m)
			}
		}
	}
}

// testOriginVerify checks that the replicas accept only requests that came
// through the proxy (the CloudFront secret header, P7). Needs the edge.
func (c *chain) testOriginVerify(t *testing.T) {
	requireFeature(t, featureEdge, c.hasEdge, "origin-verify (ORIGIN_VERIFY_HEADER/ORIGIN_VERIFY_SECRET)")
	ctx := context.Background()
	for _, r := range []*replica{c.a, c.b} {
		ex, err := post(ctx, c.client, r.endpoint(), postmanRequest)
		if err != nil || ex.status != http.StatusForbidden {
			t.Errorf("%s: a request around the proxy without %s: HTTP %d %v, want 403", r.name, c.verifyHeader, ex.status, err)
		}
		ex, err = post(ctx, c.client, r.endpoint(), postmanRequest, c.verifyHeader, "wrong-"+c.secret)
		if err != nil || ex.status != http.StatusForbidden {
			t.Errorf("%s: a request with a wrong secret: HTTP %d %v, want 403", r.name, ex.status, err)
		}
		ex, err = post(ctx, c.client, r.endpoint(), postmanRequest, c.verifyHeader, c.secret)
		if err != nil || ex.status != http.StatusOK {
			t.Errorf("%s: a request with the secret: HTTP %d %v, want 200", r.name, ex.status, err)
		}
		resp, err := c.client.Get(r.baseURL() + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%s: /healthz without the secret must stay open for the target group: %v %v", r.name, resp, err)
		} else {
			resp.Body.Close()
		}
	}
}

// testTypeScriptSDK runs the official TypeScript SDK client through nginx and
// shows its calls spread over both replicas without sticky sessions.
func (c *chain) testTypeScriptSDK(t *testing.T) {
	mode := "basic"
	if c.hasKB {
		mode = "full"
	}
	a0, b0 := c.spread()
	rep := runTSClient(t, c.proxy.endpoint(), mode, 10, c.nodeEnv...)
	checkBasicTSReport(t, rep)
	if rep.Repeated != nil {
		for i, s := range rep.Repeated.Sums {
			if s == nil || *s != float64(i+1) {
				t.Errorf("repeated simpleadd(%d, 1) = %v", i, s)
			}
		}
	}
	a1, b1 := c.spread()
	t.Logf("TypeScript SDK client (%s): %d requests on replica a, %d on replica b", mode, a1-a0, b1-b0)
	if a1-a0 < 2 || b1-b0 < 2 {
		t.Errorf("calls not spread over both replicas: a served %d, b served %d", a1-a0, b1-b0)
	}

	t.Run("KnowledgeBase", func(t *testing.T) {
		requireFeature(t, featureKB, c.hasKB, "search_knowledge_base, list_knowledge_bases and kb:// resources")
		if rep.KnowledgeBases == nil || rep.KnowledgeBases.IsError || len(rep.KnowledgeBases.Structured.KnowledgeBases) == 0 {
			t.Errorf("list_knowledge_bases: %+v, want at least one knowledge base", rep.KnowledgeBases)
		}
		if rep.Search == nil || rep.Search.IsError || rep.Search.Count == 0 || rep.Search.First == nil {
			t.Fatalf("search_knowledge_base(%q): %+v, want passages", c.searchQuery, rep.Search)
		}
		if f := rep.Search.First; f.Text == "" || f.URI == "" || f.Score <= 0 {
			t.Errorf("first passage lacks text, uri or score: %+v", f)
		}
		if rep.Resource == nil || rep.Resource.TextLength == 0 || rep.Resource.ContentURI != rep.Resource.URI {
			t.Errorf("resources/read of the first hit's resource_uri: %+v, want its text", rep.Resource)
		}
	})
}

// testVerify runs `knowledge-mcp verify` through the chain.
func (c *chain) testVerify(t *testing.T) {
	requireFeature(t, featureVerify, hasCommand(t, "verify"), "the verify command")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "verify", "--ca-file", c.cert, "--origin", c.proxy.appOrigin(), "--json", c.proxy.endpoint())
	out, runErr := cmd.Output()
	_ = os.WriteFile(filepath.Join(artifacts, "verify.json"), out, 0o644)
	var report struct {
		Checks []struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Summary string `json:"summary"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(out, &report); err != nil || len(report.Checks) == 0 {
		stderr := ""
		if ee, ok := runErr.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("verify --json: no report (%v, %v)\n%s\n%s", runErr, err, tail(out), stderr)
	}
	statuses := map[string]string{}
	var summary []string
	for _, ch := range report.Checks {
		statuses[ch.ID] = ch.Status
		summary = append(summary, ch.ID+"="+ch.Status)
		if ch.Status == "fail" {
			t.Errorf("verify check %s failed through the chain: %s", ch.ID, ch.Summary)
		}
	}
	t.Logf("verify through the chain: %s", strings.Join(summary, ", "))
	// The checks that every healthy chain passes outright (the TLS check
	// warns about the one-day test certificate).
	for _, id := range []string{"postman", "session", "cors", "health", "urls", "latency"} {
		if statuses[id] != "pass" {
			t.Errorf("verify check %q: %q, want pass (all: %v)", id, statuses[id], summary)
		}
	}
	if runErr != nil {
		t.Errorf("verify exited with %v", runErr)
	}
}

// testBrowser loads the app page (another https origin) in headless Chromium;
// the page fetches the endpoint, so the browser performs the real CORS
// preflight, runs simpleadd and a search, and renders them.
func (c *chain) testBrowser(t *testing.T) {
	requireCommand(t, "chromium")
	requireFeature(t, featureEdge, c.hasEdge, "CORS (CORS_ORIGINS)")
	page := c.proxy.appOrigin() + "/?" + url.Values{"endpoint": {c.proxy.browserEndpoint()}, "query": {c.searchQuery}}.Encode()
	rep := runBrowser(t, page, "browser-cors.png")
	if rep.Sum != "30" {
		t.Errorf("rendered simpleadd(10, 20) = %q, want 30 (status %q, error %q, console %v, failed requests %v)",
			rep.Sum, rep.Status, rep.Error, rep.Console, rep.FailedRequests)
	}
	if !strings.HasPrefix(rep.Server, "knowledge-mcp") {
		t.Errorf("rendered server %q, want knowledge-mcp", rep.Server)
	}
	preflights := 0
	for _, l := range c.proxy.accessLog(t) {
		if strings.Contains(l, `"OPTIONS /mcp `) && strings.Contains(l, `" 204 `) || strings.Contains(l, `"OPTIONS /mcp `) && strings.Contains(l, `" 200 `) {
			preflights++
		}
	}
	if preflights == 0 {
		t.Errorf("no successful CORS preflight (OPTIONS /mcp) in nginx's access log: the browser did not need one, or it failed")
	}
	t.Run("Search", func(t *testing.T) {
		requireFeature(t, featureKB, c.hasKB, "search_knowledge_base")
		if rep.Status != "ok" || len(rep.Results) == 0 {
			t.Errorf("rendered search: status %q, %d results, error %q", rep.Status, len(rep.Results), rep.Error)
		}
	})
}

// testMixedContent loads the same page with the endpoint as http://: the
// browser must block the request (mixed content), before it leaves.
func (c *chain) testMixedContent(t *testing.T) {
	requireCommand(t, "chromium")
	before := c.plainRequests(t)
	page := c.proxy.appOrigin() + "/?" + url.Values{"endpoint": {c.proxy.plainEndpoint()}}.Encode()
	rep := runBrowser(t, page, "browser-mixed-content.png")
	if rep.Status != "error" || rep.Sum != "" {
		t.Errorf("page with an http:// endpoint: status %q, sum %q; want the call blocked", rep.Status, rep.Sum)
	}
	mixed := false
	for _, m := range rep.Console {
		if strings.Contains(m, "Mixed Content") && strings.Contains(m, c.proxy.plainEndpoint()) {
			mixed = true
		}
	}
	if !mixed {
		t.Errorf("no 'Mixed Content' console error naming %s; console: %v", c.proxy.plainEndpoint(), rep.Console)
	}
	if after := c.plainRequests(t); after != before {
		t.Errorf("the plain-http endpoint received %d requests: the browser did not block them", after-before)
	}
}

// plainRequests counts requests nginx's plain-http server block received.
func (c *chain) plainRequests(t *testing.T) int {
	n := 0
	for _, l := range c.proxy.accessLog(t) {
		if strings.Contains(l, "/mcp") && strings.Contains(l, fmt.Sprintf("127.0.0.1:%d", c.proxy.cfg.PlainPort)) {
			n++
		}
	}
	return n
}

// browserReport is what clients/browser.mjs prints.
type browserReport struct {
	Status         string   `json:"status"`
	Sum            string   `json:"sum"`
	Server         string   `json:"server"`
	Results        []string `json:"results"`
	Error          string   `json:"error"`
	Console        []string `json:"console"`
	FailedRequests []string `json:"failedRequests"`
	Requests       []string `json:"requests"`
	Exception      string   `json:"exception"`
}

func runBrowser(t *testing.T, page, screenshot string) browserReport {
	t.Helper()
	shot := filepath.Join(artifacts, screenshot)
	res := runNode(t, 2*time.Minute, nil, filepath.Join("clients", "browser.mjs"), page, shot)
	var rep browserReport
	decodeJSONLine(t, res.stdout, &rep)
	if res.exitCode != 0 || rep.Exception != "" {
		t.Fatalf("browser run failed (exit %d): %s\n%s", res.exitCode, rep.Exception, tail(res.stderr))
	}
	if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
		t.Errorf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("browser: status %q, sum %q, %d results; screenshot %s", rep.Status, rep.Sum, len(rep.Results), shot)
	return rep
}
