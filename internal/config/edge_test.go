package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// parseEdge parses the edge settings from env alone and validates them.
func parseEdge(t *testing.T, env map[string]string) (*Edge, error) {
	t.Helper()
	c, _, err := parseEdgeOptions(t, env)
	return c, err
}

// parseEdgeOptions is parseEdge returning the parsed options too.
func parseEdgeOptions(t *testing.T, env map[string]string) (*Edge, *EdgeOptions, error) {
	t.Helper()
	var c Edge
	fs := NewFlagSet("serve", "test", nil)
	c.AddFlags(fs)
	fs.Getenv = func(k string) string { return env[k] }
	if err := fs.Parse(nil); err != nil {
		return nil, nil, err
	}
	o, err := c.Validate()
	return &c, o, err
}

func TestEdgeValidate(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte("# comment\n\n0123456789abcdef-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jwt := map[string]string{"AUTH": "jwt", "JWT_JWKS_URL": "https://issuer.example/jwks.json", "JWT_ISSUER": "https://issuer.example", "JWT_CLIENT_IDS": "c1"}
	with := func(base map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for bk, bv := range base {
			if bk != k {
				out[bk] = bv
			}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr string // "" for valid
	}{
		{"defaults", nil, ""},
		{"api-key from env", map[string]string{"AUTH": "api-key", "API_KEYS": "0123456789abcdef-env"}, ""},
		{"api-key from file", map[string]string{"AUTH": "api-key", "API_KEYS_FILE": keyFile}, ""},
		{"api-key file missing", map[string]string{"AUTH": "api-key", "API_KEYS_FILE": keyFile + ".nope"}, "API_KEYS_FILE"},
		{"api-key none", map[string]string{"AUTH": "api-key"}, "no keys"},
		{"api-key short", map[string]string{"AUTH": "api-key", "API_KEYS": "short"}, "shorter than 16"},
		{"api-key bad header", map[string]string{"AUTH": "api-key", "API_KEYS": "0123456789abcdef", "API_KEY_HEADER": "X Key"}, "API_KEY_HEADER"},
		{"jwt", jwt, ""},
		{"jwt no issuer", with(jwt, "JWT_ISSUER", ""), "JWT_ISSUER"},
		{"jwt no audience or client", with(jwt, "JWT_CLIENT_IDS", ""), "JWT_AUDIENCE"},
		{"jwt bad JWKS URL", with(jwt, "JWT_JWKS_URL", "ftp://x"), "JWT_JWKS_URL"},
		{"jwt huge leeway", with(jwt, "JWT_LEEWAY", "1h"), "JWT_LEEWAY"},
		{"unknown auth", map[string]string{"AUTH": "oauth"}, "unknown mode"},
		{"cors origins", map[string]string{"CORS_ORIGINS": "https://a.example, http://localhost:3000"}, ""},
		{"cors path", map[string]string{"CORS_ORIGINS": "https://a.example/app"}, "CORS_ORIGINS"},
		{"cors wildcard credentials", map[string]string{"CORS_ORIGINS": "*", "CORS_ALLOW_CREDENTIALS": "true"}, "cannot be combined"},
		{"public https", map[string]string{"PUBLIC_URL": "https://kb.example.com"}, ""},
		{"public http localhost", map[string]string{"PUBLIC_URL": "http://localhost:8080"}, ""},
		{"public http remote", map[string]string{"PUBLIC_URL": "http://kb.example.com"}, "mixed content"},
		{"public relative", map[string]string{"PUBLIC_URL": "/mcp"}, "PUBLIC_URL"},
		{"trusted address", map[string]string{"TRUSTED_PROXIES": "10.1.2.3, 2001:db8::/32"}, ""},
		{"trusted garbage", map[string]string{"TRUSTED_PROXIES": "vpc"}, "TRUSTED_PROXIES"},
		{"origin verify half", map[string]string{"ORIGIN_VERIFY_SECRET": "0123456789abcdef0"}, "ORIGIN_VERIFY_HEADER"},
		{"origin verify short", map[string]string{"ORIGIN_VERIFY_HEADER": "X-Origin-Verify", "ORIGIN_VERIFY_SECRET": "abc"}, "shorter"},
		{"rate per minute", map[string]string{"RATE_LIMIT": "600/m"}, ""},
		{"rate unit", map[string]string{"RATE_LIMIT": "5/day"}, "unknown unit"},
		{"rate negative", map[string]string{"RATE_LIMIT": "-1"}, "RATE_LIMIT"},
		{"concurrency negative", map[string]string{"MAX_CONCURRENT_REQUESTS": "-1"}, "MAX_CONCURRENT_REQUESTS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseEdge(t, tc.env)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "0123456789abcdef") {
				t.Errorf("error echoes a secret: %v", err)
			}
		})
	}
}

func TestEdgeDerivedValues(t *testing.T) {
	c, o, err := parseEdgeOptions(t, map[string]string{"RATE_LIMIT": "120/m", "PUBLIC_URL": "https://kb.example.com/base/mcp/", "CORS_MAX_AGE": "10m"})
	if err != nil {
		t.Fatal(err)
	}
	if r := o.HTTP.RateLimit; r != 2 {
		t.Errorf("120/m = %v/s, want 2", r)
	}
	if b := o.HTTP.RateBurst; b != 4 {
		t.Errorf("default burst %d, want 4 (twice the per-second rate)", b)
	}
	u := o.HTTP.PublicURL
	if got := u.String(); got != "https://kb.example.com/base" {
		t.Errorf("public base %q, want https://kb.example.com/base", got)
	}
	if c.CORSMaxAge != 10*time.Minute || c.Auth != AuthNone || !c.Metrics || c.MaxConcurrent != 256 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://App.Example.com":      "https://app.example.com",
		"https://app.example.com:443/": "https://app.example.com",
		"http://localhost:6274":        "http://localhost:6274",
		"http://[::1]:80":              "http://[::1]",
	} {
		if got, err := normalizeOrigin(in); err != nil || got != want {
			t.Errorf("normalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"app.example.com", "ftp://x", "https://a.example/path", "https://a.example?q=1"} {
		if _, err := normalizeOrigin(bad); err == nil {
			t.Errorf("normalizeOrigin(%q) accepted", bad)
		}
	}
}

// Every edge setting is listed in help by its environment name.
func TestEdgeHelpListsEnvironmentNames(t *testing.T) {
	var c Edge
	var out strings.Builder
	fs := NewFlagSet("serve", "test", &out)
	c.AddFlags(fs)
	fs.PrintHelp(&out)
	for _, env := range []string{"API_KEYS", "ORIGIN_VERIFY_SECRET", "METRICS_TOKEN", "CORS_ORIGINS", "AUTH", "JWT_JWKS_URL", "RATE_LIMIT", "TRUSTED_PROXIES"} {
		if !strings.Contains(out.String(), env) {
			t.Errorf("help lacks %s", env)
		}
	}
}
