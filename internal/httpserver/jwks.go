package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// jwksFetchTimeout bounds one on-demand fetch of the JWKS.
const jwksFetchTimeout = 10 * time.Second

// maxJWKSBytes bounds a JWKS document.
const maxJWKSBytes = 1 << 20

// keySource finds the key of a token: in the key set refreshed in the
// background, else in the one fetched on demand last, else (at most once per
// interval of its gate, whatever the kid) by fetching the JWKS again, under
// its own timeout: a key the issuer has just rotated in is accepted at once,
// and a flood of made-up kids costs the issuer one request per interval.
type keySource struct {
	primary keyfunc.Keyfunc
	fetched atomic.Pointer[keyfunc.Keyfunc]
	gate    *rate.Limiter
	url     string
	client  *http.Client
	logger  *slog.Logger
}

// keyfunc returns the jwt.Keyfunc for one request.
func (k *keySource) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		key, err := k.primary.KeyfuncCtx(ctx)(t)
		if err == nil || !errors.Is(err, jwkset.ErrKeyNotFound) {
			return key, err
		}
		if f := k.fetched.Load(); f != nil {
			if key, ferr := (*f).KeyfuncCtx(ctx)(t); ferr == nil {
				return key, nil
			}
		}
		if !k.gate.Allow() {
			return nil, err
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jwksFetchTimeout)
		defer cancel()
		kf, ferr := k.fetch(fctx)
		if ferr != nil {
			k.logger.WarnContext(ctx, "fetching the JWKS for an unknown key id failed; tokens signed with keys not yet cached are refused", "jwks_url", k.url, "error", ferr)
			return nil, err
		}
		k.fetched.Store(&kf)
		return kf.KeyfuncCtx(ctx)(t)
	}
}

// fetch reads the JWKS now.
func (k *keySource) fetch(ctx context.Context) (keyfunc.Keyfunc, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", k.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", k.url, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("GET %s: the key set is larger than %d bytes", k.url, maxJWKSBytes)
	}
	return keyfunc.NewJWKSetJSON(json.RawMessage(body))
}

// ready reports an error when no signing key is loaded: every token would
// be refused.
func (k *keySource) ready(ctx context.Context) error {
	if keys, err := k.primary.Storage().KeyReadAll(ctx); err == nil && len(keys) > 0 {
		return nil
	}
	if f := k.fetched.Load(); f != nil {
		if keys, err := (*f).Storage().KeyReadAll(ctx); err == nil && len(keys) > 0 {
			return nil
		}
	}
	return fmt.Errorf("no signing keys loaded from the JWKS at %s: every token is refused until it can be fetched", k.url)
}
