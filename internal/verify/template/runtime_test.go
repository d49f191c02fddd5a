package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/verify"
)

// TestRuntimeTemplates checks a synthesized Runtime template (with its CDK
// asset manifest) and each way one goes wrong: the protocol, the port, the
// host, the image's platform.
func TestRuntimeTemplates(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "runtime", "good.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	assets, err := os.ReadFile(filepath.Join("testdata", "runtime", "good.assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		template        func(string) string // edits the good template's text
		assets          func(string) string // edits its manifest; nil: none beside it
		status          verify.Status
		pattern, inText string
	}{
		{"synthesized runtime passes", nil, func(s string) string { return s }, verify.Pass, "", "speaks MCP on port 8000"},
		{"protocol HTTP", func(s string) string {
			return strings.Replace(s, `"ProtocolConfiguration": "MCP"`, `"ProtocolConfiguration": "HTTP"`, 1)
		},
			func(s string) string { return s }, verify.Fail, "template-runtime-protocol", "protocol HTTP, want MCP"},
		{"no protocol", func(s string) string { return strings.Replace(s, `"ProtocolConfiguration": "MCP",`, ``, 1) },
			func(s string) string { return s }, verify.Fail, "template-runtime-protocol", "not set (HTTP)"},
		{"port 8080", func(s string) string { return strings.Replace(s, `"PORT": "8000"`, `"PORT": "8080"`, 1) },
			func(s string) string { return s }, verify.Fail, "template-runtime-port", "PORT=8080, want 8000"},
		{"no port", func(s string) string { return strings.Replace(s, `, "PORT": "8000"`, ``, 1) },
			func(s string) string { return s }, verify.Fail, "template-runtime-port", "no PORT"},
		{"loopback host", func(s string) string { return strings.Replace(s, `"HOST": "0.0.0.0"`, `"HOST": "127.0.0.1"`, 1) },
			func(s string) string { return s }, verify.Fail, "template-runtime-port", "HOST=127.0.0.1"},
		{"amd64 image", nil, func(s string) string { return strings.Replace(s, "linux/arm64", "linux/amd64", 1) },
			verify.Fail, "template-runtime-architecture", "built for linux/amd64"},
		{"image without a platform", nil, func(s string) string { return strings.Replace(s, `, "platform": "linux/arm64"`, ``, 1) },
			verify.Fail, "template-runtime-architecture", "the deploying machine's platform"},
		{"no asset manifest", nil, nil, verify.Warn, "template-runtime-architecture", "no CDK asset manifest"},
		{"manifest of another image", nil, func(s string) string { return strings.ReplaceAll(s, "98b8cf81", "00000000") },
			verify.Warn, "template-runtime-architecture", "names no image the runtime uses"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tmpl := string(good)
			if tc.template != nil {
				tmpl = tc.template(tmpl)
			}
			path := filepath.Join(dir, "KnowledgeMcp.template.json")
			if err := os.WriteFile(path, []byte(tmpl), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.assets != nil {
				if err := os.WriteFile(filepath.Join(dir, "KnowledgeMcp.assets.json"), []byte(tc.assets(string(assets))), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r, err := CheckFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c := r.Check("agentcore-runtime")
			if c.Status != tc.status || !strings.Contains(c.Summary, tc.inText) {
				t.Errorf("status %s (%s), want %s mentioning %q", c.Status, c.Summary, tc.status, tc.inText)
			}
			found := tc.pattern == ""
			for _, d := range c.Diagnoses {
				found = found || d.Pattern == tc.pattern
			}
			if !found {
				t.Errorf("no diagnosis %s in %+v", tc.pattern, c.Diagnoses)
			}
			if r.Failed() != (tc.status == verify.Fail) {
				t.Errorf("Failed() = %v for a %s check", r.Failed(), tc.status)
			}
		})
	}
}
