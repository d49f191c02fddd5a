//go:build linux

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Matches in search snippets are bold on a terminal, plain when piped or
// with NO_COLOR, and never show as ** or as the document's own Markdown
// emphasis.
func TestSearchSnippetStyling(t *testing.T) {
	folder, dataDir := t.TempDir(), t.TempDir()
	writeFiles(t, folder, map[string]string{"keys.md": "# Keys\n\n***Rotate*** the signing keys every quarter; **rotate** them at once after a leak.\n"})
	if code, _, errOut := runCLI(t, nil, "index", folder, "--kb", "keys", "--data-dir", dataDir); code != 0 {
		t.Fatalf("index: %s", errOut)
	}
	args := []string{"search", "rotate keys", "--kb", "keys", "--data-dir", dataDir}
	tests := []struct {
		name     string
		terminal bool
		env      map[string]string
		bold     bool
	}{
		{"piped", false, nil, false},
		{"terminal", true, nil, true},
		{"terminal with NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, false},
		{"terminal with TERM=dumb", true, map[string]string{"TERM": "dumb"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out string
			var stderr bytes.Buffer
			getenv := func(k string) string { return tt.env[k] }
			if tt.terminal {
				term := newTerminal(t)
				code := run(context.Background(), &environment{stdin: strings.NewReader(""), stdout: term.tty, stderr: &stderr, getenv: getenv}, args)
				out = term.Output()
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
			} else {
				var stdout bytes.Buffer
				if code := run(context.Background(), &environment{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: getenv}, args); code != 0 {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
				out = stdout.String()
			}
			if strings.Contains(out, "*") {
				t.Errorf("stars in the output:\n%s", out)
			}
			if has := strings.Contains(out, "\x1b[1mRotate\x1b[22m"); has != tt.bold {
				t.Errorf("bold match present = %v, want %v:\n%q", has, tt.bold, out)
			}
			if !tt.bold && strings.Contains(out, "\x1b[") {
				t.Errorf("escape codes where output must be plain:\n%q", out)
			}
			if !strings.Contains(out, "the signing keys every quarter") && !strings.Contains(out, "signing \x1b[1mkeys\x1b[22m every quarter") {
				t.Errorf("snippet missing:\n%q", out)
			}
		})
	}
}
