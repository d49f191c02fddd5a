package docs

import (
	"bytes"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// TestEmbedded checks the built-in knowledge base holds the pages it must:
// a getting-started page and a troubleshooting section for each
// deployment pitfall, P1 to P9.
func TestEmbedded(t *testing.T) {
	pages, err := fs.Glob(FS, "*.md")
	if err != nil || len(pages) < 2 {
		t.Fatalf("embedded pages %v, %v", pages, err)
	}
	trouble, err := fs.ReadFile(FS, "troubleshooting.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"} {
		section := "\n## " + p + ": "
		i := bytes.Index(trouble, []byte(section))
		if i < 0 {
			t.Errorf("troubleshooting.md has no %q section", strings.TrimSpace(section))
			continue
		}
		body := string(trouble[i:])
		if j := strings.Index(body[1:], "\n## "); j > 0 {
			body = body[:j+1]
		}
		for _, part := range []string{"Symptom:", "Cause:", "Fix:"} {
			if !strings.Contains(body, part) {
				t.Errorf("%s section lacks %q", p, part)
			}
		}
	}
	if _, err := fs.ReadFile(FS, "getting-started.md"); err != nil {
		t.Error(err)
	}
}

// TestReadmeCopy keeps docs/README.md, the copy of the project README that
// is compiled into the binary, identical to ../README.md. Refresh it with
// "go generate ./docs".
func TestReadmeCopy(t *testing.T) {
	want, err := os.ReadFile("../README.md")
	if os.IsNotExist(err) {
		t.Skip("no ../README.md yet: nothing to keep in sync")
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("README.md")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("docs/README.md is not a copy of README.md; run: go generate ./docs")
	}
}

// TestIndexCurrent keeps builtin.kbi, the compiled-in index of the pages,
// in step with them. Refresh it with "go generate ./docs".
func TestIndexCurrent(t *testing.T) {
	if err := local.CheckEncodedFS(Index, Name, Description, FS); err != nil {
		t.Fatalf("%s is stale (%v); run: go generate ./docs", IndexFile, err)
	}
}
