package ingest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeTree creates files (path → content) under a new temporary folder.
// Trees with ignore files are built here rather than kept in testdata/,
// where this repository's own git would apply them to the fixtures.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// kept reports, for each path, whether the walk kept it (as a file or a
// skip of an unsupported type), and fails when it is neither kept nor
// reported as ignored.
func kept(t *testing.T, l *Listing, paths []string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, f := range l.Files {
		out[f.Path] = true
	}
	for _, s := range l.Skipped {
		out[s.Path] = true
	}
	for _, p := range paths {
		if out[p] {
			continue
		}
		found := false
		for _, ig := range l.Ignored {
			if ig.Path == p || strings.HasPrefix(p, ig.Path+"/") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s is neither listed nor reported as ignored", p)
		}
	}
	return out
}

// The expectations below are what "git check-ignore --no-index" answers
// for the same tree (git 2.39).
func TestWalkGitignoreSemantics(t *testing.T) {
	tree := map[string]string{
		".gitignore":           "# comment\n*.log\n!keep.log\nbuild/\n/top.txt\ndoc/*.md\na/**/z.txt\n\\#hash.md\nspace.md \n**/deep\nonly/\n",
		"sub/.gitignore":       "*.tmp.md\n!keep.log\n/anch.md\nx/\n",
		"sub/inner/.gitignore": "!*.tmp.md\r\n",
	}
	want := map[string]bool{
		"a.log": false, "keep.log": true, "sub/keep.log": true, "sub/b.log": false,
		"build/x.md": false, "sub/build/y.md": false,
		"top.txt": false, "sub/top.txt": true,
		"doc/a.md": false, "doc/sub/b.md": true, "sub/doc/a.md": true,
		"a/z.txt": false, "a/b/c/z.txt": false,
		"#hash.md": false, "space.md": false,
		"x/deep/f.md": false, "deep/f.md": false,
		"sub/c.tmp.md": false, "c.tmp.md": true, "sub/inner/d.tmp.md": true,
		"sub/anch.md": false, "sub/inner/anch.md": true,
		"sub/x/f.md": false, "x/f.md": true,
		"only": true, "o/only/f.md": false,
	}
	for p := range want {
		tree[p] = "text"
	}
	l, err := Walk(writeTree(t, tree), WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := kept(t, l, slices.Collect(func(yield func(string) bool) {
		for p := range want {
			if !yield(p) {
				return
			}
		}
	}))
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: listed = %v, want %v (git's answer)", p, got[p], w)
		}
	}
	for _, f := range l.Files {
		if strings.HasSuffix(f.Path, ".gitignore") {
			t.Errorf("ignore file %s listed as a document", f.Path)
		}
	}
}

func TestWalkDefaultsAndOwnRules(t *testing.T) {
	tree := map[string]string{
		"README.md":                    "# Repo",
		"node_modules/x/README.md":     "dependency",
		"web/node_modules/y/README.md": "nested dependency",
		"vendor/lib/doc.md":            "vendored",
		".git/description.txt":         "git",
		".venv/lib/site.txt":           "venv",
		"pkg/__pycache__/m.txt":        "cache",
		".notes.md":                    "hidden file",
		"docs/.drafts/wip.md":          "hidden folder",
		"docs/guide.md":                "guide",
		"docs/scratch.md":              "scratch",
		".kbignore":                    "scratch.md\n",
	}
	l, err := Walk(writeTree(t, tree), WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range l.Files {
		files = append(files, f.Path)
	}
	if want := []string{"README.md", "docs/guide.md"}; !slices.Equal(files, want) {
		t.Errorf("files = %v, want %v", files, want)
	}
	reasons := map[string]string{}
	for _, ig := range l.Ignored {
		reasons[ig.Path] = ig.Reason
	}
	for p, want := range map[string]string{
		"node_modules":     "dependency folder (default)",
		"web/node_modules": "dependency folder (default)",
		"vendor":           "dependency folder (default)",
		".git":             "hidden (default)",
		".venv":            "hidden (default)",
		"pkg/__pycache__":  "build output (default)",
		".notes.md":        "hidden (default)",
		"docs/.drafts":     "hidden (default)",
		"docs/scratch.md":  `.kbignore:1 "scratch.md"`,
	} {
		if reasons[p] != want {
			t.Errorf("%s: reason %q, want %q", p, reasons[p], want)
		}
	}
	if _, ok := reasons[".kbignore"]; ok {
		t.Error(".kbignore itself reported as ignored; ignore files are left out silently")
	}

	// .kbignore takes back what the defaults leave out.
	tree[".kbignore"] = "!vendor/\n"
	l, err = Walk(writeTree(t, tree), WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(l.Files, func(f File) bool { return f.Path == "vendor/lib/doc.md" }) {
		t.Errorf(`"!vendor/" in .kbignore did not take vendor back: %v`, l.Files)
	}
}

func TestWalkIncludeExclude(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.md": "a", "b.txt": "b", "docs/c.md": "c", "docs/old/d.md": "d", "docs/e.html": "<p>e</p>",
		".gitignore": "!keep-anyway.md\n", "keep-anyway.md": "x",
	})
	tests := []struct {
		name string
		opts WalkOptions
		want []string
	}{
		{"none", WalkOptions{}, []string{"a.md", "b.txt", "docs/c.md", "docs/e.html", "docs/old/d.md", "keep-anyway.md"}},
		{"include any depth", WalkOptions{Include: []string{"*.md"}}, []string{"a.md", "docs/c.md", "docs/old/d.md", "keep-anyway.md"}},
		{"include a folder", WalkOptions{Include: []string{"docs/**"}}, []string{"docs/c.md", "docs/e.html", "docs/old/d.md"}},
		{"exclude a folder", WalkOptions{Exclude: []string{"old/"}}, []string{"a.md", "b.txt", "docs/c.md", "docs/e.html", "keep-anyway.md"}},
		{"exclude wins over a negation in .gitignore", WalkOptions{Exclude: []string{"*.md"}}, []string{"b.txt", "docs/e.html"}},
		{"both", WalkOptions{Include: []string{"*.md"}, Exclude: []string{"/docs/old"}}, []string{"a.md", "docs/c.md", "keep-anyway.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Walk(root, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range l.Files {
				got = append(got, f.Path)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("files = %v, want %v", got, tt.want)
			}
			for _, ig := range l.Ignored {
				if ig.Reason == "" {
					t.Errorf("%s ignored without a reason", ig.Path)
				}
			}
		})
	}
}

func TestWalkOptionsValidate(t *testing.T) {
	tests := []struct {
		opts WalkOptions
		err  string
	}{
		{WalkOptions{Include: []string{"*.md", "docs/**"}, Exclude: []string{"old/"}}, ""},
		{WalkOptions{Include: []string{"[md"}}, `--include "[md": not a valid glob`},
		{WalkOptions{Exclude: []string{"!keep.md"}}, `--exclude "!keep.md": a glob here cannot start with "!"`},
		{WalkOptions{Exclude: []string{" "}}, "--exclude: empty glob"},
	}
	for _, tt := range tests {
		err := tt.opts.Validate()
		if tt.err == "" {
			if err != nil {
				t.Errorf("%+v: unexpected error %v", tt.opts, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%+v: err = %v, want %q", tt.opts, err, tt.err)
		}
	}
}
