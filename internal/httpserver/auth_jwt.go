package httpserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/time/rate"
)

// jwtAlgorithms are the signature algorithms accepted: asymmetric only. A
// JWKS publishes public keys, so HMAC (a shared secret) has no place here,
// and "none" never does.
var jwtAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// JWTConfig configures [NewJWTAuth].
type JWTConfig struct {
	// JWKSURL is where the issuer publishes its signing keys.
	JWKSURL string
	// Issuer is the required iss claim.
	Issuer string
	// Audiences, when set, must contain one of the token's aud values.
	Audiences []string
	// ClientIDs, when set, must contain the token's client_id claim (Amazon
	// Cognito access tokens name their client there and carry no aud).
	ClientIDs []string
	// Scopes must all be granted to the token (scope or scp claim).
	Scopes []string
	// Leeway is the clock skew tolerated on exp, nbf and iat.
	Leeway time.Duration
	// AuthorizationServers are announced in the protected-resource
	// metadata; default [Issuer].
	AuthorizationServers []string
	// HTTPClient fetches the JWKS; nil: a client with a 10 s timeout.
	HTTPClient *http.Client
	// RefreshInterval is how often the JWKS is fetched again; 0: hourly.
	RefreshInterval time.Duration
	// UnknownKeyRefresh is the shortest interval between fetches caused by
	// a token signed with an unknown key (a rotated key); 0: 30 s.
	UnknownKeyRefresh time.Duration
	// Logger receives JWKS fetch failures; nil discards.
	Logger *slog.Logger
}

// JWTAuth validates OAuth 2.1 bearer access tokens (JWTs) against the
// issuer's JWKS: signature, alg, issuer, audience or client, expiry with
// leeway, token use and scopes. The key set is cached, refreshed hourly, and
// fetched again (at most every UnknownKeyRefresh) when a token names a key
// it does not hold.
type JWTAuth struct {
	cfg     JWTConfig
	keys    *keySource
	parser  *jwt.Parser
	servers []string
}

var _ Authenticator = (*JWTAuth)(nil)

// NewJWTAuth fetches the key set once (a failure is logged, not fatal: the
// issuer may come up later) and returns the authenticator. ctx ends the
// background refresh.
func NewJWTAuth(ctx context.Context, cfg JWTConfig) (*JWTAuth, error) {
	if cfg.JWKSURL == "" || cfg.Issuer == "" {
		return nil, errors.New("jwt auth: a JWKS URL and an issuer are required")
	}
	if len(cfg.Audiences) == 0 && len(cfg.ClientIDs) == 0 {
		return nil, errors.New("jwt auth: an audience or a client id is required")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	unknown := cfg.UnknownKeyRefresh
	if unknown <= 0 {
		unknown = 30 * time.Second
	}
	keys, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{cfg.JWKSURL}, keyfunc.Override{
		Client:          client,
		HTTPTimeout:     10 * time.Second,
		RefreshInterval: cfg.RefreshInterval,
		// An unknown kid is refetched by keySource, under its own timeout
		// and gate; jwkset's own refetch ran under its rate limiter's wait
		// context, so it always failed.
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				logger.WarnContext(ctx, "fetching the JWKS failed; tokens signed with keys not yet cached are refused", "jwks_url", u, "error", err)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("jwt auth: JWKS %s: %w", cfg.JWKSURL, err)
	}
	servers := cfg.AuthorizationServers
	if len(servers) == 0 {
		servers = []string{cfg.Issuer}
	}
	return &JWTAuth{
		cfg: cfg,
		keys: &keySource{
			primary: keys, url: cfg.JWKSURL, client: client, logger: logger,
			// Refetch on an unknown kid at most this often, without making
			// any request wait for the gate.
			gate: rate.NewLimiter(rate.Every(unknown), 1),
		},
		parser: jwt.NewParser(
			jwt.WithValidMethods(jwtAlgorithms),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
		),
		servers: servers,
	}, nil
}

// Ready reports an error when no signing key is loaded from the JWKS (it
// was unreachable at start and since): every token would be refused, so
// the server must not count as ready.
func (a *JWTAuth) Ready(ctx context.Context) error { return a.keys.ready(ctx) }

// accessClaims are the claims read from an access token.
type accessClaims struct {
	jwt.RegisteredClaims
	Scope    scopeList `json:"scope"`
	Scp      scopeList `json:"scp"`
	ClientID string    `json:"client_id"`
	// TokenUse is Cognito's "access" or "id"; an ID token is no access
	// token.
	TokenUse string `json:"token_use"`
}

// scopeList decodes a space-separated scope string (RFC 8693, Cognito) or
// an array of scopes (scp, as Okta and Entra ID send).
type scopeList []string

func (s *scopeList) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = strings.Fields(str)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("scope: neither a string nor a list of strings")
	}
	*s = list
	return nil
}

func unauthorized(reason, format string, args ...any) *AuthError {
	return &AuthError{Status: http.StatusUnauthorized, Reason: reason, Description: fmt.Sprintf(format, args...)}
}

// Authenticate implements [Authenticator].
func (a *JWTAuth) Authenticate(r *http.Request) (*Principal, error) {
	raw, ok := bearerToken(r)
	if !ok {
		return nil, unauthorized("missing", "missing bearer token: send Authorization: Bearer <access token>")
	}
	if alg := tokenAlg(raw); alg != "" && !slices.Contains(jwtAlgorithms, alg) {
		return nil, unauthorized("alg_not_allowed", "invalid token: signature algorithm %q is not accepted (accepted: %s)", alg, strings.Join(jwtAlgorithms, ", "))
	}
	var claims accessClaims
	_, err := a.parser.ParseWithClaims(raw, &claims, a.keys.keyfunc(r.Context()))
	if err != nil {
		return nil, classifyJWTError(err)
	}
	if len(a.cfg.Audiences) > 0 && !slices.ContainsFunc(claims.Audience, func(aud string) bool { return slices.Contains(a.cfg.Audiences, aud) }) {
		return nil, unauthorized("wrong_audience", "invalid token: it was issued for another audience (aud %q)", []string(claims.Audience))
	}
	if len(a.cfg.ClientIDs) > 0 && !slices.Contains(a.cfg.ClientIDs, claims.ClientID) {
		return nil, unauthorized("wrong_client", "invalid token: client_id %q is not accepted", claims.ClientID)
	}
	if claims.TokenUse != "" && claims.TokenUse != "access" {
		return nil, unauthorized("wrong_token_use", "invalid token: a %q token is not an access token", claims.TokenUse)
	}
	scopes := append(slices.Clone([]string(claims.Scope)), claims.Scp...)
	var missing []string
	for _, want := range a.cfg.Scopes {
		if !slices.Contains(scopes, want) {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return nil, &AuthError{Status: http.StatusForbidden, Reason: "insufficient_scope", Scopes: a.cfg.Scopes,
			Description: fmt.Sprintf("insufficient scope: the token lacks %s", strings.Join(missing, ", "))}
	}
	subject := claims.Subject
	if subject == "" {
		subject = claims.ClientID
	}
	if subject == "" {
		return nil, unauthorized("invalid", "invalid token: no sub or client_id claim")
	}
	return &Principal{Subject: subject, Method: "jwt", Scopes: scopes}, nil
}

// tokenAlg reads the alg of a compact JWT's header without trusting it, to
// name a refused algorithm (alg "none") precisely.
func tokenAlg(raw string) string {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return ""
	}
	data, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(data, &h) != nil {
		return ""
	}
	return h.Alg
}

// classifyJWTError maps a validation error to a reason and a message that
// says what is wrong without echoing the token.
func classifyJWTError(err error) *AuthError {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthorized("malformed", "invalid token: not a well-formed JWT")
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthorized("expired", "invalid token: expired; get a new access token")
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauthorized("not_yet_valid", "invalid token: not valid yet (check the clocks)")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return unauthorized("wrong_issuer", "invalid token: issued by another issuer")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return unauthorized("missing_claim", "invalid token: %s", strings.TrimPrefix(err.Error(), "token has invalid claims: "))
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return unauthorized("unknown_key", "invalid token: signed with a key the issuer's JWKS does not hold")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthorized("bad_signature", "invalid token: signature does not verify")
	}
	return unauthorized("invalid", "invalid token")
}

// Challenge implements [Authenticator]: RFC 6750 and RFC 9728. A missing
// token gets no error code; a bad one invalid_token; a token without the
// scopes insufficient_scope with the scopes needed.
func (a *JWTAuth) Challenge(e *AuthError, resourceMetadataURL string) string {
	parts := []string{"resource_metadata=" + quoteParam(resourceMetadataURL)}
	switch {
	case e.Reason == "insufficient_scope":
		parts = append(parts, `error="insufficient_scope"`, "scope="+quoteParam(strings.Join(e.Scopes, " ")))
	case e.Reason != "missing":
		parts = append(parts, `error="invalid_token"`, "error_description="+quoteParam(e.Description))
	case len(a.cfg.Scopes) > 0:
		parts = append(parts, "scope="+quoteParam(strings.Join(a.cfg.Scopes, " ")))
	}
	return "Bearer " + strings.Join(parts, ", ")
}

// CredentialHeader implements [Authenticator].
func (a *JWTAuth) CredentialHeader() string { return "Authorization" }

// ResourceMetadata implements [Authenticator].
func (a *JWTAuth) ResourceMetadata(resource string) *oauthex.ProtectedResourceMetadata {
	return &oauthex.ProtectedResourceMetadata{
		Resource:               resource,
		AuthorizationServers:   a.servers,
		ScopesSupported:        a.cfg.Scopes,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "knowledge-mcp",
	}
}
