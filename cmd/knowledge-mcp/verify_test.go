package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

// runVerifyCmd runs "knowledge-mcp verify args..." in-process with the
// given environment and returns the exit status, stdout and stderr.
func runVerifyCmd(t *testing.T, envVars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &environment{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return envVars[k] }}
	code := run(context.Background(), env, append([]string{"verify"}, args...))
	return code, stdout.String(), stderr.String()
}

func ownServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(httpserver.New(mcpserver.New(mcpserver.Options{}), httpserver.Options{}))
	t.Cleanup(srv.Close)
	return srv
}

func TestVerifyCommandExitStatus(t *testing.T) {
	own := ownServer(t)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Server", "awselb/2.0")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "503 Service Temporarily Unavailable")
	}))
	t.Cleanup(broken.Close)

	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		inStdout []string
		inStderr []string
	}{
		{name: "our server passes", args: []string{own.URL + "/mcp"}, code: 0,
			inStdout: []string{"postman", "PASS", "OK:"}},
		{name: "flags after the URL", args: []string{own.URL + "/mcp", "--calls", "3", "--color", "never"}, code: 0,
			inStdout: []string{"3 × simpleadd"}},
		{name: "an ALB without healthy targets fails", args: []string{broken.URL + "/mcp"}, code: 1,
			inStdout: []string{"FAIL", "cause P3", "no healthy targets"}, inStderr: []string{"1 check failed"}},
		{name: "good template", args: []string{"--template", "../../internal/verify/template/testdata/good.yaml"}, code: 0,
			inStdout: []string{"origin-protocol", "OK:"}},
		{name: "flawed template", args: []string{"--template", "../../internal/verify/template/testdata/p1-https-origin.json"}, code: 1,
			inStdout: []string{"cause P1"}},
		{name: "template from the environment", env: map[string]string{"VERIFY_TEMPLATE": "../../internal/verify/template/testdata/p8-sticky.yaml"}, code: 0,
			inStdout: []string{"stickiness", "WARN"}},
		{name: "no URL", args: nil, code: 2, inStderr: []string{"missing the endpoint URL"}},
		{name: "two URLs", args: []string{own.URL, own.URL}, code: 2, inStderr: []string{"one URL at a time"}},
		{name: "not http", args: []string{"ftp://example.com/mcp"}, code: 2, inStderr: []string{"scheme must be https://"}},
		{name: "calls out of range", args: []string{"--calls", "0", own.URL}, code: 2, inStderr: []string{"VERIFY_CALLS"}},
		{name: "bad colour", args: []string{"--color", "purple", own.URL}, code: 2, inStderr: []string{"VERIFY_COLOR"}},
		{name: "origin with a path", args: []string{"--origin", "https://app.example/page", own.URL}, code: 2, inStderr: []string{"has a path"}},
		{name: "bad env value", env: map[string]string{"VERIFY_TIMEOUT": "soon"}, args: []string{own.URL}, code: 2, inStderr: []string{"VERIFY_TIMEOUT"}},
		{name: "URL and template", args: []string{"--template", "x.yaml", own.URL}, code: 2, inStderr: []string{"not both"}},
		{name: "missing template", args: []string{"--template", "testdata/none.yaml"}, code: 2, inStderr: []string{"none.yaml"}},
		{name: "missing CA file", args: []string{"--ca-file", "testdata/none.pem", own.URL}, code: 2, inStderr: []string{"ca-file"}},
		{name: "help lists the environment names", args: []string{"--help"}, code: 0,
			inStdout: []string{"VERIFY_ORIGIN", "VERIFY_TOKEN", "VERIFY_API_KEY", "VERIFY_API_KEY_HEADER", "VERIFY_JSON", "VERIFY_CALLS", "VERIFY_TIMEOUT", "VERIFY_INSECURE", "VERIFY_CA_FILE", "VERIFY_TEMPLATE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runVerifyCmd(t, tt.env, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, s := range tt.inStdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tt.inStderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if strings.Contains(stdout, "\x1b[") {
				t.Errorf("colours on a non-terminal:\n%s", stdout)
			}
		})
	}
}

// TestVerifyCommandJSON: --json (or VERIFY_JSON) prints the whole report as
// JSON; the token never appears in it.
func TestVerifyCommandJSON(t *testing.T) {
	own := ownServer(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"flag", nil, []string{"--json", "--token", "secret-token-value", own.URL + "/mcp"}},
		{"environment", map[string]string{"VERIFY_JSON": "true", "VERIFY_TOKEN": "secret-token-value"}, []string{own.URL + "/mcp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runVerifyCmd(t, tc.env, tc.args...)
			var report struct {
				OK     bool `json:"ok"`
				Checks []struct {
					ID      string             `json:"id"`
					Status  string             `json:"status"`
					Metrics map[string]float64 `json:"metrics"`
				} `json:"checks"`
			}
			if err := json.Unmarshal([]byte(stdout), &report); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s\n%s", err, stdout, stderr)
			}
			if len(report.Checks) != 8 {
				t.Fatalf("%d checks, want 8", len(report.Checks))
			}
			if m := report.Checks[6].Metrics; report.Checks[6].ID != "latency" || m["calls"] != 10 || m["p50_ms"] <= 0 || m["p95_ms"] < m["p50_ms"] || m["max_ms"] < m["p95_ms"] {
				t.Errorf("latency metrics = %v, want 10 calls with 0 < p50 <= p95 <= max", m)
			}
			// Our server has no auth: a token given but not required is
			// "auth not enforced", a failure.
			if code != 1 || report.OK {
				t.Errorf("exit %d ok=%v; want 1 and false (auth not enforced)", code, report.OK)
			}
			if strings.Contains(stdout, "secret-token-value") || strings.Contains(stderr, "secret-token-value") {
				t.Error("the token appears in the output")
			}
		})
	}
}
