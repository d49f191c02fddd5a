package ingest

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestNonFiniteMetadataRefused requires numbers JSON cannot carry to be
// refused where they enter, naming the key, in front matter (YAML has .inf
// and .nan: the body is indexed without metadata, with a warning) and in
// sidecars (1e999 overflows: the file is skipped): such a value made every
// answer holding the document's metadata fail to encode.
func TestNonFiniteMetadataRefused(t *testing.T) {
	tests := []struct {
		name, content, sidecar, want string
	}{
		{"front matter .inf", "---\nweight: .inf\n---\nbody", "", `front matter key "weight": +Inf is not a finite number`},
		{"front matter -.inf", "---\nweight: -.Inf\n---\nbody", "", `key "weight": -Inf`},
		{"front matter .nan", "---\nweight: .nan\n---\nbody", "", `key "weight": NaN`},
		{"front matter list", "---\nw: [1, .inf]\n---\nbody", "", `key "w"`},
		{"front matter nested", "---\na:\n  b: .NaN\n---\nbody", "", `key "a.b"`},
		{"front matter list of maps", "---\nw: [{x: .inf}]\n---\nbody", "", `key "w"`},
		{"sidecar plain", "body", `{"metadataAttributes":{"w":1e999}}`, `attribute "w"`},
		{"sidecar list", "body", `{"metadataAttributes":{"w":[1,-1e999]}}`, `attribute "w"`},
		{"sidecar typed", "body", `{"metadataAttributes":{"w":{"value":{"type":"NUMBER","numberValue":1e400}}}}`, `attribute "w": numberValue`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var side []byte
			if tt.sidecar != "" {
				side = []byte(tt.sidecar)
			}
			doc, err := Parse("doc.md", []byte(tt.content), side, "h")
			if tt.sidecar != "" {
				// A bad sidecar skips the file.
				if !IsSkip(err) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Parse = %+v, %v; want a skip saying %q", doc, err, tt.want)
				}
				return
			}
			// Bad front matter: the body is indexed without metadata, with
			// a warning naming the key.
			if err != nil || len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0].String(), tt.want) || len(doc.Metadata) != 0 || doc.Text != "body" {
				t.Fatalf("Parse = %+v, %v; want the body, no metadata and a warning saying %q", doc, err, tt.want)
			}
		})
	}
	// Large but finite numbers stay.
	doc, err := Parse("doc.md", []byte("---\nweight: 1.7e308\n---\nbody"), []byte(`{"metadataAttributes":{"n":-1.7e308}}`), "h")
	if err != nil || doc.Metadata["weight"] != 1.7e308 || doc.Metadata["n"] != -1.7e308 {
		t.Fatalf("finite extremes: %+v, %v", doc, err)
	}
}

// FuzzParseMetadata feeds arbitrary front matter and sidecars to Parse: it
// must not panic, and whatever metadata it accepts must encode as JSON
// (every search answer carries it).
func FuzzParseMetadata(f *testing.F) {
	f.Add("---\ntitle: x\nweight: 3\ntags: [a, b]\n---\n# T\nbody", `{"metadataAttributes":{"n":1}}`)
	f.Add("---\nweight: .inf\n---\nbody", "")
	f.Add("---\nd: 2024-01-02\nt: 2024-01-02T03:04:05Z\nm: {a: {b: [1, {c: d}]}}\n---\n", `{"metadataAttributes":{"l":{"value":{"type":"STRING_LIST","stringListValue":["a"]}}}}`)
	f.Add("---\n&a [*a]\n---\n", `{"metadataAttributes":{"x":[[1]]}}`)
	f.Fuzz(func(t *testing.T, content, sidecar string) {
		var side []byte
		if sidecar != "" {
			side = []byte(sidecar)
		}
		doc, err := Parse("doc.md", []byte(content), side, "h")
		if err != nil {
			if !IsSkip(err) {
				t.Fatalf("error %v is not a skip", err)
			}
			return
		}
		if _, err := json.Marshal(doc.Metadata); err != nil {
			t.Fatalf("accepted metadata %#v does not encode: %v", doc.Metadata, err)
		}
	})
}
