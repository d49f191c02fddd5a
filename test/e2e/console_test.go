//go:build e2e

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// consoleReport is what clients/console.mjs prints.
type consoleReport struct {
	PageURL           string   `json:"pageURL"`
	Console           []string `json:"console"`
	PageErrors        []string `json:"pageErrors"`
	FailedRequests    []string `json:"failedRequests"`
	Requests          []string `json:"requests"`
	CrossOrigin       []string `json:"crossOrigin"`
	Axe               []string `json:"axe"`
	CSP               string   `json:"csp"`
	ServerStatus      string   `json:"serverStatus"`
	ServerFacts       []string `json:"serverFacts"`
	AuthShown         bool     `json:"authShown"`
	KBsBeforeKey      []string `json:"kbsBeforeKey"`
	MCPCallsBeforeKey int      `json:"mcpCallsBeforeKey"`
	WrongKeyError     string   `json:"wrongKeyError"`
	KBsAfterWrongKey  []string `json:"kbsAfterWrongKey"`
	StoredIn          struct {
		Session []string `json:"session"`
		Local   []string `json:"local"`
	} `json:"storedIn"`
	KBs             []string `json:"kbs"`
	KBFacts         []string `json:"kbFacts"`
	SearchStatus    string   `json:"searchStatus"`
	Results         []string `json:"results"`
	Marks           []string `json:"marks"`
	Scores          []string `json:"scores"`
	Copied          string   `json:"copied"`
	Endpoint        string   `json:"endpoint"`
	DocumentTitle   string   `json:"documentTitle"`
	DocumentBlocks  int      `json:"documentBlocks"`
	SelfCheck       []string `json:"selfCheck"`
	SelfCheckStatus string   `json:"selfCheckStatus"`
	PhoneResults    int      `json:"phoneResults"`
	PhoneOverflow   int      `json:"phoneOverflow"`
	Exception       string   `json:"exception"`
}

// runConsole drives the console at pageURL in Chromium; screenshots go to
// the artifacts as NAME-desktop.png, NAME-desktop-view.png,
// NAME-document.png and NAME-phone.png.
func runConsole(t *testing.T, pageURL, name, query, key string) consoleReport {
	t.Helper()
	requireCommand(t, "chromium")
	args := []string{pageURL, filepath.Join(artifacts, name), query}
	if key != "" {
		args = append(args, key)
	}
	res := runNode(t, 3*time.Minute, nil, filepath.Join("clients", "console.mjs"), args...)
	var rep consoleReport
	decodeJSONLine(t, res.stdout, &rep)
	if res.exitCode != 0 || rep.Exception != "" {
		t.Fatalf("console run failed (exit %d): %s\nconsole: %v\nfailed requests: %v\n%s",
			res.exitCode, rep.Exception, rep.Console, rep.FailedRequests, tail(res.stderr))
	}
	t.Logf("console at %s: %d knowledge bases, %d results, self-check %q; screenshots %s-*.png",
		pageURL, len(rep.KBs), len(rep.Results), rep.SelfCheckStatus, filepath.Join(artifacts, name))
	return rep
}

// checkConsole asserts what every console run must show: a clean page (no
// console error, no failed or cross-origin request, no serious axe
// finding), knowledge bases, a search with marked words, a copied
// configuration naming endpoint, a document, a self-check, and a phone
// layout without sideways scrolling.
func checkConsole(t *testing.T, rep consoleReport, endpoint string) {
	t.Helper()
	for _, l := range [][]string{rep.Console, rep.PageErrors, rep.FailedRequests, rep.CrossOrigin, rep.Axe} {
		if len(l) > 0 {
			t.Errorf("console page: %q", l)
		}
	}
	if !strings.Contains(rep.CSP, "default-src 'self'") || !strings.Contains(rep.CSP, "script-src 'self'") {
		t.Errorf("Content-Security-Policy %q, want default-src and script-src 'self'", rep.CSP)
	}
	for _, r := range rep.Requests {
		if strings.Contains(r, "http://") && strings.HasPrefix(rep.PageURL, "https://") {
			t.Errorf("request to http:// from an https page: %s", r)
		}
	}
	if rep.ServerStatus != "Ready" || len(rep.ServerFacts) < 3 || rep.ServerFacts[1] != "local" {
		t.Errorf("server status %q facts %q, want Ready with the local backend", rep.ServerStatus, rep.ServerFacts)
	}
	if len(rep.KBs) == 0 || len(rep.KBFacts) == 0 || !strings.Contains(rep.KBFacts[0], "Documents") || !strings.Contains(rep.KBFacts[0], "Formats") {
		t.Errorf("knowledge bases %q facts %q, want documents and formats", rep.KBs, rep.KBFacts)
	}
	if len(rep.Results) == 0 || len(rep.Marks) == 0 || len(rep.Scores) != len(rep.Results) {
		t.Errorf("search: %q, %d results, %d marked words, %d scores", rep.SearchStatus, len(rep.Results), len(rep.Marks), len(rep.Scores))
	}
	var vscode struct {
		Servers map[string]struct {
			Type, URL string
		} `json:"servers"`
	}
	if err := json.Unmarshal([]byte(rep.Copied), &vscode); err != nil || vscode.Servers["knowledge"].URL != endpoint {
		t.Errorf("copied VS Code configuration %q (%v), want the endpoint %s", rep.Copied, err, endpoint)
	}
	if rep.Endpoint != endpoint {
		t.Errorf("endpoint shown %q, want %s", rep.Endpoint, endpoint)
	}
	if rep.DocumentTitle == "" || rep.DocumentBlocks < 3 {
		t.Errorf("document view: title %q, %d blocks", rep.DocumentTitle, rep.DocumentBlocks)
	}
	if len(rep.SelfCheck) < 8 {
		t.Errorf("self-check: %q %q, want the doctor's 8 checks", rep.SelfCheckStatus, rep.SelfCheck)
	}
	for _, c := range rep.SelfCheck {
		if strings.HasPrefix(c, "fail") {
			t.Errorf("self-check: %s", c)
		}
	}
	if rep.PhoneResults == 0 || rep.PhoneOverflow > 0 {
		t.Errorf("phone: %d results, page %d px wider than the screen", rep.PhoneResults, rep.PhoneOverflow)
	}
}

// testConsole loads the console through the chain (nginx terminating TLS
// under the name the browser uses), after checking that / answers health
// checkers there.
func (c *chain) testConsole(t *testing.T) {
	base := strings.TrimSuffix(c.proxy.browserEndpoint(), "/mcp")
	for _, tc := range []struct{ name, userAgent, accept, wantType string }{
		{"ALB health check", "ELB-HealthChecker/2.0", "", "application/json"},
		{"curl", "curl/8.5.0", "*/*", "application/json"},
		{"browser", "Mozilla/5.0", "text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8"},
	} {
		req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(c.proxy.endpoint(), "/mcp")+"/", nil)
		req.Header.Set("User-Agent", tc.userAgent)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		ex, err := do(c.client, req)
		if err != nil || ex.status != 200 || ex.header.Get("Content-Type") != tc.wantType {
			t.Errorf("GET / as %s through nginx: %d %q %v, want 200 %s", tc.name, ex.status, ex.header.Get("Content-Type"), err, tc.wantType)
		}
	}
	// Straight to a replica, without the CDN's secret: the health checker
	// passes, a browser does not.
	for _, tc := range []struct {
		accept string
		want   int
	}{{"", 200}, {"text/html", 403}} {
		req, _ := http.NewRequest(http.MethodGet, c.a.baseURL()+"/", nil)
		req.Header.Set("User-Agent", "ELB-HealthChecker/2.0")
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET / on a replica without the origin secret, Accept %q: %d, want %d", tc.accept, resp.StatusCode, tc.want)
		}
	}
	rep := runConsole(t, base+"/", "console-chain", c.searchQuery, "")
	checkConsole(t, rep, c.proxy.browserEndpoint())
	if rep.AuthShown {
		t.Errorf("sign-in shown on a server without authentication")
	}
}

// TestConsole loads the console straight from a server with AUTH=api-key:
// the page loads but shows no knowledge-base data and calls nothing until
// the key is entered, a wrong key shows the server's 401 message, the key
// stays in the tab's sessionStorage and out of the server's log. With the
// console off, / still answers 200 JSON to everyone.
func TestConsole(t *testing.T) {
	keyBytes := make([]byte, 16)
	_, _ = rand.Read(keyBytes)
	key := hex.EncodeToString(keyBytes)
	r := startReplica(t, "console-auth", freePort(t), "AUTH=api-key", "API_KEYS="+key)

	t.Run("HealthCheckWithAuth", func(t *testing.T) {
		resp, err := http.Get(r.baseURL() + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"ready"`) {
			t.Errorf("GET / without a key: %d %s, want 200 ready", resp.StatusCode, body)
		}
	})

	t.Run("Browser", func(t *testing.T) {
		rep := runConsole(t, r.baseURL()+"/", "console-direct-auth", "knowledge base search", key)
		// Chromium logs the refused wrong key as a failed resource load:
		// that one line is expected, no other.
		var refused int
		rep.Console = slices.DeleteFunc(rep.Console, func(l string) bool {
			if strings.Contains(l, "status of 401 (Unauthorized)") {
				refused++
				return true
			}
			return false
		})
		if refused != 1 {
			t.Errorf("%d refused requests in the browser console, want 1 (the wrong key)", refused)
		}
		checkConsole(t, rep, r.endpoint())
		if !rep.AuthShown || len(rep.KBsBeforeKey) != 0 || rep.MCPCallsBeforeKey != 0 {
			t.Errorf("before the key: sign-in shown %v, knowledge bases %q, %d /mcp calls; want the sign-in only",
				rep.AuthShown, rep.KBsBeforeKey, rep.MCPCallsBeforeKey)
		}
		if want := "HTTP 401: invalid API key in the X-API-Key header"; rep.WrongKeyError != want || len(rep.KBsAfterWrongKey) != 0 {
			t.Errorf("wrong key: %q with knowledge bases %q, want %q and none", rep.WrongKeyError, rep.KBsAfterWrongKey, want)
		}
		if len(rep.StoredIn.Session) != 1 || len(rep.StoredIn.Local) != 0 {
			t.Errorf("key stored in sessionStorage %q and localStorage %q; want the tab's sessionStorage only", rep.StoredIn.Session, rep.StoredIn.Local)
		}
		if strings.Contains(r.logText(), key) {
			t.Errorf("the server's log holds the API key")
		}
	})

	t.Run("ConsoleOff", func(t *testing.T) {
		off := startReplica(t, "console-off", freePort(t), "CONSOLE=false")
		for _, tc := range []struct {
			path, accept string
			want         int
			wantType     string
		}{
			{"/", "text/html,application/xhtml+xml,*/*;q=0.8", 200, "application/json"},
			{"/", "", 200, "application/json"},
			{"/console/console.css", "", 404, ""},
		} {
			req, _ := http.NewRequest(http.MethodGet, off.baseURL()+tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want || (tc.wantType != "" && resp.Header.Get("Content-Type") != tc.wantType) {
				t.Errorf("console off: GET %s (Accept %q): %d %q, want %d %s", tc.path, tc.accept, resp.StatusCode, resp.Header.Get("Content-Type"), tc.want, tc.wantType)
			}
		}
	})
}
