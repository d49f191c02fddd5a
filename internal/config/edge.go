package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/time/rate"
)

// Authentication modes of [Edge.Auth].
const (
	AuthNone   = "none"
	AuthAPIKey = "api-key"
	AuthJWT    = "jwt"
)

// DefaultTrustedProxies are the networks whose X-Forwarded-* and Forwarded
// headers are believed by default: loopback and the private ranges a load
// balancer in a VPC (an ALB) or a sidecar connects from. Internet peers are
// never trusted unless listed.
var DefaultTrustedProxies = []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}

// minAPIKeyLength is the shortest API key accepted: anything shorter is too
// easy to guess to be a secret.
const minAPIKeyLength = 16

// Edge configures what every HTTP request meets before the MCP handler:
// CORS, origin checks, authentication, limits and metrics.
type Edge struct {
	// PublicURL is the server's root as clients see it (https://kb.example.com);
	// URLs in responses are built from it. Empty: from the request, with
	// X-Forwarded-Proto/Host or Forwarded believed from trusted proxies only.
	PublicURL string
	// TrustedProxies are CIDRs (or single addresses) of proxies whose
	// forwarding headers are believed.
	TrustedProxies []string

	// CORSOrigins are the browser origins allowed to call the server ("*": any).
	CORSOrigins          []string
	CORSAllowCredentials bool
	CORSMaxAge           time.Duration

	// Auth is none, api-key or jwt.
	Auth string
	// APIKeyHeader names the header that carries the API key.
	APIKeyHeader string
	// APIKeys are accepted keys (comma-separated in API_KEYS).
	APIKeys string
	// APIKeysFile is a file of accepted keys, one a line, # comments.
	APIKeysFile string

	JWTJWKSURL              string
	JWTIssuer               string
	JWTAudiences            []string
	JWTClientIDs            []string
	JWTScopes               []string
	JWTLeeway               time.Duration
	JWTAuthorizationServers []string

	// OriginVerifyHeader and OriginVerifySecret: when both are set, every
	// request but health checks must carry the header with the secret (set by
	// CloudFront), else 403.
	OriginVerifyHeader string
	OriginVerifySecret string

	MaxConcurrent int
	// RateLimit is "N/s", "N/m", "N/h" or a bare number per second; "0" or
	// empty disables it.
	RateLimit string
	RateBurst int

	// Metrics enables /metrics; MetricsAddr serves it on its own listener
	// instead of the main port; MetricsToken, when set, is required as a
	// bearer token to read it.
	Metrics      bool
	MetricsAddr  string
	MetricsToken string
}

// AddFlags registers the edge settings.
func (c *Edge) AddFlags(f *FlagSet) {
	f.String(&c.PublicURL, "public-url", "PUBLIC_URL", "", "public root URL of the server as clients reach it (https://kb.example.com); URLs in responses use it")
	f.List(&c.TrustedProxies, "trusted-proxies", "TRUSTED_PROXIES", DefaultTrustedProxies, "CIDRs of proxies whose X-Forwarded-For/-Proto/-Host and Forwarded headers are believed")
	f.List(&c.CORSOrigins, "cors-origins", "CORS_ORIGINS", nil, "browser origins allowed to call /mcp (https://app.example.com); '*' allows any (not with credentials)")
	f.Bool(&c.CORSAllowCredentials, "cors-allow-credentials", "CORS_ALLOW_CREDENTIALS", false, "send Access-Control-Allow-Credentials (cookies or TLS client certificates from browsers); needs explicit origins")
	f.Duration(&c.CORSMaxAge, "cors-max-age", "CORS_MAX_AGE", 2*time.Hour, "how long browsers may cache a preflight answer")
	f.String(&c.Auth, "auth", "AUTH", AuthNone, "authentication of /mcp: none, api-key or jwt")
	f.String(&c.APIKeyHeader, "api-key-header", "API_KEY_HEADER", "X-API-Key", "header carrying the API key (AgentCore Gateway's credential parameter name); 'Bearer ' before the key is accepted")
	f.Secret(&c.APIKeys, "api-keys", "API_KEYS", "accepted API keys, comma-separated")
	f.String(&c.APIKeysFile, "api-keys-file", "API_KEYS_FILE", "", "file of accepted API keys, one a line ('#' starts a comment)")
	f.String(&c.JWTJWKSURL, "jwt-jwks-url", "JWT_JWKS_URL", "", "JWKS URL of the token issuer (Cognito: https://cognito-idp.REGION.amazonaws.com/POOL/.well-known/jwks.json)")
	f.String(&c.JWTIssuer, "jwt-issuer", "JWT_ISSUER", "", "required iss claim (Cognito: https://cognito-idp.REGION.amazonaws.com/POOL)")
	f.List(&c.JWTAudiences, "jwt-audience", "JWT_AUDIENCE", nil, "accepted aud claim values (at least one must match)")
	f.List(&c.JWTClientIDs, "jwt-client-ids", "JWT_CLIENT_IDS", nil, "accepted client_id claim values (Cognito access tokens carry client_id, not aud)")
	f.List(&c.JWTScopes, "jwt-scopes", "JWT_REQUIRED_SCOPES", nil, "scopes every token must carry (403 insufficient_scope otherwise)")
	f.Duration(&c.JWTLeeway, "jwt-leeway", "JWT_LEEWAY", 30*time.Second, "clock skew tolerated on exp, nbf and iat")
	f.List(&c.JWTAuthorizationServers, "jwt-authorization-servers", "JWT_AUTHORIZATION_SERVERS", nil, "authorization servers named in the protected-resource metadata; default the issuer")
	f.String(&c.OriginVerifyHeader, "origin-verify-header", "ORIGIN_VERIFY_HEADER", "", "header the CDN adds with a shared secret (X-Origin-Verify); requests without it get 403, health checks excepted")
	f.Secret(&c.OriginVerifySecret, "origin-verify-secret", "ORIGIN_VERIFY_SECRET", "the shared secret expected in the origin-verify header")
	f.Int(&c.MaxConcurrent, "max-concurrent-requests", "MAX_CONCURRENT_REQUESTS", 256, "MCP requests served at once; beyond, 503 with Retry-After (0: no cap)")
	f.String(&c.RateLimit, "rate-limit", "RATE_LIMIT", "0", "requests per client (auth subject, else client IP): N/s, N/m or N/h; beyond, 429 with Retry-After (0: off)")
	f.Int(&c.RateBurst, "rate-limit-burst", "RATE_LIMIT_BURST", 0, "requests a client may send at once above the rate (0: twice the per-second rate, at least 1)")
	f.Bool(&c.Metrics, "metrics", "METRICS", true, "serve Prometheus metrics at /metrics")
	f.String(&c.MetricsAddr, "metrics-addr", "METRICS_ADDR", "", "serve /metrics on this HOST:PORT instead of the main port (e.g. :9090)")
	f.Secret(&c.MetricsToken, "metrics-token", "METRICS_TOKEN", "bearer token required to read /metrics")
}

// EdgeOptions are the edge settings validated and parsed once, in the
// types the HTTP layer takes as they are.
type EdgeOptions struct {
	// HTTP holds every edge field of httpserver.Options but Auth and
	// Metrics, which are made by the running process (a JWKS fetch, a
	// registry): PublicURL, TrustedProxies, CORS (but ExtraHeaders),
	// OriginVerify, MaxConcurrent, RateLimit, RateBurst, ServeMetrics and
	// MetricsToken.
	HTTP httpserver.Options
	// APIKeys are the accepted keys with auth api-key, from API_KEYS and
	// API_KEYS_FILE.
	APIKeys []string
	// JWT configures auth jwt (its Logger is left to the caller).
	JWT httpserver.JWTConfig
}

// Validate checks the settings and returns them parsed. It reads the API
// key file.
func (c *Edge) Validate() (*EdgeOptions, error) {
	o := &EdgeOptions{}
	var err error
	if o.HTTP.PublicURL, err = c.publicBase(); err != nil {
		return nil, err
	}
	if o.HTTP.TrustedProxies, err = c.trustedPrefixes(); err != nil {
		return nil, err
	}
	origins := make([]string, 0, len(c.CORSOrigins))
	for _, origin := range c.CORSOrigins {
		if origin == "*" {
			if c.CORSAllowCredentials {
				return nil, errors.New("cors-origins (CORS_ORIGINS): '*' cannot be combined with cors-allow-credentials; list the origins")
			}
			origins = append(origins, origin)
			continue
		}
		normalized, err := normalizeOrigin(origin)
		if err != nil {
			return nil, fmt.Errorf("cors-origins (CORS_ORIGINS): %w", err)
		}
		origins = append(origins, normalized)
	}
	if c.CORSMaxAge < 0 {
		return nil, fmt.Errorf("cors-max-age (CORS_MAX_AGE): %s must not be negative", c.CORSMaxAge)
	}
	o.HTTP.CORS = httpserver.CORS{Origins: origins, AllowCredentials: c.CORSAllowCredentials, MaxAge: c.CORSMaxAge}
	switch c.Auth {
	case AuthNone, "":
		c.Auth = AuthNone
	case AuthAPIKey:
		if !httpguts.ValidHeaderFieldName(c.APIKeyHeader) {
			return nil, fmt.Errorf("api-key-header (API_KEY_HEADER): %q is not a valid header name", c.APIKeyHeader)
		}
		keys, err := c.keys()
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			return nil, errors.New("auth api-key: no keys; set API_KEYS (comma-separated) or API_KEYS_FILE")
		}
		o.APIKeys = keys
	case AuthJWT:
		if c.JWTJWKSURL == "" {
			return nil, errors.New("auth jwt: jwt-jwks-url (JWT_JWKS_URL) is required")
		}
		if u, err := url.Parse(c.JWTJWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("jwt-jwks-url (JWT_JWKS_URL): %q is not an http(s) URL", c.JWTJWKSURL)
		}
		if c.JWTIssuer == "" {
			return nil, errors.New("auth jwt: jwt-issuer (JWT_ISSUER) is required, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf")
		}
		if len(c.JWTAudiences) == 0 && len(c.JWTClientIDs) == 0 {
			return nil, errors.New("auth jwt: set jwt-audience (JWT_AUDIENCE) or jwt-client-ids (JWT_CLIENT_IDS), so that tokens issued for other services are refused")
		}
		if c.JWTLeeway < 0 || c.JWTLeeway > 5*time.Minute {
			return nil, fmt.Errorf("jwt-leeway (JWT_LEEWAY): %s must be between 0 and 5m", c.JWTLeeway)
		}
		o.JWT = httpserver.JWTConfig{
			JWKSURL:              c.JWTJWKSURL,
			Issuer:               c.JWTIssuer,
			Audiences:            c.JWTAudiences,
			ClientIDs:            c.JWTClientIDs,
			Scopes:               c.JWTScopes,
			Leeway:               c.JWTLeeway,
			AuthorizationServers: c.JWTAuthorizationServers,
		}
	default:
		return nil, fmt.Errorf("auth (AUTH): unknown mode %q; use none, api-key or jwt", c.Auth)
	}
	if (c.OriginVerifyHeader == "") != (c.OriginVerifySecret == "") {
		return nil, errors.New("origin-verify: set both ORIGIN_VERIFY_HEADER (the header name) and ORIGIN_VERIFY_SECRET (its value), or neither")
	}
	if c.OriginVerifyHeader != "" {
		if !httpguts.ValidHeaderFieldName(c.OriginVerifyHeader) {
			return nil, fmt.Errorf("origin-verify-header (ORIGIN_VERIFY_HEADER): %q is not a valid header name", c.OriginVerifyHeader)
		}
		if len(c.OriginVerifySecret) < minAPIKeyLength {
			return nil, fmt.Errorf("origin-verify-secret (ORIGIN_VERIFY_SECRET): shorter than %d characters; use a long random value", minAPIKeyLength)
		}
	}
	if c.MaxConcurrent < 0 {
		return nil, fmt.Errorf("max-concurrent-requests (MAX_CONCURRENT_REQUESTS): %d must not be negative", c.MaxConcurrent)
	}
	perSecond, err := c.ratePerSecond()
	if err != nil {
		return nil, err
	}
	if c.RateBurst < 0 {
		return nil, fmt.Errorf("rate-limit-burst (RATE_LIMIT_BURST): %d must not be negative", c.RateBurst)
	}
	o.HTTP.OriginVerify = httpserver.OriginVerify{Header: c.OriginVerifyHeader, Secret: c.OriginVerifySecret}
	o.HTTP.MaxConcurrent = c.MaxConcurrent
	o.HTTP.RateLimit = rate.Limit(perSecond)
	o.HTTP.RateBurst = c.RateBurst
	if o.HTTP.RateBurst == 0 {
		// The default burst: twice the per-second rate, at least 1.
		o.HTTP.RateBurst = max(1, int(math.Ceil(2*perSecond)))
	}
	o.HTTP.ServeMetrics = c.Metrics && c.MetricsAddr == ""
	o.HTTP.MetricsToken = c.MetricsToken
	return o, nil
}

// publicBase returns the configured public URL without a trailing slash (and
// without a trailing /mcp, which people often paste), or nil when none is set.
func (c *Edge) publicBase() (*url.URL, error) {
	if c.PublicURL == "" {
		return nil, nil
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("public-url (PUBLIC_URL): %q is not an absolute URL such as https://kb.example.com", c.PublicURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("public-url (PUBLIC_URL): %q must not carry a query, fragment or user", c.PublicURL)
	}
	if u.Scheme == "http" && !httpserver.IsLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("public-url (PUBLIC_URL): %q uses http:// on a non-local host; browsers block it as mixed content, use https://", c.PublicURL)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/mcp")
	u.RawPath = ""
	return u, nil
}

// trustedPrefixes parses TrustedProxies; a bare address is a /32 or /128.
func (c *Edge) trustedPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted-proxies (TRUSTED_PROXIES): %q is neither a CIDR (10.0.0.0/8) nor an address", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// ratePerSecond returns the per-client rate in requests per second; 0 is off.
func (c *Edge) ratePerSecond() (float64, error) {
	s := strings.TrimSpace(c.RateLimit)
	if s == "" || s == "0" {
		return 0, nil
	}
	num, unit, _ := strings.Cut(s, "/")
	per := 1.0
	switch strings.TrimSpace(unit) {
	case "", "s", "sec", "second":
	case "m", "min", "minute":
		per = 60
	case "h", "hour":
		per = 3600
	default:
		return 0, fmt.Errorf("rate-limit (RATE_LIMIT): unknown unit in %q; use N/s, N/m or N/h", c.RateLimit)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("rate-limit (RATE_LIMIT): %q is not a rate such as 10/s or 600/m", c.RateLimit)
	}
	return n / per, nil
}

// keys returns the accepted API keys from API_KEYS and API_KEYS_FILE. The
// error never contains a key.
func (c *Edge) keys() ([]string, error) {
	keys := SplitList(c.APIKeys)
	if c.APIKeysFile != "" {
		data, err := os.ReadFile(c.APIKeysFile)
		if err != nil {
			return nil, fmt.Errorf("api-keys-file (API_KEYS_FILE): %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			keys = append(keys, line)
		}
	}
	for i, k := range keys {
		if len(k) < minAPIKeyLength {
			return nil, fmt.Errorf("api key #%d is shorter than %d characters; use a long random value (openssl rand -hex 32)", i+1, minAPIKeyLength)
		}
	}
	return keys, nil
}

// normalizeOrigin returns an origin in its serialized form
// (scheme://host[:port], lower case, default port dropped), as browsers send
// it in the Origin header.
func normalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("%q is not an origin such as https://app.example.com", s)
	}
	host := strings.ToLower(u.Host)
	scheme := strings.ToLower(u.Scheme)
	if p := u.Port(); (scheme == "https" && p == "443") || (scheme == "http" && p == "80") {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return scheme + "://" + host, nil
}
