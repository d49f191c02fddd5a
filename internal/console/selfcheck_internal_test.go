package console

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/verify"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func selfCheckRequest(header http.Header) *http.Request {
	req := httptest.NewRequest(http.MethodPost, APIPrefix+"selfcheck", nil)
	req.Header = header
	addr := &net.TCPAddr{IP: net.IPv4(10, 0, 3, 7), Port: 8080}
	return req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, addr))
}

// TestSelfCheckTargetAndCredential: the doctor checks the public URL when
// there is one, else the address the request arrived at (never a name from
// the request), and carries the person's credential as the server expects it.
func TestSelfCheckTargetAndCredential(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       Options
		header     http.Header
		wantURL    string
		wantKey    string
		wantHeader string
		wantToken  string
	}{
		{"local address, no auth", Options{}, http.Header{"Host": {"evil.internal"}, "X-Forwarded-Host": {"evil.internal"}},
			"http://10.0.3.7:8080/mcp", "", "", ""},
		{"public URL with a path", Options{PublicURL: &url.URL{Scheme: "https", Host: "kb.example.com", Path: "/team/"}}, nil,
			"https://kb.example.com/team/mcp", "", "", ""},
		{"api key", Options{Auth: Auth{Kind: AuthAPIKey, Header: "X-API-Key"}}, http.Header{"X-Api-Key": {"k1"}},
			"http://10.0.3.7:8080/mcp", "k1", "X-API-Key", ""},
		{"api key sent as Bearer", Options{Auth: Auth{Kind: AuthAPIKey, Header: "X-API-Key"}}, http.Header{"X-Api-Key": {"Bearer k2"}},
			"http://10.0.3.7:8080/mcp", "k2", "X-API-Key", ""},
		{"api key in Authorization", Options{Auth: Auth{Kind: AuthAPIKey, Header: "Authorization"}}, http.Header{"Authorization": {"Bearer k3"}},
			"http://10.0.3.7:8080/mcp", "", "", "k3"},
		{"jwt", Options{Auth: Auth{Kind: AuthJWT, Header: "Authorization"}}, http.Header{"Authorization": {"bearer eyJ.x.y"}},
			"http://10.0.3.7:8080/mcp", "", "", "eyJ.x.y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got verify.Options
			tc.opts.SelfCheck.run = func(_ context.Context, o verify.Options) *verify.Report {
				got = o
				return &verify.Report{Target: o.URL}
			}
			c, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			c.API().ServeHTTP(rec, selfCheckRequest(tc.header))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got.URL != tc.wantURL || got.APIKey != tc.wantKey || got.APIKeyHeader != tc.wantHeader || got.Token != tc.wantToken {
				t.Errorf("doctor got URL %q key %q in %q token %q; want %q %q %q %q",
					got.URL, got.APIKey, got.APIKeyHeader, got.Token, tc.wantURL, tc.wantKey, tc.wantHeader, tc.wantToken)
			}
		})
	}
}

// TestSelfCheckRate: one run at a time and one start per interval; the
// refusal says when to come back.
func TestSelfCheckRate(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	opts := Options{SelfCheck: SelfCheckOptions{Interval: 10 * time.Second, now: clock.Now,
		run: func(context.Context, verify.Options) *verify.Report {
			started <- struct{}{}
			<-release
			return &verify.Report{}
		}}}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	api := c.API()
	do := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, selfCheckRequest(http.Header{}))
		return rec
	}
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- do() }()
	<-started
	clock.Add(30 * time.Second) // long past the interval, but still running
	if rec := do(); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "10" {
		t.Errorf("during a run: %d Retry-After %q, want 429 and 10", rec.Code, rec.Header().Get("Retry-After"))
	}
	close(release)
	if rec := <-first; rec.Code != http.StatusOK {
		t.Errorf("first run: %d", rec.Code)
	}
	// The first run started 30 s ago on the clock: the next may start.
	if rec := do(); rec.Code != http.StatusOK {
		t.Errorf("after the interval: %d %s", rec.Code, rec.Body)
	}
	<-started
	clock.Add(4 * time.Second)
	if rec := do(); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "6" {
		t.Errorf("4 s after a start: %d Retry-After %q, want 429 and 6", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// TestAddHeaders: the fixed headers (the origin-verify secret) go to the
// server's own host only.
func TestAddHeaders(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Host+"="+r.Header.Get("X-Origin-Verify"))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	rt := &addHeaders{base: http.DefaultTransport, header: http.Header{"X-Origin-Verify": {"s"}}, host: u.Host}
	client := &http.Client{Transport: rt}
	for _, target := range []string{srv.URL, "http://localhost:" + u.Port()} {
		resp, err := client.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	want := []string{u.Host + "=s", "localhost:" + u.Port() + "="}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("server saw %v, want %v", seen, want)
	}
}
