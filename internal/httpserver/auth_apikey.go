package httpserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// APIKeyAuth accepts requests carrying one of a set of keys in a header, as
// Amazon Bedrock AgentCore Gateway's API-key credential provider sends them
// (optionally after "Bearer "). Keys are held as SHA-256 digests and every
// digest is compared in constant time, so neither timing nor a memory dump
// of the comparison reveals a key.
type APIKeyAuth struct {
	header  string
	digests [][sha256.Size]byte
}

var _ Authenticator = (*APIKeyAuth)(nil)

// NewAPIKeyAuth returns an authenticator for keys in header.
func NewAPIKeyAuth(header string, keys []string) (*APIKeyAuth, error) {
	if header == "" {
		return nil, errors.New("api-key auth: no header name")
	}
	if len(keys) == 0 {
		return nil, errors.New("api-key auth: no keys")
	}
	a := &APIKeyAuth{header: header} // as configured; Header.Get is case-insensitive
	for _, k := range keys {
		a.digests = append(a.digests, sha256.Sum256([]byte(k)))
	}
	return a, nil
}

// Authenticate implements [Authenticator].
func (a *APIKeyAuth) Authenticate(r *http.Request) (*Principal, error) {
	v := r.Header.Get(a.header)
	if v == "" {
		return nil, &AuthError{Status: http.StatusUnauthorized, Reason: "missing",
			Description: "missing API key: send it in the " + a.header + " header"}
	}
	candidates := [][sha256.Size]byte{sha256.Sum256([]byte(v))}
	if token, ok := cutBearer(v); ok {
		candidates = append(candidates, sha256.Sum256([]byte(token)))
	}
	match := -1
	for i, d := range a.digests {
		for _, c := range candidates {
			if subtle.ConstantTimeCompare(c[:], d[:]) == 1 {
				match = i
			}
		}
	}
	if match < 0 {
		return nil, &AuthError{Status: http.StatusUnauthorized, Reason: "invalid",
			Description: "invalid API key in the " + a.header + " header"}
	}
	return &Principal{Subject: KeyFingerprint(a.digests[match]), Method: "api-key"}, nil
}

// KeyFingerprint names a key by the first 12 hex digits of its SHA-256, as
// "api-key:3f2a9c0d41b7": what logs and rate limits call the caller. An
// operator finds it with: printf %s "$KEY" | sha256sum | cut -c1-12.
func KeyFingerprint(digest [sha256.Size]byte) string {
	return "api-key:" + hex.EncodeToString(digest[:6])
}

// Challenge implements [Authenticator].
func (a *APIKeyAuth) Challenge(*AuthError, string) string {
	return `APIKey header=` + quoteParam(a.header)
}

// CredentialHeader implements [Authenticator].
func (a *APIKeyAuth) CredentialHeader() string { return a.header }

// ResourceMetadata implements [Authenticator]: API keys have no OAuth
// metadata.
func (a *APIKeyAuth) ResourceMetadata(string) *oauthex.ProtectedResourceMetadata { return nil }
