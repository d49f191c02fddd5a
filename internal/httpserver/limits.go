package httpserver

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// JSON-RPC "server error" code used when the edge refuses a request for load.
const codeServerError = -32000

// limitConcurrency caps the MCP requests served at once. Beyond the cap a
// request is refused at once with 503 and Retry-After (a load balancer or
// client retries elsewhere or later) rather than queued behind slow calls.
func (h *handler) limitConcurrency(next http.Handler) http.Handler {
	max := h.opts.MaxConcurrent
	if max <= 0 {
		return next
	}
	var mu sync.Mutex
	inUse := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isHealthCheck(r) {
			next.ServeHTTP(w, r)
			return
		}
		// A batch takes one slot per message.
		n := callsOf(r)
		mu.Lock()
		ok := inUse+n <= max
		if ok {
			inUse += n
		}
		mu.Unlock()
		if ok {
			defer func() {
				mu.Lock()
				inUse -= n
				mu.Unlock()
			}()
			next.ServeHTTP(w, r)
			return
		}
		h.opts.Metrics.Limited("concurrency")
		setReason(r, "concurrency_limit")
		w.Header().Set("Retry-After", "1")
		msg := fmt.Sprintf("server busy: %d requests in progress (MAX_CONCURRENT_REQUESTS); retry in 1 second", max)
		if n > max {
			msg = fmt.Sprintf("a batch of %d calls is more than the %d served at once (MAX_CONCURRENT_REQUESTS); send smaller batches", n, max)
		}
		writeRPCError(w, http.StatusServiceUnavailable, nil, codeServerError, msg)
	})
}

// now is the rate limiter's clock; tests move it instead of waiting.
var now = time.Now

// rateLimit applies a token bucket per client: the authenticated subject
// when there is one (so all of one API key's or one OAuth client's traffic
// shares a bucket whatever its addresses), else the client IP (from
// X-Forwarded-For only when the peer is a trusted proxy). An empty bucket
// answers 429 with Retry-After in whole seconds.
func (h *handler) rateLimit(next http.Handler) http.Handler {
	if h.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isHealthCheck(r) || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		key := "ip:" + h.proxies.clientIP(r)
		if p := PrincipalFrom(r.Context()); p != nil {
			key = "sub:" + p.Subject
		}
		n := callsOf(r)
		if n > h.limiter.burst {
			h.opts.Metrics.Limited("rate")
			setReason(r, "rate_limited")
			writeRPCError(w, http.StatusTooManyRequests, nil, codeServerError, fmt.Sprintf(
				"a batch of %d calls is more than the %d one client may make at once (RATE_LIMIT_BURST); send smaller batches", n, h.limiter.burst))
			return
		}
		ok, wait := h.limiter.allow(key, now(), n)
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		h.refuseRate(w, r, wait)
	})
}

// refuseRate answers 429 with Retry-After in whole seconds.
func (h *handler) refuseRate(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	h.opts.Metrics.Limited("rate")
	setReason(r, "rate_limited")
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeRPCError(w, http.StatusTooManyRequests, nil, codeServerError, fmt.Sprintf(
		"rate limit exceeded (RATE_LIMIT): retry after %d second(s)", secs))
}

// clientLimiter holds one token bucket per client key. Buckets idle long
// enough to have refilled are dropped, so the map stays as small as the set
// of recently active clients.
type clientLimiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration // after this long unused, a bucket is full again

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimiter(perSecond float64, burst int) *clientLimiter {
	burst = max(1, burst)
	refill := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &clientLimiter{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		idle:    max(refill, time.Minute),
		buckets: map[string]*bucket{},
	}
}

// allow takes n tokens (one per call of a batch) from key's bucket; when
// there are too few, it reports how long until there are enough.
func (c *clientLimiter) allow(key string, now time.Time, n int) (bool, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.lastSweep) > c.idle {
		for k, b := range c.buckets {
			if now.Sub(b.seen) > c.idle {
				delete(c.buckets, k)
			}
		}
		c.lastSweep = now
	}
	b := c.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(c.limit, c.burst)}
		c.buckets[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, n)
	if !res.OK() {
		return false, time.Second
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}
