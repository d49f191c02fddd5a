package ingest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWalkSkips(t *testing.T) {
	files, skips, err := Walk("testdata/folder")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	want := []string{"blob.txt", "guides/deploy.md", "notes.txt", "page.html"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v (hidden folders and sidecars left out)", got, want)
	}
	reasons := map[string]string{}
	for _, s := range skips {
		reasons[s.Path] = s.Reason
	}
	if !strings.Contains(reasons["manual.doc"], "legacy Word .doc; save it as .docx") {
		t.Errorf("manual.doc skip reason = %q, want a line saying to convert it", reasons["manual.doc"])
	}
	if !strings.Contains(reasons["image.png"], "unsupported file type .png") {
		t.Errorf("image.png skip reason = %q", reasons["image.png"])
	}
}

func TestLoadFormats(t *testing.T) {
	tests := []struct {
		path       string
		format     string
		title      string
		meta       map[string]any
		contains   []string
		notContain []string
	}{
		{
			path: "guides/deploy.md", format: FormatMarkdown, title: "Deploying to Fargate",
			meta: map[string]any{
				"title": "Deploying to Fargate", "team": "infra", "year": 2024.0,
				"tags": []any{"aws", "ecs"}, "published": "2024-03-01", "author.name": "Ana", "reviewed": true,
			},
			contains:   []string{"# Deploy", "docker push"},
			notContain: []string{"title: Deploying"},
		},
		{path: "notes.txt", format: FormatText, title: "notes", contains: []string{"retries"}},
		{
			path: "page.html", format: FormatHTML, title: "Errors and Exceptions",
			contains:   []string{"# Errors and Exceptions", "## Syntax Errors", "There are two kinds of errors.", "while True print('x')\n    ^"},
			notContain: []string{"var x", "Home | Next", "Previous topic", "Copyright", "¶", "p{}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			doc, err := Load("testdata/folder", tt.path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if doc.Format != tt.format || doc.Title != tt.title {
				t.Errorf("format, title = %q, %q; want %q, %q", doc.Format, doc.Title, tt.format, tt.title)
			}
			if tt.meta != nil && !reflect.DeepEqual(doc.Metadata, tt.meta) {
				t.Errorf("metadata = %#v\nwant %#v", doc.Metadata, tt.meta)
			}
			for _, s := range tt.contains {
				if !strings.Contains(doc.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, doc.Text)
				}
			}
			for _, s := range tt.notContain {
				if strings.Contains(doc.Text, s) {
					t.Errorf("text has %q:\n%s", s, doc.Text)
				}
			}
			if len(doc.Hash) != 32 {
				t.Errorf("hash %q", doc.Hash)
			}
		})
	}
}

func TestHTMLAnchors(t *testing.T) {
	doc, err := Load("testdata/folder", "page.html", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"errors": "# Errors", "syntax-errors": "## Syntax", "index-1": "Syntax errors are"} {
		off, ok := doc.Anchors[id]
		if !ok {
			t.Errorf("anchor %q missing", id)
			continue
		}
		if !strings.HasPrefix(strings.TrimSpace(doc.Text[off:]), want) {
			t.Errorf("anchor %q at %d points at %q, want %q", id, off, doc.Text[off:min(off+20, len(doc.Text))], want)
		}
	}
}

func TestLoadSkips(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "big.md"), []byte(strings.Repeat("a", 2000)), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.md"), []byte("---\ntitle: [unclosed\n---\nbody"), 0o644)
	os.WriteFile(filepath.Join(dir, "open.md"), []byte("---\ntitle: x\nbody"), 0o644)
	os.WriteFile(filepath.Join(dir, "side.md"), []byte("body"), 0o644)
	os.WriteFile(filepath.Join(dir, "side.md.metadata.json"), []byte(`{"attrs":{}}`), 0o644)
	tests := []struct{ path, reason string }{
		{"blob.txt", "binary"},
		{"big.md", "too large: 2000 bytes, the limit is 1000"},
		{"bad.md", "front matter is not valid YAML"},
		{"open.md", "never closed"},
		{"side.md", "metadataAttributes"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			root := dir
			if tt.path == "blob.txt" {
				root = "testdata/folder"
			}
			_, err := Load(root, tt.path, Options{MaxFileBytes: 1000})
			wantSkip(t, err, tt.path, tt.reason)
		})
	}
}

func TestParseSidecar(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]any
		err      string
	}{
		{"plain values", `{"metadataAttributes":{"s":"x","n":3,"b":false,"l":["a","b"]}}`,
			map[string]any{"s": "x", "n": 3.0, "b": false, "l": []any{"a", "b"}}, ""},
		{"typed values", `{"metadataAttributes":{
			"s":{"value":{"type":"STRING","stringValue":"x"},"includeForEmbedding":true},
			"n":{"value":{"type":"NUMBER","numberValue":2.5}},
			"b":{"value":{"type":"BOOLEAN","booleanValue":true}},
			"l":{"value":{"type":"STRING_LIST","stringListValue":["a","b"]}}}}`,
			map[string]any{"s": "x", "n": 2.5, "b": true, "l": []any{"a", "b"}}, ""},
		{"unknown type", `{"metadataAttributes":{"k":{"value":{"type":"DATE","stringValue":"x"}}}}`, nil, `attribute "k": unknown type "DATE"`},
		{"missing typed field", `{"metadataAttributes":{"k":{"value":{"type":"NUMBER"}}}}`, nil, "needs numberValue"},
		{"object without value", `{"metadataAttributes":{"k":{"x":1}}}`, nil, "typed form"},
		{"null", `{"metadataAttributes":{"k":null}}`, nil, "null"},
		{"not json", `{`, nil, "not valid JSON"},
		{"no attributes", `{}`, nil, "metadataAttributes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSidecar([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestSafeJoin(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o644)
	os.MkdirAll(filepath.Join(root, "sub"), 0o755)
	os.WriteFile(filepath.Join(root, "sub", "ok.md"), []byte("ok"), 0o644)
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "outdir")); err != nil {
		t.Fatal(err)
	}
	os.Symlink(filepath.Join(root, "sub", "ok.md"), filepath.Join(root, "inside.md"))
	tests := []struct {
		rel, err string
	}{
		{"sub/ok.md", ""},
		{"inside.md", ""},
		{"../secret.txt", `contains ".."`},
		{"sub/../../x", `contains ".."`},
		{`sub\..\..\x`, `contains ".."`},
		{"/etc/passwd", "absolute"},
		{"escape.txt", "symlink leading outside"},
		{"outdir/secret.txt", "symlink leading outside"},
		{"", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			_, err := SafeJoin(root, tt.rel)
			if tt.err == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
}
