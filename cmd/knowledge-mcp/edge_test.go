package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// CORS: allowed origins get a full preflight answer and CORS headers on the
// actual response (401s included, so a browser can read WWW-Authenticate);
// disallowed origins get none and a 403; a request without Origin passes.
func TestEdgeCORS(t *testing.T) {
	srv := testbin.Start(t, []string{
		"CORS_ORIGINS=https://app.example.com",
		"AUTH=api-key", "API_KEYS=" + edgeKey(1), "API_KEY_HEADER=X-Gateway-Key",
	})
	mcp := srv.URL + "/mcp"
	const app, evil = "https://app.example.com", "https://evil.example"

	t.Run("preflight allowed", func(t *testing.T) {
		resp, body := edgeCall(t, http.MethodOptions, mcp, "", "Origin", app,
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
		resp, body := edgeCall(t, http.MethodOptions, mcp, "", "Origin", evil, "Access-Control-Request-Method", "POST")
		edgeWantRPCError(t, "preflight from "+evil, resp, body, http.StatusForbidden, "CORS_ORIGINS")
		for name := range resp.Header {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("disallowed origin got %s: %q", name, resp.Header.Get(name))
			}
		}
	})
	t.Run("actual allowed", func(t *testing.T) {
		resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, "Origin", app, "X-Gateway-Key", edgeKey(1))
		edgeWantSum(t, "POST from "+app, resp, body)
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
		resp, _ := edgeCall(t, http.MethodPost, mcp, edgeAdd, "Origin", app)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Access-Control-Allow-Origin") != app {
			t.Errorf("got %d with Allow-Origin %q, want 401 with %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), app)
		}
	})
	t.Run("actual disallowed", func(t *testing.T) {
		resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, "Origin", evil, "X-Gateway-Key", edgeKey(1))
		edgeWantRPCError(t, "POST from "+evil, resp, body, http.StatusForbidden, evil)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("disallowed origin got Allow-Origin %q", got)
		}
	})
	t.Run("no origin", func(t *testing.T) {
		resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-Gateway-Key", edgeKey(1))
		edgeWantSum(t, "server-to-server POST", resp, body)
	})
	t.Run("loopback origin on loopback bind", func(t *testing.T) {
		resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, "Origin", "http://localhost:6274", "X-Gateway-Key", edgeKey(1))
		edgeWantSum(t, "local browser client", resp, body)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "http://localhost:6274" {
			t.Errorf("Allow-Origin %q for a local client", got)
		}
	})
	t.Run("plain OPTIONS", func(t *testing.T) {
		resp, _ := edgeCall(t, http.MethodOptions, mcp, "")
		if resp.StatusCode != http.StatusNoContent || !strings.Contains(resp.Header.Get("Allow"), "POST") {
			t.Errorf("OPTIONS without Origin: %d Allow %q, want 204 listing POST", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
}

// With CORS_ORIGINS=*, any origin gets "*" (never echoed with credentials),
// and the combination with credentials is refused at start.
func TestEdgeCORSWildcard(t *testing.T) {
	srv := testbin.Start(t, []string{"CORS_ORIGINS=*"})
	resp, body := edgeCall(t, http.MethodPost, srv.URL+"/mcp", edgeAdd, "Origin", "https://anyone.example")
	edgeWantSum(t, "wildcard origin", resp, body)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Allow-Origin %q, want *", got)
	}
}

func TestEdgeAPIKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys")
	if err := os.WriteFile(keyFile, []byte("# gateway keys\n"+edgeKey(2)+"\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := testbin.Start(t, []string{"AUTH=api-key", "API_KEYS=" + edgeKey(1), "API_KEYS_FILE=" + keyFile})
	mcp := srv.URL + "/mcp"

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
			resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, tc.headers...)
			if tc.status == 200 {
				edgeWantSum(t, tc.name, resp, body)
				return
			}
			edgeWantRPCError(t, tc.name, resp, body, tc.status, "API key")
			if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `header="X-API-Key"`) {
				t.Errorf("WWW-Authenticate %q does not name the header", got)
			}
		})
	}
	t.Run("health stays open", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz", "/mcp"} {
			if resp, body := edgeCall(t, http.MethodGet, srv.URL+path, ""); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s without a key: %d %s, want 200", path, resp.StatusCode, body)
			}
		}
	})
	t.Run("log names the key by fingerprint, never the key", func(t *testing.T) {
		sum := sha256.Sum256([]byte(edgeKey(1)))
		log := edgeWaitLog(t, srv, `"subject":"api-key:`+hex.EncodeToString(sum[:6])+`"`)
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
		if got := edgeMetric(t, srv.URL+"/metrics", "knowledge_mcp_auth_failures_total", "reason", "invalid"); got != 2 {
			t.Errorf("auth_failures_total{reason=invalid} = %v, want 2", got)
		}
		if got := edgeMetric(t, srv.URL+"/metrics", "knowledge_mcp_mcp_requests_total", "outcome", "unauthorized"); got != 4 {
			t.Errorf("mcp_requests_total{outcome=unauthorized} = %v, want 4", got)
		}
	})
}

// startJWTServer starts the binary validating tokens of iss.
func startJWTServer(t *testing.T, iss *issuer, extra ...string) *testbin.Server {
	env := append([]string{
		"AUTH=jwt", "JWT_JWKS_URL=" + iss.jwksURL(), "JWT_ISSUER=" + iss.url,
		"JWT_AUDIENCE=kb-api", "JWT_REQUIRED_SCOPES=kb/read", "JWT_LEEWAY=30s",
	}, extra...)
	return testbin.Start(t, env)
}

func TestEdgeJWT(t *testing.T) {
	iss := newIssuer(t)
	iss.addKey("k1", true)
	iss.addKey("rogue", false)
	srv := startJWTServer(t, iss)
	mcp := srv.URL + "/mcp"
	metadataURL := srv.URL + "/.well-known/oauth-protected-resource/mcp"

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
			resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, headers...)
			if tc.status == 200 {
				edgeWantSum(t, tc.name, resp, body)
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
			if got := edgeMetric(t, srv.URL+"/metrics", "knowledge_mcp_auth_failures_total", "reason", tc.reason); got < 1 {
				t.Errorf("auth_failures_total{reason=%q} did not move", tc.reason)
			}
		})
	}

	t.Run("protected-resource metadata", func(t *testing.T) {
		for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
			resp, body := edgeCall(t, http.MethodGet, srv.URL+path, "", "Origin", "https://any.example")
			var meta struct {
				Resource             string   `json:"resource"`
				AuthorizationServers []string `json:"authorization_servers"`
				ScopesSupported      []string `json:"scopes_supported"`
			}
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &meta) != nil {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
			}
			if meta.Resource != mcp || len(meta.AuthorizationServers) != 1 || meta.AuthorizationServers[0] != iss.url ||
				len(meta.ScopesSupported) != 1 || meta.ScopesSupported[0] != "kb/read" {
				t.Errorf("GET %s: %+v, want resource %s, authorization server %s, scope kb/read", path, meta, mcp, iss.url)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("metadata Allow-Origin %q, want * (public document)", got)
			}
		}
	})
	t.Run("subject logged", func(t *testing.T) {
		edgeWaitLog(t, srv, `"subject":"agent-1"`)
	})
}

// A key rotation: the issuer publishes a new key after the server cached the
// JWKS; the first token signed with it makes the server fetch the JWKS again.
// Cognito access tokens carry client_id and no aud.
func TestEdgeJWTUnknownKidRefetchAndCognitoClient(t *testing.T) {
	iss := newIssuer(t)
	iss.addKey("k1", true)
	iss.addKey("k2", false)
	srv := testbin.Start(t, []string{
		"AUTH=jwt", "JWT_JWKS_URL=" + iss.jwksURL(), "JWT_ISSUER=" + iss.url, "JWT_CLIENT_IDS=client-1",
	})
	mcp := srv.URL + "/mcp"
	cognito := func(kid string, overrides map[string]any) string {
		c := iss.claims(map[string]any{"aud": nil, "sub": "client-1"})
		for k, v := range overrides {
			c[k] = v
		}
		return bearer(iss.token(kid, c))
	}
	resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, "Authorization", cognito("k1", nil))
	edgeWantSum(t, "Cognito client-credentials token", resp, body)
	resp, body = edgeCall(t, http.MethodPost, mcp, edgeAdd, "Authorization", cognito("k1", map[string]any{"client_id": "client-2"}))
	edgeWantRPCError(t, "token of another client", resp, body, 401, "client_id")

	before := iss.fetches.Load()
	iss.publish("k2")
	resp, body = edgeCall(t, http.MethodPost, mcp, edgeAdd, "Authorization", cognito("k2", nil))
	edgeWantSum(t, "token signed with the rotated-in key", resp, body)
	if after := iss.fetches.Load(); after != before+1 {
		t.Errorf("JWKS fetched %d times for the unknown kid, want 1", after-before)
	}
}

func TestEdgeOriginVerify(t *testing.T) {
	const secret = "cloudfront-shared-secret-0123456789"
	srv := testbin.Start(t, []string{"ORIGIN_VERIFY_HEADER=X-Origin-Verify", "ORIGIN_VERIFY_SECRET=" + secret})
	mcp := srv.URL + "/mcp"
	resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd)
	edgeWantRPCError(t, "without the header", resp, body, 403, "CDN")
	resp, body = edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-Origin-Verify", secret+"x")
	edgeWantRPCError(t, "with a wrong secret", resp, body, 403, "CDN")
	resp, body = edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-Origin-Verify", secret)
	edgeWantSum(t, "with the secret", resp, body)
	for _, path := range []string{"/healthz", "/readyz", "/mcp"} {
		if resp, body := edgeCall(t, http.MethodGet, srv.URL+path, ""); resp.StatusCode != 200 {
			t.Errorf("health check GET %s without the header: %d %s, want 200", path, resp.StatusCode, body)
		}
	}
	if strings.Contains(srv.Stderr(), secret) {
		t.Errorf("the log contains the origin-verify secret")
	}
}

func TestEdgeOversizedBody(t *testing.T) {
	srv := testbin.Start(t, []string{"MAX_BODY_BYTES=2048"})
	big := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 4096) + `"}}`
	resp, body := edgeCall(t, http.MethodPost, srv.URL+"/mcp", big)
	edgeWantRPCError(t, "4 KiB body over a 2 KiB cap", resp, body, 413, "MAX_BODY_BYTES")
	resp, body = edgeCall(t, http.MethodPost, srv.URL+"/mcp", edgeAdd)
	edgeWantSum(t, "next request", resp, body)
}

// The per-client token bucket: one API key's traffic shares a bucket
// whatever its address; another key has its own; an empty bucket answers
// 429 with Retry-After, and waiting that long recovers.
func TestEdgeRateLimit(t *testing.T) {
	srv := testbin.Start(t, []string{"AUTH=api-key", "API_KEYS=" + edgeKey(1) + "," + edgeKey(2), "RATE_LIMIT=1/s", "RATE_LIMIT_BURST=2"})
	mcp := srv.URL + "/mcp"
	for i, ip := range []string{"203.0.113.1", "203.0.113.2"} {
		resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-API-Key", edgeKey(1), "X-Forwarded-For", ip)
		edgeWantSum(t, fmt.Sprintf("request %d within the burst", i+1), resp, body)
	}
	resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-API-Key", edgeKey(1), "X-Forwarded-For", "203.0.113.3")
	edgeWantRPCError(t, "third request at once", resp, body, 429, "rate limit")
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q, want 1", got)
	}
	resp, body = edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-API-Key", edgeKey(2))
	edgeWantSum(t, "another key meanwhile", resp, body)

	time.Sleep(time.Second) // what Retry-After asked for
	resp, body = edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-API-Key", edgeKey(1))
	edgeWantSum(t, "after Retry-After", resp, body)
	if got := edgeMetric(t, srv.URL+"/metrics", "knowledge_mcp_rate_limited_total", "limit", "rate"); got != 1 {
		t.Errorf("rate_limited_total{limit=rate} = %v, want 1", got)
	}

	// Guessing keys spends the guessing address's tokens.
	for i := range 2 {
		resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-API-Key", edgeKey(50+i), "X-Forwarded-For", "192.0.2.50")
		edgeWantRPCError(t, "wrong key", resp, body, 401, "API key")
	}
	resp, body = edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-API-Key", edgeKey(52), "X-Forwarded-For", "192.0.2.50")
	edgeWantRPCError(t, "third wrong key at once", resp, body, 429, "rate limit")
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
			srv := testbin.Start(t, []string{"RATE_LIMIT=1/m", "RATE_LIMIT_BURST=1", "TRUSTED_PROXIES=" + tc.trusted})
			mcp := srv.URL + "/mcp"
			resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-Forwarded-For", "198.51.100.7")
			edgeWantSum(t, "first client", resp, body)
			resp, _ = edgeCall(t, http.MethodPost, mcp, edgeAdd, "X-Forwarded-For", "198.51.100.8")
			if got := resp.StatusCode == http.StatusOK; got != tc.separate {
				t.Errorf("second address: status %d; separate buckets = %v, want %v", resp.StatusCode, got, tc.separate)
			}
			if resp.StatusCode == 429 && resp.Header.Get("Retry-After") != "60" {
				t.Errorf("Retry-After %q at 1/m, want 60", resp.Header.Get("Retry-After"))
			}
		})
	}
}

// The concurrency cap: while one request holds the only slot (its body still
// arriving), the next gets 503 with Retry-After; health checks still answer;
// once the first finishes, requests are served again.
func TestEdgeConcurrencyCap(t *testing.T) {
	srv := testbin.Start(t, []string{"MAX_CONCURRENT_REQUESTS=1"})
	mcp := srv.URL + "/mcp"
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(edgeAdd) / 2
	fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		strings.TrimPrefix(srv.URL, "http://"), len(edgeAdd), edgeAdd[:half])

	// Wait until the slow request is in the handler (the in-flight gauge
	// counts MCP POSTs; nothing else is in flight), then ask again.
	deadline := time.Now().Add(10 * time.Second)
	for edgeMetric(t, srv.URL+"/metrics", "knowledge_mcp_http_requests_in_flight") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the slow request never reached the handler")
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, body := edgeCall(t, http.MethodPost, mcp, edgeAdd)
	edgeWantRPCError(t, "second request while the slot is held", resp, body, 503, "MAX_CONCURRENT_REQUESTS")
	if resp.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", resp.Header.Get("Retry-After"))
	}
	if resp, _ := edgeCall(t, http.MethodGet, srv.URL+"/healthz", ""); resp.StatusCode != 200 {
		t.Errorf("/healthz while saturated: %d, want 200", resp.StatusCode)
	}
	if got := edgeMetric(t, srv.URL+"/metrics", "knowledge_mcp_http_requests_in_flight"); got != 1 {
		t.Errorf("in-flight gauge %v while one request is held, want 1", got)
	}

	if _, err := conn.Write([]byte(edgeAdd[half:])); err != nil {
		t.Fatal(err)
	}
	slow, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	slow.Body.Close()
	if slow.StatusCode != http.StatusOK {
		t.Errorf("the slow request: %d, want 200", slow.StatusCode)
	}
	resp2, body := edgeCall(t, http.MethodPost, mcp, edgeAdd)
	edgeWantSum(t, "after the slot is free", resp2, body)
	if got := edgeMetric(t, srv.URL+"/metrics", "knowledge_mcp_rate_limited_total", "limit", "concurrency"); got < 1 {
		t.Errorf("rate_limited_total{limit=concurrency} = %v, want ≥ 1", got)
	}
}

// A scrape shows the counters move: by MCP method, tool and outcome, and
// latency; a tool name the server does not have gets no label of its own.
func TestEdgeMetricsMove(t *testing.T) {
	srv := testbin.Start(t, nil)
	metrics := srv.URL + "/metrics"
	count := func(labels ...string) float64 {
		return edgeMetric(t, metrics, "knowledge_mcp_mcp_requests_total", labels...)
	}
	ok0 := count("mcp_method", "tools/call", "tool", "simpleadd", "outcome", "ok")
	hist0 := edgeMetric(t, metrics, "knowledge_mcp_mcp_request_duration_seconds_count", "mcp_method", "tools/call", "tool", "simpleadd")
	edgeCall(t, http.MethodPost, srv.URL+"/mcp", edgeAdd)
	edgeCall(t, http.MethodPost, srv.URL+"/mcp", edgeAdd)
	edgeCall(t, http.MethodPost, srv.URL+"/mcp", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":"ten","b":1}}}`)
	edgeCall(t, http.MethodPost, srv.URL+"/mcp", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"no_such_tool_x7","arguments":{}}}`)
	edgeCall(t, http.MethodPost, srv.URL+"/mcp", `{"jsonrpc":"2.0","id":4,"method":"tools/list"}`)

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
	if got := edgeMetric(t, metrics, "knowledge_mcp_mcp_request_duration_seconds_count", "mcp_method", "tools/call", "tool", "simpleadd") - hist0; got != 3 {
		t.Errorf("latency histogram count moved by %v, want 3", got)
	}
	resp, body := edgeCall(t, http.MethodGet, metrics, "")
	if strings.Contains(body, "no_such_tool_x7") {
		t.Errorf("a client-invented tool name became a label")
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("metrics Content-Type %q, want the Prometheus text format", ct)
	}
	if got := edgeParseMetric(body, "knowledge_mcp_http_requests_total", "route", "mcp", "method", "POST", "code", "200"); got != 5 {
		t.Errorf("http_requests_total{route=mcp,code=200} = %v, want 5", got)
	}
}

// /metrics protected by a token, or on a port of its own.
func TestEdgeMetricsProtectedAndSeparate(t *testing.T) {
	t.Run("token", func(t *testing.T) {
		srv := testbin.Start(t, []string{"METRICS_TOKEN=scrape-token-0123456789"})
		if resp, _ := edgeCall(t, http.MethodGet, srv.URL+"/metrics", ""); resp.StatusCode != 401 {
			t.Errorf("without the token: %d, want 401", resp.StatusCode)
		}
		if resp, _ := edgeCall(t, http.MethodGet, srv.URL+"/metrics", "", "Authorization", "Bearer wrong"); resp.StatusCode != 401 {
			t.Errorf("with a wrong token: %d, want 401", resp.StatusCode)
		}
		if resp, body := edgeCall(t, http.MethodGet, srv.URL+"/metrics", "", "Authorization", "Bearer scrape-token-0123456789"); resp.StatusCode != 200 || !strings.Contains(body, "knowledge_mcp_http_requests_total") {
			t.Errorf("with the token: %d, want 200 with metrics", resp.StatusCode)
		}
	})
	t.Run("separate port", func(t *testing.T) {
		srv := testbin.Start(t, []string{"METRICS_ADDR=127.0.0.1:0"})
		log := edgeWaitLog(t, srv, `"metrics_url"`)
		var url string
		for _, line := range strings.Split(log, "\n") {
			var e struct {
				URL string `json:"metrics_url"`
			}
			if json.Unmarshal([]byte(line), &e) == nil && e.URL != "" {
				url = e.URL
			}
		}
		if resp, _ := edgeCall(t, http.MethodGet, srv.URL+"/metrics", ""); resp.StatusCode != 404 {
			t.Errorf("/metrics on the main port: %d, want 404 when METRICS_ADDR is set", resp.StatusCode)
		}
		edgeCall(t, http.MethodPost, srv.URL+"/mcp", edgeAdd)
		if got := edgeMetric(t, url, "knowledge_mcp_mcp_requests_total", "tool", "simpleadd"); got != 1 {
			t.Errorf("separate metrics port shows %v simpleadd calls, want 1", got)
		}
	})
}

// Behind a TLS-terminating proxy that sets X-Forwarded-Proto: https, no
// response carries an absolute http:// URL (P2); the public URL wins over
// the headers; an untrusted peer cannot choose the host.
func TestEdgeNoHTTPURLsBehindTLSProxy(t *testing.T) {
	iss := newIssuer(t)
	iss.addKey("k1", true)
	token := bearer(iss.token("k1", iss.claims(nil)))

	t.Run("forwarded headers from a trusted proxy", func(t *testing.T) {
		srv := startJWTServer(t, iss, "CORS_ORIGINS=https://app.example.com")
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
				resp, body := edgeCall(t, rq.method, srv.URL+rq.path, rq.body, h...)
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
		srv := startJWTServer(t, iss, "PUBLIC_URL=https://public.example.com/mcp")
		_, body := edgeCall(t, http.MethodGet, srv.URL+"/.well-known/oauth-protected-resource/mcp", "", "X-Forwarded-Host", "other.example.com")
		if !strings.Contains(body, `"resource":"https://public.example.com/mcp"`) {
			t.Errorf("metadata %s, want resource https://public.example.com/mcp", body)
		}
	})
	t.Run("untrusted peer", func(t *testing.T) {
		srv := startJWTServer(t, iss, "TRUSTED_PROXIES=10.0.0.0/8")
		_, body := edgeCall(t, http.MethodGet, srv.URL+"/.well-known/oauth-protected-resource/mcp", "",
			"X-Forwarded-Host", "evil.example.com", "X-Forwarded-Proto", "https")
		if strings.Contains(body, "evil.example.com") || !strings.Contains(body, `"resource":"`+srv.URL+`/mcp"`) {
			t.Errorf("an untrusted peer chose the resource URL: %s", body)
		}
	})
}

// The security posture is logged once at start; a non-loopback bind with no
// authentication warns.
func TestEdgePostureLog(t *testing.T) {
	srv := testbin.Start(t, []string{"HOST=0.0.0.0", "AUTH=none", "ORIGIN_VERIFY_HEADER=X-Origin-Verify", "ORIGIN_VERIFY_SECRET=posture-secret-0123456789"})
	log := edgeWaitLog(t, srv, `"msg":"security posture"`)
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
			cmd := execServe(t, tc.env)
			out, err := cmd.CombinedOutput()
			code := -1
			if cmd.ProcessState != nil {
				code = cmd.ProcessState.ExitCode()
			}
			if code != 2 || !strings.Contains(string(out), tc.want) {
				t.Errorf("exit %d (%v), output %q; want exit 2 naming %s", code, err, out, tc.want)
			}
			if strings.Contains(string(out), "hunter2") {
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
