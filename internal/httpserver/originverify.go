package httpserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// OriginVerify is a shared secret that the CDN (CloudFront) adds to every
// request it forwards, so that the server can refuse traffic that reached it
// around the CDN (P7).
type OriginVerify struct {
	// Header names the header, e.g. X-Origin-Verify; empty disables the check.
	Header string
	// Secret is its expected value.
	Secret string
}

// verifyOrigin refuses with 403 every request without the origin-verify
// header and secret, except health checks, which come from the load
// balancer itself. The comparison takes constant time.
func (h *handler) verifyOrigin(next http.Handler) http.Handler {
	ov := h.opts.OriginVerify
	if ov.Header == "" {
		return next
	}
	want := sha256.Sum256([]byte(ov.Secret))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isHealthCheck(r) {
			next.ServeHTTP(w, r)
			return
		}
		got := r.Header.Get(ov.Header)
		sum := sha256.Sum256([]byte(got))
		if got == "" || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			h.opts.Metrics.OriginRejected("origin_verify")
			setReason(r, "origin_verify_failed")
			writeRPCError(w, http.StatusForbidden, nil, codeInvalidRequest,
				"forbidden: this server only answers requests that come through its CDN")
			return
		}
		// The secret goes no further (not to the SDK, not to tools).
		r.Header.Del(ov.Header)
		next.ServeHTTP(w, r)
	})
}
