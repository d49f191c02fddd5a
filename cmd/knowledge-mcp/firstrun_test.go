package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/golden"
)

// checkGolden compares got with testdata/name (golden.Check).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}

// normalize replaces the temporary folders and timings of a run with
// fixed words, so that its output can be compared with a golden file.
func normalize(s string, paths map[string]string) string {
	for p, word := range paths {
		s = strings.ReplaceAll(s, p, word)
	}
	s = regexp.MustCompile(`in \d+(\.\d+)?(ns|µs|ms|s) \([\d.]+ (bytes|byte|KB|MB)/s\)`).ReplaceAllString(s, "in TIME (RATE)")
	return s
}

// repoTree is a small repository as a new user points "index" at it:
// dependencies, build output, an ignored folder, and files with the
// problems people's folders have.
var repoTree = map[string]string{
	".gitignore":               "build/\n*.log\n",
	"docs/.gitignore":          "drafts/\n",
	".kbignore":                "CHANGELOG.md\n",
	"README.md":                "# Widget\n\nThe widget rotates keys.\n",
	"CHANGELOG.md":             "# Changes\n",
	"docs/guide.md":            "---\ntitle: Guide\n\tteam: ops\n---\n# Guide\n\nRotate the keys every quarter.\n",
	"docs/drafts/wip.md":       "# Work in progress\n",
	"docs/empty.md":            "",
	"docs/release-notes.txt":   "Release notes for 2.0\n\nThe rotation is now automatic.\n",
	"docs/run.txt":             "run the job every night, and check that it finished.\n",
	"build/out.md":             "# Generated\n",
	"node_modules/x/README.md": "# x\n\nA dependency's readme.\n",
	"vendor/y/doc.md":          "# y\n",
	".venv/lib/site.txt":       "virtualenv\n",
	"pkg/__pycache__/m.txt":    "cache\n",
	".hidden.md":               "# Hidden\n",
	"image.png":                "\x89PNG",
}

// TestIndexFirstRun is "index" as a new user meets it: what is left out
// and why (dry run), the warning for bad front matter with its line, an
// empty file reported as empty, counts with their plurals, sizes in KB,
// and next steps that carry --data-dir.
func TestIndexFirstRun(t *testing.T) {
	repo, dataDir := filepath.Join(t.TempDir(), "widget"), t.TempDir()
	writeFiles(t, repo, repoTree)
	words := map[string]string{repo: "REPO", dataDir: "DATA"}

	code, out, errOut := runCLI(t, nil, "index", repo, "--dry-run", "--data-dir", dataDir)
	if code != 0 {
		t.Fatalf("dry run: exit %d %s", code, errOut)
	}
	checkGolden(t, "index-dry-run.txt", normalize(out, words))
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Errorf("the dry run wrote %d files in the data folder", len(entries))
	}

	code, out, errOut = runCLI(t, nil, "index", repo, "--data-dir", dataDir)
	if code != 0 {
		t.Fatalf("index: exit %d %s", code, errOut)
	}
	checkGolden(t, "index-first-run.txt", normalize(out, words)+"--- stderr\n"+normalize(errOut, words))
	for _, line := range strings.Split(errOut, "\n") {
		if strings.Contains(line, "docs/empty.md") && !strings.Contains(line, "skipped") {
			t.Errorf("the empty file is named on a line that does not say it was skipped: %q", line)
		}
	}

	// One document: singular nouns.
	one := t.TempDir()
	writeFiles(t, one, map[string]string{"only.md": "# Only\n"})
	_, out, _ = runCLI(t, nil, "index", one, "--kb", "one", "--data-dir", dataDir)
	if !strings.Contains(out, "1 document, 1 chunk, 7 bytes read") {
		t.Errorf("want singular counts and bytes:\n%s", out)
	}

	// include/exclude globs narrow the walk; a bad glob is a usage error.
	_, out, _ = runCLI(t, nil, "index", repo, "--dry-run", "--include", "*.txt", "--data-dir", dataDir)
	if !strings.Contains(out, "would read 2 files") || !regexp.MustCompile(`README\.md\s+ignored: not matched by --include`).MatchString(out) {
		t.Errorf("--include *.txt:\n%s", out)
	}
	code, _, errOut = runCLI(t, nil, "index", repo, "--exclude", "[x", "--data-dir", dataDir)
	if code != 2 || !strings.Contains(errOut, `--exclude "[x": not a valid glob`) {
		t.Errorf("bad glob: exit %d %s", code, errOut)
	}
}
