package httpserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/metrics"
	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

// This file holds what the edge tests (edge_test.go) share: a handler
// configured as "knowledge-mcp serve" configures it, requests served in
// process as if they arrived on a loopback listener, and a test OAuth
// issuer.

// testAddr is the loopback listener the requests seem to arrive at.
const testAddr = "127.0.0.1:8080"

// edgeAdd is the Postman connectivity request: simpleadd(10, 20).
const edgeAdd = `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`

// serveDefaults are the options "knowledge-mcp serve" runs with when no
// edge setting is given: metrics on at /metrics, 256 requests at once,
// forwarding headers believed from loopback and private networks,
// preflights cached for 2 hours.
func serveDefaults() Options {
	var trusted []netip.Prefix
	for _, p := range []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"} {
		trusted = append(trusted, netip.MustParsePrefix(p))
	}
	return Options{
		TrustedProxies: trusted,
		CORS:           CORS{MaxAge: 2 * time.Hour},
		MaxConcurrent:  256,
		Metrics:        metrics.New(),
		ServeMetrics:   true,
	}
}

// testEdge is the handler under test and what it logged.
type testEdge struct {
	t       *testing.T
	handler http.Handler
	logs    *lockedBuffer
}

// newTestEdge serves the product's MCP server (simpleadd) through New with
// opts; opts.Logger, when nil, writes JSON lines kept for the test.
func newTestEdge(t *testing.T, opts Options) *testEdge {
	t.Helper()
	e := &testEdge{t: t, logs: &lockedBuffer{}}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(e.logs, nil))
	}
	e.handler = New(mcpserver.New(mcpserver.Options{Version: "test"}), opts)
	return e
}

// request returns a request as a client on loopback sends it to testAddr:
// a non-empty body is sent as application/json; headers are name, value
// pairs ("Host" sets the Host).
func (e *testEdge) request(method, path string, body io.Reader, headers ...string) *http.Request {
	r := httptest.NewRequest(method, "http://"+testAddr+path, body)
	r.RemoteAddr = "127.0.0.1:40000"
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, net.TCPAddrFromAddrPort(netip.MustParseAddrPort(testAddr))))
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if strings.EqualFold(headers[i], "Host") {
			r.Host = headers[i+1]
			continue
		}
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

// call serves one request and returns the response with its body. The
// request's log line is written by the time it returns.
func (e *testEdge) call(method, path, body string, headers ...string) (*http.Response, string) {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, e.request(method, path, r, headers...))
	resp := rec.Result()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

// metric returns the value of the sample of name whose labels include
// every label="value" pair given, summed over the other labels; 0 when none.
func (e *testEdge) metric(name string, labels ...string) float64 {
	e.t.Helper()
	resp, body := e.call(http.MethodGet, "/metrics", "")
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	return testbin.Metric(body, name, labels...)
}

// wantSum checks a 200 answer carrying the sum 30.
func wantSum(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"sum":30`) {
		t.Errorf("%s: %d %s, want 200 with the sum 30", what, resp.StatusCode, body)
	}
}

// wantRPCError checks an HTTP error whose body is a JSON-RPC error whose
// message contains text.
func wantRPCError(t *testing.T, what string, resp *http.Response, body string, status int, text string) {
	t.Helper()
	var msg struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d; body %s", what, resp.StatusCode, status, body)
		return
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.Error == nil {
		t.Errorf("%s: body is not a JSON-RPC error: %s", what, body)
		return
	}
	if !strings.Contains(msg.Error.Message, text) {
		t.Errorf("%s: error %q does not say %q", what, msg.Error.Message, text)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// issuer is a test OAuth issuer: RSA signing keys published as a JWKS by a
// local HTTP server that counts its fetches.
type issuer struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	keys    map[string]*rsa.PrivateKey
	public  []string // kids published
	fetches atomic.Int64
	url     string // the iss value
}

func newIssuer(t *testing.T) *issuer {
	iss := &issuer{t: t, keys: map[string]*rsa.PrivateKey{}}
	iss.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		iss.fetches.Add(1)
		iss.mu.Lock()
		var keys []map[string]string
		for _, kid := range iss.public {
			pub := iss.keys[kid].PublicKey
			keys = append(keys, map[string]string{
				"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
				"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			})
		}
		iss.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	}))
	t.Cleanup(iss.srv.Close)
	iss.url = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"
	return iss
}

func (iss *issuer) jwksURL() string { return iss.srv.URL + "/.well-known/jwks.json" }

// addKey creates a signing key kid; published says whether the JWKS lists it.
func (iss *issuer) addKey(kid string, published bool) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		iss.t.Fatal(err)
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.keys[kid] = key
	if published {
		iss.public = append(iss.public, kid)
	}
}

// publish adds an existing key to the JWKS (a key rotation).
func (iss *issuer) publish(kid string) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.public = append(iss.public, kid)
}

// token signs claims with key kid (RS256).
func (iss *issuer) token(kid string, claims jwt.MapClaims) string {
	iss.mu.Lock()
	key := iss.keys[kid]
	iss.mu.Unlock()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		iss.t.Fatal(err)
	}
	return s
}

// claims returns valid access-token claims, with overrides applied (a nil
// value deletes the claim).
func (iss *issuer) claims(overrides map[string]any) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": iss.url, "sub": "agent-1", "aud": "kb-api", "client_id": "client-1",
		"token_use": "access", "scope": "kb/read kb/write",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range overrides {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// jwtAuth is the authenticator serve makes with AUTH=jwt for iss:
// audience kb-api, scope kb/read, 30 s leeway.
func (iss *issuer) jwtAuth(t *testing.T, change func(*JWTConfig)) *JWTAuth {
	t.Helper()
	cfg := JWTConfig{JWKSURL: iss.jwksURL(), Issuer: iss.url, Audiences: []string{"kb-api"}, Scopes: []string{"kb/read"}, Leeway: 30 * time.Second}
	if change != nil {
		change(&cfg)
	}
	a, err := NewJWTAuth(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func bearer(token string) string { return "Bearer " + token }

func edgeKey(n int) string { return fmt.Sprintf("test-api-key-%02d-0123456789abcdef", n) }

// apiKeyAuth is the authenticator serve makes with AUTH=api-key.
func apiKeyAuth(t *testing.T, header string, keys ...string) *APIKeyAuth {
	t.Helper()
	a, err := NewAPIKeyAuth(header, keys)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// withAuth sets the authenticator as serve does: its credential header is
// one a browser may send.
func withAuth(o Options, a Authenticator) Options {
	o.Auth = a
	o.CORS.ExtraHeaders = []string{a.CredentialHeader()}
	return o
}
