package console_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/console"
	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

// TestSelfCheckAgainstItself runs the real doctor from the self-check
// endpoint of a real server with API-key auth behind an origin-verify
// secret: the person's key reaches the doctor, the secret is added to the
// doctor's requests, and neither appears in the answer.
func TestSelfCheckAgainstItself(t *testing.T) {
	const key, secret = "k3y-for-the-test", "cdn-s3cret-value"
	auth, err := httpserver.NewAPIKeyAuth("X-API-Key", []string{key})
	if err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Options{
		Auth:      console.Auth{Kind: console.AuthAPIKey, Header: "X-API-Key"},
		SelfCheck: console.SelfCheckOptions{Header: http.Header{"X-Origin-Verify": {secret}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	backend := kbtest.NewFake(kbtest.DefaultFixture())
	ts := httptest.NewServer(httpserver.New(mcpserver.New(mcpserver.Options{Backend: backend}), httpserver.Options{
		Auth: auth, Console: c, ConsoleAPI: c.API(), Ready: backend.Ready,
		OriginVerify: httpserver.OriginVerify{Header: "X-Origin-Verify", Secret: secret},
	}))
	defer ts.Close()

	post := func(header map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+console.APIPrefix+"selfcheck", nil)
		req.Header.Set("X-Origin-Verify", secret) // as the CDN adds it
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := post(nil); status != http.StatusUnauthorized {
		t.Fatalf("without the key: %d %s, want 401", status, body)
	}
	status, body := post(map[string]string{"X-API-Key": key})
	if status != http.StatusOK {
		t.Fatalf("with the key: %d %s", status, body)
	}
	var res struct {
		Target string `json:"target"`
		Report struct {
			Checks []struct {
				ID, Status, Summary string
			} `json:"checks"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	if res.Target != ts.URL+"/mcp" {
		t.Errorf("target %q, want the server's own %s/mcp", res.Target, ts.URL)
	}
	statuses := map[string]string{}
	for _, ch := range res.Report.Checks {
		statuses[ch.ID] = ch.Status + ": " + ch.Summary
	}
	for _, id := range []string{"postman", "session", "health", "auth"} {
		if !strings.HasPrefix(statuses[id], "pass") {
			t.Errorf("check %s = %q, want pass (all: %v)", id, statuses[id], statuses)
		}
	}
	for _, s := range []string{key, secret} {
		if strings.Contains(body, s) {
			t.Errorf("the self-check answer reveals %q", s)
		}
	}
	// A second run at once is refused: one run per interval, server wide.
	if status, body := post(map[string]string{"X-API-Key": key}); status != http.StatusTooManyRequests {
		t.Errorf("second run: %d %s, want 429", status, body)
	}
}

func TestSelfCheckMethod(t *testing.T) {
	c, err := console.New(console.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	c.API().ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, console.APIPrefix+"selfcheck", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow %q, want 405 Allow POST", rec.Code, rec.Header().Get("Allow"))
	}
}
