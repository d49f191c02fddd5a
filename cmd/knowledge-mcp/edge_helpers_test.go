package main

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

// edgeCall sends one HTTP request to the server and returns the response
// with its body read. headers are name, value pairs ("Host" sets the Host).
func edgeCall(t *testing.T, method, url, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	resp, data := testbin.Call(t, method, url, body, headers...)
	return resp, string(data)
}

// edgeAdd is the Postman connectivity request of SPEC §3.
const edgeAdd = `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`

// edgeWantSum checks a 200 answer carrying the sum 30.
func edgeWantSum(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"sum":30`) {
		t.Errorf("%s: %d %s, want 200 with the sum 30", what, resp.StatusCode, body)
	}
}

// edgeWantRPCError checks an HTTP error whose body is a JSON-RPC error
// whose message contains text.
func edgeWantRPCError(t *testing.T, what string, resp *http.Response, body string, status int, text string) {
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

// edgeMetric returns the value of the sample of name whose labels include
// every label="value" pair given, summed over the other labels; 0 when none.
func edgeMetric(t *testing.T, metricsURL, name string, labels ...string) float64 {
	t.Helper()
	resp, body := edgeCall(t, http.MethodGet, metricsURL, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", metricsURL, resp.StatusCode, body)
	}
	return edgeParseMetric(body, name, labels...)
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$`)

func edgeParseMetric(text, name string, labels ...string) float64 {
	var sum float64
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := sampleLine.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != name {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(m[2], labels[i]+`="`+labels[i+1]+`"`) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

// edgeWaitLog waits until the server's log contains text.
func edgeWaitLog(t *testing.T, srv *testbin.Server, text string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		log := srv.Stderr()
		if strings.Contains(log, text) {
			return log
		}
		if time.Now().After(deadline) {
			t.Fatalf("server log never contained %q:\n%s", text, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
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

func bearer(token string) string { return "Bearer " + token }

func edgeKey(n int) string { return fmt.Sprintf("test-api-key-%02d-0123456789abcdef", n) }

// execServe returns `knowledge-mcp serve` with env only (PORT=1 would fail
// to bind if the command got that far).
func execServe(t *testing.T, env []string) *exec.Cmd {
	cmd := exec.Command(testbin.Path(t), "serve")
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "PORT=1"}, env...)
	return cmd
}
