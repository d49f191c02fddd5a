package verify

import (
	"bytes"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/golden"
)

// word finds the words of a text, to spot one written twice in a row, in
// or out of parentheses: "unreachable (unreachable)", "the the".
var word = regexp.MustCompile(`[A-Za-z]{3,}|\S`)

// noInternalWording fails when a report meant for people shows a
// diagnosis's pattern code or a doubled word.
func noInternalWording(t *testing.T, text string) {
	t.Helper()
	for _, code := range []string{"post-404", "post-405", "local-connection-refused", "(unreachable)", "(timeout)"} {
		if strings.Contains(text, code) {
			t.Errorf("the report shows the internal code %q:\n%s", code, text)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		var prev string
		for _, w := range word.FindAllString(line, -1) {
			if w == "(" || w == ")" {
				continue
			}
			if len(w) >= 3 && strings.EqualFold(w, prev) {
				t.Errorf("doubled word %q in the report line %q", w, line)
			}
			prev = w
		}
	}
	if regexp.MustCompile(`\b1 (warnings|checks|failures)\b`).MatchString(text) {
		t.Errorf("a singular count with a plural noun:\n%s", text)
	}
}

// The report a new user gets for a local server that is not running: it
// asks whether the server runs instead of giving AWS advice, and reads as
// plain English.
func TestWordingLocalServerNotRunning(t *testing.T) {
	srv := httptest.NewServer(ownHandler())
	opts := optionsFor(srv)
	srv.Close()
	r := Run(t.Context(), opts)
	var b bytes.Buffer
	if err := r.WriteText(&b, false); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	noInternalWording(t, text)
	if strings.Contains(text, "security group") || strings.Contains(text, "CloudFront") {
		t.Errorf("AWS advice for a refused loopback connection:\n%s", text)
	}
	text = strings.ReplaceAll(text, opts.URL, "http://127.0.0.1:PORT/mcp")
	text = strings.ReplaceAll(text, strings.TrimSuffix(strings.TrimPrefix(opts.URL, "http://"), "/mcp"), "127.0.0.1:PORT")
	text = regexp.MustCompile(`\(\d+(\.\d+)?(ms|µs|s)\)`).ReplaceAllString(text, "(TIME)")
	checkGolden(t, "local-server-not-running.txt", text)
}

// A diagnosis seen again in a later check points back in words, not with
// its pattern code.
func TestWordingRepeatedDiagnosis(t *testing.T) {
	r := &Report{Target: "https://example.com/mcp", Checks: []*Check{
		{ID: "postman", Status: Fail, Summary: "answered 404", Diagnoses: []Diagnosis{diagNotFound}},
		{ID: "session", Status: Fail, Summary: "answered 404", Diagnoses: []Diagnosis{diagNotFound}},
		{ID: "tls", Status: Warn, Summary: "something to look at"},
	}}
	r.Finish()
	var b bytes.Buffer
	if err := r.WriteText(&b, false); err != nil {
		t.Fatal(err)
	}
	noInternalWording(t, b.String())
	if !strings.Contains(b.String(), "cause: the same as under check 1, with its fix") {
		t.Errorf("the repeated diagnosis does not point back to check 1:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "1 warning,") {
		t.Errorf(`want "1 warning," in the verdict:\n%s`, b.String())
	}
}

func TestParseURLWithoutScheme(t *testing.T) {
	tests := []struct{ in, err string }{
		{"127.0.0.1:8080/mcp", `endpoint URL "127.0.0.1:8080/mcp" has no scheme: write http://127.0.0.1:8080/mcp for a local server, https://127.0.0.1:8080/mcp for a deployed one`},
		{"localhost:8080/mcp", `has no scheme: write http://localhost:8080/mcp`},
		{"example.com/mcp", `has no scheme: write http://example.com/mcp for a local server, https://example.com/mcp`},
		{"ftp://example.com/mcp", "scheme must be https://"},
		{"http://127.0.0.1:8080/mcp", ""},
	}
	for _, tt := range tests {
		_, err := ParseURL(tt.in)
		if tt.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: err = %v, want %q", tt.in, err, tt.err)
		}
	}
}

// checkGolden compares got with testdata/name (golden.Check).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}
