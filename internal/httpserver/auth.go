package httpserver

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// Principal is who an authenticated request comes from.
type Principal struct {
	// Subject identifies the caller: the token's sub (or client_id), or
	// "api-key:" and a fingerprint of the key. It keys the rate limit and
	// appears in the request log; it is never a secret.
	Subject string
	// Method is how the caller authenticated: "api-key" or "jwt".
	Method string
	// Scopes are the token's scopes (jwt only).
	Scopes []string
}

type principalKey struct{}

// PrincipalFrom returns the principal of an authenticated request's
// context, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// AuthError is a refused credential.
type AuthError struct {
	// Status is 401 (no or bad credentials) or 403 (valid, but not enough:
	// insufficient_scope).
	Status int
	// Reason is a short label for metrics and logs: missing, invalid,
	// expired, wrong_issuer, wrong_audience, ...
	Reason string
	// Description tells the caller what is wrong; it never echoes a
	// credential.
	Description string
	// Scopes are the scopes required, on insufficient_scope.
	Scopes []string
}

func (e *AuthError) Error() string { return e.Description }

// Authenticator checks a request's credentials.
type Authenticator interface {
	// Authenticate returns the caller, or an error that is an *AuthError.
	Authenticate(r *http.Request) (*Principal, error)
	// Challenge returns the WWW-Authenticate value for err.
	// resourceMetadataURL is the absolute URL of the protected-resource
	// metadata.
	Challenge(err *AuthError, resourceMetadataURL string) string
	// CredentialHeader names the request header that carries the
	// credential, for CORS.
	CredentialHeader() string
	// ResourceMetadata returns the RFC 9728 metadata of the resource (an
	// absolute URL), or nil when the scheme has none.
	ResourceMetadata(resource string) *oauthex.ProtectedResourceMetadata
}

// authenticate admits /mcp requests with valid credentials and puts their
// principal in the context. Refusals carry WWW-Authenticate (with the
// protected-resource metadata URL for bearer tokens) and a JSON-RPC error
// body saying what to fix. Health checks pass.
func (h *handler) authenticate(next http.Handler) http.Handler {
	a := h.opts.Auth
	if a == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isHealthCheck(r) {
			next.ServeHTTP(w, r)
			return
		}
		p, err := a.Authenticate(r)
		if err != nil {
			var ae *AuthError
			if !errors.As(err, &ae) {
				ae = &AuthError{Status: http.StatusUnauthorized, Reason: "invalid", Description: err.Error()}
			}
			h.opts.Metrics.AuthFailure(ae.Reason)
			setReason(r, "auth_"+ae.Reason)
			if h.limiter != nil {
				// Failed attempts spend the client IP's tokens, so that
				// guessing keys is throttled like any other traffic.
				if ok, wait := h.limiter.allow("ip:"+h.proxies.clientIP(r), now(), 1); !ok {
					h.refuseRate(w, r, wait)
					return
				}
			}
			if challenge := a.Challenge(ae, h.baseURL(r)+ResourceMetadataMCPPath); challenge != "" {
				w.Header().Set("WWW-Authenticate", challenge)
			}
			writeRPCError(w, ae.Status, nil, codeInvalidRequest, ae.Description)
			return
		}
		if info := infoFrom(r.Context()); info != nil {
			info.subject = p.Subject
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// bearerToken returns the token of an "Authorization: Bearer" header (the
// scheme is case-insensitive).
func bearerToken(r *http.Request) (string, bool) {
	return cutBearer(r.Header.Get("Authorization"))
}

func cutBearer(v string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// quoteParam quotes an auth-param value (RFC 9110 quoted-string).
func quoteParam(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + s + `"`
}

// resourceMetadata serves the RFC 9728 protected-resource metadata of /mcp,
// with the resource URL built from the public base URL.
func (h *handler) resourceMetadata() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		meta := h.opts.Auth.ResourceMetadata(h.baseURL(r) + Path)
		if meta == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "this server's authentication has no OAuth metadata"})
			return
		}
		writeJSON(w, http.StatusOK, meta)
	})
}
