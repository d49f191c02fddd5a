package main

import (
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	tests := []struct {
		in        string
		keepLines bool
		want      string
	}{
		{"plain text, é ü 中", false, "plain text, é ü 中"},
		{"\x1b]0;pwned\x07title", false, `\x1b]0;pwned\x07title`},
		{"red \x1b[31mtext\x1b[0m", false, `red \x1b[31mtext\x1b[0m`},
		{"fake\rline", false, `fake\x0dline`},
		{"two\nlines\tand tab", false, `two\x0alines\x09and tab`},
		{"two\nlines\tand tab", true, "two\nlines\tand tab"},
		{"c1 \u009b31m", true, `c1 \u009b31m`},
		{"bidi \u202eevil\u202c", false, `bidi \u202eevil\u202c`},
		{"del \x7f", false, `del \x7f`},
	}
	for _, tt := range tests {
		if got := printable(tt.in, tt.keepLines); got != tt.want {
			t.Errorf("printable(%q, %v) = %q, want %q", tt.in, tt.keepLines, got, tt.want)
		}
	}
}

// TestIndexAndSearchEscapeControlCharacters requires file names and chunk
// text holding terminal escape sequences to be printed escaped by index and
// search: they were printed raw, so a document could recolour the terminal,
// move the cursor or set its title.
func TestIndexAndSearchEscapeControlCharacters(t *testing.T) {
	dir := t.TempDir()
	data := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"evil\x1b[2Jname.md":              "# Title \x1b]0;owned\x07here\n\nrotate the keys \x1b[31mnow\x1b[0m please\n",
		"bad\x1bsidecar.md":               "# Other\n\nbody\n",
		"bad\x1bsidecar.md.metadata.json": "{",
	})
	code, stdout, stderr := runCLI(t, nil, "index", dir, "--kb", "evil", "--data-dir", data)
	if code != 0 {
		t.Fatalf("index exit %d: %s", code, stderr)
	}
	code, out, errOut := runCLI(t, nil, "search", "rotate keys", "--kb", "evil", "--data-dir", data)
	if code != 0 {
		t.Fatalf("search exit %d: %s", code, errOut)
	}
	for name, text := range map[string]string{"index stdout": stdout, "index stderr": stderr, "search stdout": out, "search stderr": errOut} {
		if strings.ContainsAny(text, "\x1b\x07") {
			t.Errorf("%s holds a raw control character:\n%q", name, text)
		}
	}
	if !strings.Contains(out, `\x1b[31mnow`) || !strings.Contains(out, `Title \x1b]0;owned\x07here`) {
		t.Errorf("search output does not show the escapes:\n%s", out)
	}
	if !strings.Contains(stderr, `bad\x1bsidecar.md`) {
		t.Errorf("index does not name the skipped file escaped:\n%s", stderr)
	}
}
