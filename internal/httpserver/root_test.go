package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Accept headers as real clients send them.
const (
	acceptChrome  = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
	acceptFirefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	acceptSafari  = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
)

// fakeConsole stands in for package console: it says which handler answered.
var fakeConsole = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, "<!doctype html><title>console</title>"+r.URL.Path)
})

func newRootServer(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(New(mcp.NewServer(&mcp.Implementation{Name: "t", Version: "1"}, nil), opts))
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, method, target string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Go's client adds a User-Agent and Accept-Encoding only; no Accept.
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestRootNegotiation: / is 200 for every client; browsers get the console
// (when it is on), everything else the status JSON.
func TestRootNegotiation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		method  string
		header  map[string]string
		console bool
		want    string // "html" or "json"
	}{
		{"ALB health checker, no Accept", "GET", map[string]string{"User-Agent": "ELB-HealthChecker/2.0"}, true, "json"},
		{"ALB health checker, HEAD", "HEAD", map[string]string{"User-Agent": "ELB-HealthChecker/2.0"}, true, "json"},
		{"curl", "GET", map[string]string{"User-Agent": "curl/8.5.0", "Accept": "*/*"}, true, "json"},
		{"JSON client", "GET", map[string]string{"Accept": "application/json"}, true, "json"},
		{"kube-probe, no Accept", "GET", map[string]string{"User-Agent": "kube-probe/1.30"}, true, "json"},
		{"fetch default", "GET", map[string]string{"Accept": "*/*"}, true, "json"},
		{"JSON preferred over HTML", "GET", map[string]string{"Accept": "text/html;q=0.5, application/json"}, true, "json"},
		{"HTML refused", "GET", map[string]string{"Accept": "text/html;q=0, */*"}, true, "json"},
		{"Chrome", "GET", map[string]string{"Accept": acceptChrome, "User-Agent": "Mozilla/5.0 Chrome/131.0"}, true, "html"},
		{"Firefox", "GET", map[string]string{"Accept": acceptFirefox}, true, "html"},
		{"Safari", "GET", map[string]string{"Accept": acceptSafari}, true, "html"},
		{"HTML preferred over JSON", "GET", map[string]string{"Accept": "application/json;q=0.5, text/html"}, true, "html"},
		{"XHTML", "GET", map[string]string{"Accept": "application/xhtml+xml"}, true, "html"},
		{"browser HEAD", "HEAD", map[string]string{"Accept": acceptChrome}, true, "html"},
		{"console off: Chrome", "GET", map[string]string{"Accept": acceptChrome}, false, "json"},
		{"console off: ALB", "GET", map[string]string{"User-Agent": "ELB-HealthChecker/2.0"}, false, "json"},
		{"console off: HEAD", "HEAD", nil, false, "json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Version: "v9.9.9", Backend: "local"}
			if tc.console {
				opts.Console = fakeConsole
			}
			ts := newRootServer(t, opts)
			resp, body := get(t, tc.method, ts.URL+"/", tc.header)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 (body %q)", resp.StatusCode, body)
			}
			if vary := strings.Join(resp.Header.Values("Vary"), ", "); !strings.Contains(vary, "Accept") {
				t.Errorf("Vary %q, want Accept: caches must keep the page and the JSON apart", vary)
			}
			ct := resp.Header.Get("Content-Type")
			switch tc.want {
			case "html":
				if !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type %q, want the console's text/html", ct)
				}
			case "json":
				if ct != "application/json" {
					t.Fatalf("Content-Type %q, want application/json", ct)
				}
				if tc.method == "HEAD" {
					if body != "" {
						t.Errorf("HEAD body %q, want none", body)
					}
					return
				}
				var st rootStatus
				if err := json.Unmarshal([]byte(body), &st); err != nil {
					t.Fatalf("body %q: %v", body, err)
				}
				want := rootStatus{Service: "knowledge-mcp", Version: "v9.9.9", Backend: "local", Status: "ready", MCP: "/mcp"}
				if st != want {
					t.Errorf("status %+v, want %+v", st, want)
				}
			}
		})
	}
}

// TestRootNotReady: / stays 200 while the backend is not ready (a
// target group probing / must not kill the task); the reason is shown.
func TestRootNotReady(t *testing.T) {
	ts := newRootServer(t, Options{Ready: func(context.Context) error { return errors.New("bedrock: access denied") }})
	resp, body := get(t, "GET", ts.URL+"/", map[string]string{"User-Agent": "ELB-HealthChecker/2.0"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	var st rootStatus
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Status != "not ready" || st.Reason != "bedrock: access denied" {
		t.Errorf("status %q reason %q, want not ready with the backend's reason", st.Status, st.Reason)
	}
}

// TestRootBehindOriginVerify: with the CDN secret required, a health
// checker's GET / still passes (it comes straight from the load balancer);
// a browser without the secret is refused like any other request.
func TestRootBehindOriginVerify(t *testing.T) {
	ts := newRootServer(t, Options{Console: fakeConsole, OriginVerify: OriginVerify{Header: "X-Origin-Verify", Secret: "s3cret"}})
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"ALB health check", map[string]string{"User-Agent": "ELB-HealthChecker/2.0"}, 200},
		{"browser without the secret", map[string]string{"Accept": acceptChrome}, 403},
		{"browser through the CDN", map[string]string{"Accept": acceptChrome, "X-Origin-Verify": "s3cret"}, 200},
		{"console asset without the secret", nil, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := ts.URL + "/"
			if tc.header == nil {
				target = ts.URL + "/console/console.css"
			}
			if resp, body := get(t, "GET", target, tc.header); resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d (body %q)", resp.StatusCode, tc.want, body)
			}
		})
	}
}

// TestRootRoutes: other methods on / are refused, other paths still 404,
// and the console's assets are its own.
func TestRootRoutes(t *testing.T) {
	ts := newRootServer(t, Options{Console: fakeConsole})
	if resp, _ := get(t, "POST", ts.URL+"/", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", resp.StatusCode)
	}
	if resp, _ := get(t, "GET", ts.URL+"/nope", map[string]string{"Accept": acceptChrome}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope: %d, want 404", resp.StatusCode)
	}
	if resp, body := get(t, "GET", ts.URL+"/console/app.css", nil); resp.StatusCode != 200 || !strings.HasSuffix(body, "/console/app.css") {
		t.Errorf("GET /console/app.css: %d %q, want the console's answer", resp.StatusCode, body)
	}
	off := newRootServer(t, Options{})
	if resp, _ := get(t, "GET", off.URL+"/console/console.css", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("console off: GET /console/console.css: %d, want 404", resp.StatusCode)
	}
}

// TestConsoleAPIBehindMCPChecks: the console's endpoints meet the same
// authentication and Origin check as /mcp.
func TestConsoleAPIBehindMCPChecks(t *testing.T) {
	auth, err := NewAPIKeyAuth("X-API-Key", []string{"right-key"})
	if err != nil {
		t.Fatal(err)
	}
	reached := 0
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		w.WriteHeader(http.StatusNoContent)
	})
	ts := newRootServer(t, Options{Console: fakeConsole, ConsoleAPI: api, Auth: auth, AllowedHosts: []string{"kb.test"}})
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no key", nil, 401},
		{"wrong key", map[string]string{"X-API-Key": "wrong"}, 401},
		{"foreign origin", map[string]string{"X-API-Key": "right-key", "Origin": "https://evil.example"}, 403},
		{"right key", map[string]string{"X-API-Key": "right-key"}, 204},
		{"right key, same-origin page on an allowed host", map[string]string{"X-API-Key": "right-key", "Origin": "https://kb.test:8443"}, 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := reached
			resp, body := get(t, "POST", ts.URL+"/console/api/selfcheck", tc.header)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d (body %q)", resp.StatusCode, tc.want, body)
			}
			if got := reached - before; (tc.want == 204) != (got == 1) {
				t.Errorf("handler reached %d times", got)
			}
		})
	}
}
