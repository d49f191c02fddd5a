package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWalkSkips(t *testing.T) {
	listing, err := Walk("testdata/folder", WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	files, skips := listing.Files, listing.Skipped
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
	os.WriteFile(filepath.Join(dir, "empty.md"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "blank.txt"), []byte("\n  \n"), 0o644)
	os.WriteFile(filepath.Join(dir, "meta-only.md"), []byte("---\ntitle: x\n---\n\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "side.md"), []byte("body"), 0o644)
	os.WriteFile(filepath.Join(dir, "side.md.metadata.json"), []byte(`{"attrs":{}}`), 0o644)
	tests := []struct{ path, reason string }{
		{"blob.txt", "binary"},
		{"big.md", "too large: 2000 bytes, the limit is 1000"},
		{"empty.md", "empty file"},
		{"blank.txt", "empty file"},
		{"meta-only.md", "no text to index (front matter only)"},
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

// A front matter error costs the metadata, not the document: the body is
// indexed and one warning names the file line the error is on.
func TestFrontMatterErrorsKeepTheBody(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		warning  string
		body     string
	}{
		{"not YAML", "---\ntitle: ok\n\tteam: x\n---\n# Body\ntext\n", 3, "front matter is not valid YAML (found a tab character that violates indentation)", "# Body\ntext\n"},
		{"mapping error", "---\na: 1\nb: : x\n---\nbody\n", 3, "mapping values are not allowed in this context", "body\n"},
		{"a list", "---\n- a\n- b\n---\nbody\n", 2, "cannot unmarshal !!seq", "body\n"},
		{"duplicate key", "---\ntitle: x\ntitle: y\n---\nbody\n", 3, `mapping key "title" already defined at line 2`, "body\n"},
		{"never closed", "---\ntitle: x\nbody\n", 1, "front matter opened with --- is never closed", "---\ntitle: x\nbody\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse("docs/a.md", []byte(tt.in), nil, "h")
			if err != nil {
				t.Fatalf("Parse: %v; want the body indexed", err)
			}
			if doc.Text != tt.body {
				t.Errorf("text = %q, want %q", doc.Text, tt.body)
			}
			if len(doc.Metadata) != 0 {
				t.Errorf("metadata = %v, want none", doc.Metadata)
			}
			if len(doc.Warnings) != 1 {
				t.Fatalf("warnings = %v, want one", doc.Warnings)
			}
			w := doc.Warnings[0]
			if w.Path != "docs/a.md" || w.Line != tt.line || !strings.Contains(w.Message, tt.warning) {
				t.Errorf("warning = %+v, want line %d and %q", w, tt.line, tt.warning)
			}
			if s := w.String(); !strings.HasPrefix(s, fmt.Sprintf("docs/a.md:%d: ", tt.line)) || strings.Contains(s, "\n") {
				t.Errorf("warning reads %q, want one line starting docs/a.md:%d:", s, tt.line)
			}
		})
	}
}

func TestTextTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Release checklist\n\nStep one.\n", "Release checklist"},
		{"\n\n  Rotating credentials  \nbody", "Rotating credentials"},
		{"Retries happen three times before the job fails.\nmore", "notes"},
		{"a line that goes on and on with many words and never seems to end at all here\n", "notes"},
		{"Note:\nbody", "notes"},
		{"12345\nbody", "notes"},
		{"=====\nRST Title\n=====\n", "RST Title"},
		{"= AsciiDoc Title\n\ntext", "AsciiDoc Title"},
		{"What is a chunk?\nA piece.", "What is a chunk?"},
	}
	for _, tt := range tests {
		doc, err := Parse("dir/notes.txt", []byte(tt.in), nil, "h")
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if doc.Title != tt.want {
			t.Errorf("%q: title %q, want %q", tt.in, doc.Title, tt.want)
		}
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
