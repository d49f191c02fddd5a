package httpserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

// CORS: allowed origins get a full preflight answer and CORS headers on the
// actual response (401s included, so a browser can read WWW-Authenticate);
// disallowed origins get none and a 403; a request without Origin passes.
func TestEdgeCORS(t *testing.T) {
	opts := serveDefaults()
	opts.CORS.Origins = []string{"https://app.example.com"}
	e := newTestEdge(t, withAuth(opts, apiKeyAuth(t, "X-Gateway-Key", edgeKey(1))))
	const app, evil = "https://app.example.com", "https://evil.example"

	t.Run("preflight allowed", func(t *testing.T) {
		resp, body := e.call(http.MethodOptions, "/mcp", "", "Origin", app,
			"Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "content-type, authorization, mcp-protocol-version, x-gateway-key, mcp-param-region")
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("status %d %s, want 204", resp.StatusCode, body)
		}
		h := resp.Header
		if got := h.Get("Access-Control-Allow-Origin"); got != app {
			t.Errorf("Allow-Origin %q, want %q", got, app)
		}
		for _, m := range []string{"POST", "GET", "DELETE", "OPTIONS"} {
			if !strings.Contains(h.Get("Access-Control-Allow-Methods"), m) {
				t.Errorf("Allow-Methods %q lacks %s", h.Get("Access-Control-Allow-Methods"), m)
			}
		}
		allowed := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
		for _, want := range []string{"content-type", "authorization", "mcp-session-id", "mcp-protocol-version", "last-event-id", "mcp-method", "mcp-name", "x-gateway-key", "mcp-param-region"} {
			if !strings.Contains(allowed, want) {
				t.Errorf("Allow-Headers %q lacks %s", allowed, want)
			}
		}
		if got := h.Get("Access-Control-Max-Age"); got != "7200" {
			t.Errorf("Max-Age %q, want 7200", got)
		}
		if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
			t.Errorf("Vary %q lacks Origin", h.Values("Vary"))
		}
		if h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("Allow-Credentials sent without CORS_ALLOW_CREDENTIALS")
		}
	})
	t.Run("preflight disallowed", func(t *testing.T) {
		resp, body := e.call(http.MethodOptions, "/mcp", "", "Origin", evil, "Access-Control-Request-Method", "POST")
		wantRPCError(t, "preflight from "+evil, resp, body, http.StatusForbidden, "CORS_ORIGINS")
		for name := range resp.Header {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("disallowed origin got %s: %q", name, resp.Header.Get(name))
			}
		}
	})
	t.Run("actual allowed", func(t *testing.T) {
		resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "Origin", app, "X-Gateway-Key", edgeKey(1))
		wantSum(t, "POST from "+app, resp, body)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != app {
			t.Errorf("Allow-Origin %q, want %q", got, app)
		}
		expose := resp.Header.Get("Access-Control-Expose-Headers")
		for _, want := range []string{"Mcp-Session-Id", "WWW-Authenticate"} {
			if !strings.Contains(expose, want) {
				t.Errorf("Expose-Headers %q lacks %s", expose, want)
			}
		}
	})
	t.Run("401 readable by allowed origin", func(t *testing.T) {
		resp, _ := e.call(http.MethodPost, "/mcp", edgeAdd, "Origin", app)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Access-Control-Allow-Origin") != app {
			t.Errorf("got %d with Allow-Origin %q, want 401 with %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), app)
		}
	})
	t.Run("actual disallowed", func(t *testing.T) {
		resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "Origin", evil, "X-Gateway-Key", edgeKey(1))
		wantRPCError(t, "POST from "+evil, resp, body, http.StatusForbidden, evil)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("disallowed origin got Allow-Origin %q", got)
		}
	})
	t.Run("no origin", func(t *testing.T) {
		resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "X-Gateway-Key", edgeKey(1))
		wantSum(t, "server-to-server POST", resp, body)
	})
	t.Run("loopback origin on loopback bind", func(t *testing.T) {
		resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "Origin", "http://localhost:6274", "X-Gateway-Key", edgeKey(1))
		wantSum(t, "local browser client", resp, body)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "http://localhost:6274" {
			t.Errorf("Allow-Origin %q for a local client", got)
		}
	})
	t.Run("plain OPTIONS", func(t *testing.T) {
		resp, _ := e.call(http.MethodOptions, "/mcp", "")
		if resp.StatusCode != http.StatusNoContent || !strings.Contains(resp.Header.Get("Allow"), "POST") {
			t.Errorf("OPTIONS without Origin: %d Allow %q, want 204 listing POST", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
}

// With CORS_ORIGINS=*, any origin gets "*" (never echoed with credentials).
func TestEdgeCORSWildcard(t *testing.T) {
	opts := serveDefaults()
	opts.CORS.Origins = []string{"*"}
	e := newTestEdge(t, opts)
	resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "Origin", "https://anyone.example")
	wantSum(t, "wildcard origin", resp, body)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Allow-Origin %q, want *", got)
	}
}

func TestEdgeAPIKey(t *testing.T) {
	// API_KEYS holds key 1, API_KEYS_FILE key 2 (config reads both).
	e := newTestEdge(t, withAuth(serveDefaults(), apiKeyAuth(t, "X-API-Key", edgeKey(1), edgeKey(2))))

	for _, tc := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"missing", nil, 401},
		{"wrong", []string{"X-API-Key", edgeKey(9)}, 401},
		{"prefix of a right key", []string{"X-API-Key", edgeKey(1)[:20]}, 401},
		{"right, from API_KEYS", []string{"X-API-Key", edgeKey(1)}, 200},
		{"right, from API_KEYS_FILE", []string{"X-API-Key", edgeKey(2)}, 200},
		{"right, after Bearer (AgentCore credential prefix)", []string{"X-API-Key", "Bearer " + edgeKey(1)}, 200},
		{"right key in the wrong header", []string{"Authorization", "Bearer " + edgeKey(1)}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, tc.headers...)
			if tc.status == 200 {
				wantSum(t, tc.name, resp, body)
				return
			}
			wantRPCError(t, tc.name, resp, body, tc.status, "API key")
			if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `header="X-API-Key"`) {
				t.Errorf("WWW-Authenticate %q does not name the header", got)
			}
		})
	}
	t.Run("health stays open", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz", "/mcp"} {
			if resp, body := e.call(http.MethodGet, path, ""); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s without a key: %d %s, want 200", path, resp.StatusCode, body)
			}
		}
	})
	t.Run("log names the key by fingerprint, never the key", func(t *testing.T) {
		sum := sha256.Sum256([]byte(edgeKey(1)))
		log := e.logs.String()
		if !strings.Contains(log, `"subject":"api-key:`+hex.EncodeToString(sum[:6])+`"`) {
			t.Errorf("the log does not name key 1 by its fingerprint:\n%s", log)
		}
		for _, k := range []string{edgeKey(1), edgeKey(2), edgeKey(9)} {
			if strings.Contains(log, k) {
				t.Errorf("the log contains an API key")
			}
		}
		if !strings.Contains(log, `"reason":"auth_invalid"`) || !strings.Contains(log, `"reason":"auth_missing"`) {
			t.Errorf("refused requests are not logged with their reason")
		}
	})
	t.Run("metrics count failures by reason", func(t *testing.T) {
		if got := e.metric("knowledge_mcp_auth_failures_total", "reason", "invalid"); got != 2 {
			t.Errorf("auth_failures_total{reason=invalid} = %v, want 2", got)
		}
		if got := e.metric("knowledge_mcp_mcp_requests_total", "outcome", "unauthorized"); got != 4 {
			t.Errorf("mcp_requests_total{outcome=unauthorized} = %v, want 4", got)
		}
	})
}

func TestEdgeJWT(t *testing.T) {
	iss := newIssuer(t)
	iss.addKey("k1", true)
	iss.addKey("rogue", false)
	e := newTestEdge(t, withAuth(serveDefaults(), iss.jwtAuth(t, nil)))
	mcpURL := "http://" + testAddr + "/mcp"
	metadataURL := "http://" + testAddr + "/.well-known/oauth-protected-resource/mcp"

	noneToken, err := jwt.NewWithClaims(jwt.SigningMethodNone, iss.claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	// The classic confusion: HS256 "signed" with the issuer's public key.
	hsToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, iss.claims(nil)).SignedString(iss.keys["k1"].PublicKey.N.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	// A valid token of k1 whose signature was made by another key.
	forged := iss.token("rogue", iss.claims(nil))
	forged = strings.Replace(forged, strings.SplitN(forged, ".", 2)[0], strings.SplitN(iss.token("k1", iss.claims(nil)), ".", 2)[0], 1)
	hour := time.Hour

	for _, tc := range []struct {
		name   string
		auth   string
		status int
		reason string // metric label and error code expectations
		error  string // error= in WWW-Authenticate
	}{
		{"valid", bearer(iss.token("k1", iss.claims(nil))), 200, "", ""},
		{"expired within leeway", bearer(iss.token("k1", iss.claims(map[string]any{"exp": time.Now().Add(-10 * time.Second).Unix()}))), 200, "", ""},
		{"scp array instead of scope", bearer(iss.token("k1", iss.claims(map[string]any{"scope": nil, "scp": []string{"kb/read"}}))), 200, "", ""},
		{"no token", "", 401, "missing", ""},
		{"not a JWT", "Bearer abc.def", 401, "malformed", "invalid_token"},
		{"expired", bearer(iss.token("k1", iss.claims(map[string]any{"exp": time.Now().Add(-5 * time.Minute).Unix()}))), 401, "expired", "invalid_token"},
		{"no expiry", bearer(iss.token("k1", iss.claims(map[string]any{"exp": nil}))), 401, "missing_claim", "invalid_token"},
		{"not yet valid", bearer(iss.token("k1", iss.claims(map[string]any{"nbf": time.Now().Add(hour).Unix()}))), 401, "not_yet_valid", "invalid_token"},
		{"wrong issuer", bearer(iss.token("k1", iss.claims(map[string]any{"iss": "https://evil.example"}))), 401, "wrong_issuer", "invalid_token"},
		{"wrong audience", bearer(iss.token("k1", iss.claims(map[string]any{"aud": "another-api"}))), 401, "wrong_audience", "invalid_token"},
		{"ID token", bearer(iss.token("k1", iss.claims(map[string]any{"token_use": "id"}))), 401, "wrong_token_use", "invalid_token"},
		{"missing scope", bearer(iss.token("k1", iss.claims(map[string]any{"scope": "kb/write"}))), 403, "insufficient_scope", "insufficient_scope"},
		{"alg none", bearer(noneToken), 401, "alg_not_allowed", "invalid_token"},
		{"HS256 with the public key", bearer(hsToken), 401, "alg_not_allowed", "invalid_token"},
		{"forged signature", bearer(forged), 401, "bad_signature", "invalid_token"},
		{"unknown kid, not in the JWKS", bearer(iss.token("rogue", iss.claims(nil))), 401, "unknown_key", "invalid_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.auth != "" {
				headers = []string{"Authorization", tc.auth}
			}
			resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, headers...)
			if tc.status == 200 {
				wantSum(t, tc.name, resp, body)
				return
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, body, tc.status)
			}
			challenge := resp.Header.Get("WWW-Authenticate")
			if !strings.HasPrefix(challenge, "Bearer ") || !strings.Contains(challenge, `resource_metadata="`+metadataURL+`"`) {
				t.Errorf("WWW-Authenticate %q, want Bearer with resource_metadata=%q", challenge, metadataURL)
			}
			if tc.error == "" && strings.Contains(challenge, "error=") {
				t.Errorf("a request without a token got an error code: %q", challenge)
			}
			if tc.error != "" && !strings.Contains(challenge, `error="`+tc.error+`"`) {
				t.Errorf("WWW-Authenticate %q lacks error=%q", challenge, tc.error)
			}
			if tc.reason == "insufficient_scope" && !strings.Contains(challenge, `scope="kb/read"`) {
				t.Errorf("WWW-Authenticate %q does not name the scope needed", challenge)
			}
			if got := e.metric("knowledge_mcp_auth_failures_total", "reason", tc.reason); got < 1 {
				t.Errorf("auth_failures_total{reason=%q} did not move", tc.reason)
			}
		})
	}

	t.Run("protected-resource metadata", func(t *testing.T) {
		for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
			resp, body := e.call(http.MethodGet, path, "", "Origin", "https://any.example")
			var meta struct {
				Resource             string   `json:"resource"`
				AuthorizationServers []string `json:"authorization_servers"`
				ScopesSupported      []string `json:"scopes_supported"`
			}
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &meta) != nil {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
			}
			if meta.Resource != mcpURL || len(meta.AuthorizationServers) != 1 || meta.AuthorizationServers[0] != iss.url ||
				len(meta.ScopesSupported) != 1 || meta.ScopesSupported[0] != "kb/read" {
				t.Errorf("GET %s: %+v, want resource %s, authorization server %s, scope kb/read", path, meta, mcpURL, iss.url)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("metadata Allow-Origin %q, want * (public document)", got)
			}
		}
	})
	t.Run("subject logged", func(t *testing.T) {
		if log := e.logs.String(); !strings.Contains(log, `"subject":"agent-1"`) {
			t.Errorf("the log does not name the token's subject:\n%s", log)
		}
	})
}

// A key rotation: the issuer publishes a new key after the server cached the
// JWKS; the first token signed with it makes the server fetch the JWKS again.
// Cognito access tokens carry client_id and no aud.
func TestEdgeJWTUnknownKidRefetchAndCognitoClient(t *testing.T) {
	iss := newIssuer(t)
	iss.addKey("k1", true)
	iss.addKey("k2", false)
	auth := iss.jwtAuth(t, func(c *JWTConfig) { c.Audiences, c.Scopes, c.ClientIDs = nil, nil, []string{"client-1"} })
	e := newTestEdge(t, withAuth(serveDefaults(), auth))
	cognito := func(kid string, overrides map[string]any) string {
		c := iss.claims(map[string]any{"aud": nil, "sub": "client-1"})
		for k, v := range overrides {
			c[k] = v
		}
		return bearer(iss.token(kid, c))
	}
	resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "Authorization", cognito("k1", nil))
	wantSum(t, "Cognito client-credentials token", resp, body)
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd, "Authorization", cognito("k1", map[string]any{"client_id": "client-2"}))
	wantRPCError(t, "token of another client", resp, body, 401, "client_id")

	before := iss.fetches.Load()
	iss.publish("k2")
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd, "Authorization", cognito("k2", nil))
	wantSum(t, "token signed with the rotated-in key", resp, body)
	if after := iss.fetches.Load(); after != before+1 {
		t.Errorf("JWKS fetched %d times for the unknown kid, want 1", after-before)
	}
}

func TestEdgeOriginVerify(t *testing.T) {
	const secret = "cloudfront-shared-secret-0123456789"
	opts := serveDefaults()
	opts.OriginVerify = OriginVerify{Header: "X-Origin-Verify", Secret: secret}
	e := newTestEdge(t, opts)
	resp, body := e.call(http.MethodPost, "/mcp", edgeAdd)
	wantRPCError(t, "without the header", resp, body, 403, "CDN")
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd, "X-Origin-Verify", secret+"x")
	wantRPCError(t, "with a wrong secret", resp, body, 403, "CDN")
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd, "X-Origin-Verify", secret)
	wantSum(t, "with the secret", resp, body)
	for _, path := range []string{"/healthz", "/readyz", "/mcp"} {
		if resp, body := e.call(http.MethodGet, path, ""); resp.StatusCode != 200 {
			t.Errorf("health check GET %s without the header: %d %s, want 200", path, resp.StatusCode, body)
		}
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Errorf("the log contains the origin-verify secret")
	}
}

func TestEdgeOversizedBody(t *testing.T) {
	opts := serveDefaults()
	opts.MaxBodyBytes = 2048
	e := newTestEdge(t, opts)
	big := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 4096) + `"}}`
	resp, body := e.call(http.MethodPost, "/mcp", big)
	wantRPCError(t, "4 KiB body over a 2 KiB cap", resp, body, 413, "MAX_BODY_BYTES")
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd)
	wantSum(t, "next request", resp, body)
}

// setClock makes the rate limiter's clock read t0 plus what the returned
// function adds, until the test ends.
func setClock(t *testing.T) (advance func(time.Duration)) {
	var mu sync.Mutex
	at := time.Now()
	now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return at
	}
	t.Cleanup(func() { now = time.Now })
	return func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		at = at.Add(d)
	}
}

// The per-client token bucket: one API key's traffic shares a bucket
// whatever its address; another key has its own; an empty bucket answers
// 429 with Retry-After, and waiting that long recovers.
func TestEdgeRateLimit(t *testing.T) {
	advance := setClock(t)
	opts := serveDefaults()
	opts.RateLimit, opts.RateBurst = 1, 2
	e := newTestEdge(t, withAuth(opts, apiKeyAuth(t, "X-API-Key", edgeKey(1), edgeKey(2))))
	for i, ip := range []string{"203.0.113.1", "203.0.113.2"} {
		resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "X-API-Key", edgeKey(1), "X-Forwarded-For", ip)
		wantSum(t, fmt.Sprintf("request %d within the burst", i+1), resp, body)
	}
	resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "X-API-Key", edgeKey(1), "X-Forwarded-For", "203.0.113.3")
	wantRPCError(t, "third request at once", resp, body, 429, "rate limit")
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q, want 1", got)
	}
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd, "X-API-Key", edgeKey(2))
	wantSum(t, "another key meanwhile", resp, body)

	advance(time.Second) // what Retry-After asked for
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd, "X-API-Key", edgeKey(1))
	wantSum(t, "after Retry-After", resp, body)
	if got := e.metric("knowledge_mcp_rate_limited_total", "limit", "rate"); got != 1 {
		t.Errorf("rate_limited_total{limit=rate} = %v, want 1", got)
	}

	// Guessing keys spends the guessing address's tokens.
	for i := range 2 {
		resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "X-API-Key", edgeKey(50+i), "X-Forwarded-For", "192.0.2.50")
		wantRPCError(t, "wrong key", resp, body, 401, "API key")
	}
	resp, body = e.call(http.MethodPost, "/mcp", edgeAdd, "X-API-Key", edgeKey(52), "X-Forwarded-For", "192.0.2.50")
	wantRPCError(t, "third wrong key at once", resp, body, 429, "rate limit")
}

// Unauthenticated clients are told apart by IP; X-Forwarded-For counts only
// from a trusted proxy.
func TestEdgeRateLimitByClientIP(t *testing.T) {
	for _, tc := range []struct {
		name, trusted string
		separate      bool // do two X-Forwarded-For addresses get two buckets?
	}{
		{"loopback proxy trusted", "127.0.0.1/32", true},
		{"peer not a trusted proxy", "10.0.0.0/8", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := serveDefaults()
			opts.RateLimit, opts.RateBurst = 1.0/60, 1
			opts.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(tc.trusted)}
			e := newTestEdge(t, opts)
			resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "X-Forwarded-For", "198.51.100.7")
			wantSum(t, "first client", resp, body)
			resp, _ = e.call(http.MethodPost, "/mcp", edgeAdd, "X-Forwarded-For", "198.51.100.8")
			if got := resp.StatusCode == http.StatusOK; got != tc.separate {
				t.Errorf("second address: status %d; separate buckets = %v, want %v", resp.StatusCode, got, tc.separate)
			}
			if resp.StatusCode == 429 && resp.Header.Get("Retry-After") != "60" {
				t.Errorf("Retry-After %q at 1/m, want 60", resp.Header.Get("Retry-After"))
			}
		})
	}
}

// signalingReader reports its first Read on started: the handler has begun
// reading the body, so the request holds its concurrency slot.
type signalingReader struct {
	r       io.Reader
	once    sync.Once
	started chan struct{}
}

func (s *signalingReader) Read(p []byte) (int, error) {
	s.once.Do(func() { close(s.started) })
	return s.r.Read(p)
}

// The concurrency cap: while one call holds the only slot (its tool still
// running), the next gets 503 with Retry-After; health checks still answer;
// once the first finishes, requests are served again.
func TestEdgeConcurrencyCap(t *testing.T) {
	opts := serveDefaults()
	opts.MaxConcurrent = 1
	e, release := newBlockingEdge(t, opts)

	slow := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.handler.ServeHTTP(slow, e.request(http.MethodPost, "/mcp", strings.NewReader(edgeBlock)))
	}()
	<-release.started // the slow call holds the slot

	resp, respBody := e.call(http.MethodPost, "/mcp", edgeAdd)
	wantRPCError(t, "second request while the slot is held", resp, respBody, 503, "MAX_CONCURRENT_REQUESTS")
	if resp.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", resp.Header.Get("Retry-After"))
	}
	if resp, _ := e.call(http.MethodGet, "/healthz", ""); resp.StatusCode != 200 {
		t.Errorf("/healthz while saturated: %d, want 200", resp.StatusCode)
	}
	if got := e.metric("knowledge_mcp_http_requests_in_flight"); got != 1 {
		t.Errorf("in-flight gauge %v while one request is held, want 1", got)
	}

	close(release.release)
	<-done
	if slow.Code != http.StatusOK {
		t.Errorf("the slow request: %d, want 200", slow.Code)
	}
	resp, respBody = e.call(http.MethodPost, "/mcp", edgeAdd)
	wantSum(t, "after the slot is free", resp, respBody)
	if got := e.metric("knowledge_mcp_rate_limited_total", "limit", "concurrency"); got < 1 {
		t.Errorf("rate_limited_total{limit=concurrency} = %v, want ≥ 1", got)
	}
}

// A scrape shows the counters move: by MCP method, tool and outcome, and
// latency; a tool name the server does not have gets no label of its own.
func TestEdgeMetricsMove(t *testing.T) {
	e := newTestEdge(t, serveDefaults())
	count := func(labels ...string) float64 {
		return e.metric("knowledge_mcp_mcp_requests_total", labels...)
	}
	ok0 := count("mcp_method", "tools/call", "tool", "simpleadd", "outcome", "ok")
	hist0 := e.metric("knowledge_mcp_mcp_request_duration_seconds_count", "mcp_method", "tools/call", "tool", "simpleadd")
	e.call(http.MethodPost, "/mcp", edgeAdd)
	e.call(http.MethodPost, "/mcp", edgeAdd)
	e.call(http.MethodPost, "/mcp", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":"ten","b":1}}}`)
	e.call(http.MethodPost, "/mcp", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"no_such_tool_x7","arguments":{}}}`)
	e.call(http.MethodPost, "/mcp", `{"jsonrpc":"2.0","id":4,"method":"tools/list"}`)

	if got := count("mcp_method", "tools/call", "tool", "simpleadd", "outcome", "ok") - ok0; got != 2 {
		t.Errorf("simpleadd ok moved by %v, want 2", got)
	}
	if got := count("mcp_method", "tools/call", "tool", "simpleadd", "outcome", "tool_error"); got != 1 {
		t.Errorf("simpleadd tool_error = %v, want 1 (bad arguments)", got)
	}
	if got := count("mcp_method", "tools/call", "tool", "", "outcome", "rpc_error"); got != 1 {
		t.Errorf("unknown tool rpc_error with an empty tool label = %v, want 1", got)
	}
	if got := count("mcp_method", "tools/list", "outcome", "ok"); got != 1 {
		t.Errorf("tools/list ok = %v, want 1", got)
	}
	if got := e.metric("knowledge_mcp_mcp_request_duration_seconds_count", "mcp_method", "tools/call", "tool", "simpleadd") - hist0; got != 3 {
		t.Errorf("latency histogram count moved by %v, want 3", got)
	}
	resp, body := e.call(http.MethodGet, "/metrics", "")
	if strings.Contains(body, "no_such_tool_x7") {
		t.Errorf("a client-invented tool name became a label")
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("metrics Content-Type %q, want the Prometheus text format", ct)
	}
	if got := testbin.Metric(body, "knowledge_mcp_http_requests_total", "route", "mcp", "method", "POST", "code", "200"); got != 5 {
		t.Errorf("http_requests_total{route=mcp,code=200} = %v, want 5", got)
	}
}

// /metrics protected by a token (on a port of its own: cmd/knowledge-mcp).
func TestEdgeMetricsToken(t *testing.T) {
	opts := serveDefaults()
	opts.MetricsToken = "scrape-token-0123456789"
	e := newTestEdge(t, opts)
	for _, tc := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"without the token", nil, 401},
		{"with a wrong token", []string{"Authorization", "Bearer wrong"}, 401},
		{"with the token", []string{"Authorization", "Bearer scrape-token-0123456789"}, 200},
	} {
		resp, body := e.call(http.MethodGet, "/metrics", "", tc.headers...)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
		if tc.status == 200 && !strings.Contains(body, "knowledge_mcp_http_requests_total") {
			t.Errorf("%s: no metrics in %s", tc.name, body)
		}
	}
}

// The DNS-rebinding defence on a loopback listener: a foreign Host gets 403
// unless listed in ALLOWED_HOSTS.
func TestEdgeHostGuard(t *testing.T) {
	for _, tc := range []struct {
		name    string
		allowed []string
		host    string
		status  int
	}{
		{"foreign Host on loopback", nil, "proxy.internal", http.StatusForbidden},
		{"Host localhost", nil, "localhost", http.StatusOK},
		{"allowed Host behind a proxy", []string{"proxy.internal"}, "proxy.internal:8443", http.StatusOK},
		{"Host not in ALLOWED_HOSTS", []string{"proxy.internal"}, "evil.example", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := serveDefaults()
			opts.AllowedHosts = tc.allowed
			e := newTestEdge(t, opts)
			resp, body := e.call(http.MethodPost, "/mcp", edgeAdd, "Host", tc.host)
			if resp.StatusCode != tc.status {
				t.Fatalf("Host %s: %d %s, want %d", tc.host, resp.StatusCode, body, tc.status)
			}
			if tc.status == http.StatusForbidden && !strings.Contains(body, "ALLOWED_HOSTS") {
				t.Errorf("403 does not name ALLOWED_HOSTS: %s", body)
			}
		})
	}
}

// Behind a TLS-terminating proxy that sets X-Forwarded-Proto: https, no
// response carries an absolute http:// URL; the public URL wins over the
// headers; an untrusted peer cannot choose the host.
func TestEdgeNoHTTPURLsBehindTLSProxy(t *testing.T) {
	iss := newIssuer(t)
	iss.addKey("k1", true)
	token := bearer(iss.token("k1", iss.claims(nil)))
	jwtEdge := func(change func(*Options)) *testEdge {
		opts := withAuth(serveDefaults(), iss.jwtAuth(t, nil))
		change(&opts)
		return newTestEdge(t, opts)
	}

	t.Run("forwarded headers from a trusted proxy", func(t *testing.T) {
		e := jwtEdge(func(o *Options) { o.CORS.Origins = []string{"https://app.example.com"} })
		proxy := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "kb.example.com", "X-Forwarded-For", "198.51.100.1"}
		requests := []struct{ method, path, body string }{
			{"POST", "/mcp", edgeAdd},
			{"POST", "/mcp", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`},
			{"POST", "/mcp", `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`},
			{"POST", "/mcp", `{"jsonrpc":"2.0","id":3,"method":"nope"}`},
			{"POST", "/mcp/", edgeAdd},
			{"GET", "/mcp", ""},
			{"GET", "/healthz", ""},
			{"GET", "/readyz", ""},
			{"GET", "/.well-known/oauth-protected-resource", ""},
			{"GET", "/.well-known/oauth-protected-resource/mcp", ""},
			{"OPTIONS", "/mcp", ""},
			{"GET", "/nowhere", ""},
		}
		var sawMetadata bool
		for _, withToken := range []bool{true, false} {
			for _, rq := range requests {
				h := append([]string{"Origin", "https://app.example.com"}, proxy...)
				if withToken {
					h = append(h, "Authorization", token)
				}
				resp, body := e.call(rq.method, rq.path, rq.body, h...)
				if resp.StatusCode == 301 || resp.StatusCode == 302 || resp.StatusCode == 307 || resp.StatusCode == 308 {
					t.Errorf("%s %s redirected to %q", rq.method, rq.path, resp.Header.Get("Location"))
				}
				if strings.Contains(body, "http://") {
					t.Errorf("%s %s (token %v): body contains http://: %s", rq.method, rq.path, withToken, body)
				}
				for name, values := range resp.Header {
					for _, v := range values {
						if strings.Contains(v, "http://") {
							t.Errorf("%s %s (token %v): header %s contains http://: %q", rq.method, rq.path, withToken, name, v)
						}
					}
				}
				if strings.Contains(body, `"resource":"https://kb.example.com/mcp"`) {
					sawMetadata = true
				}
				if !withToken && rq.method == "POST" {
					if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `resource_metadata="https://kb.example.com/.well-known/oauth-protected-resource/mcp"`) {
						t.Errorf("401 challenge %q does not point at the https metadata URL", got)
					}
				}
			}
		}
		if !sawMetadata {
			t.Errorf("the metadata never named https://kb.example.com/mcp as the resource")
		}
	})
	t.Run("public URL wins", func(t *testing.T) {
		// PUBLIC_URL=https://public.example.com/mcp, as config parses it.
		e := jwtEdge(func(o *Options) { o.PublicURL = &url.URL{Scheme: "https", Host: "public.example.com"} })
		_, body := e.call(http.MethodGet, "/.well-known/oauth-protected-resource/mcp", "", "X-Forwarded-Host", "other.example.com")
		if !strings.Contains(body, `"resource":"https://public.example.com/mcp"`) {
			t.Errorf("metadata %s, want resource https://public.example.com/mcp", body)
		}
	})
	t.Run("untrusted peer", func(t *testing.T) {
		e := jwtEdge(func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
		_, body := e.call(http.MethodGet, "/.well-known/oauth-protected-resource/mcp", "",
			"X-Forwarded-Host", "evil.example.com", "X-Forwarded-Proto", "https")
		if strings.Contains(body, "evil.example.com") || !strings.Contains(body, `"resource":"http://`+testAddr+`/mcp"`) {
			t.Errorf("an untrusted peer chose the resource URL: %s", body)
		}
	})
}
