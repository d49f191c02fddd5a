package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// pdfStore indexes a folder holding the three-page PDF fixture and a
// Markdown file, and serves it as "manuals".
func pdfStore(t *testing.T) (store *Store, dir, dataDir string) {
	t.Helper()
	dir, dataDir = t.TempDir(), t.TempDir()
	pdf, err := os.ReadFile("../../ingest/testdata/formats/guide.pdf")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "guide.pdf"), pdf, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.md"), []byte("# Notes\n\nPumps are grey.\n"), 0o644)
	st, err := Build(context.Background(), BuildOptions{Dir: dir, Name: "manuals", DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	store = NewStore(nil)
	if err := store.AddIndexFile("manuals", st.Path, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store, dir, dataDir
}

// Chunks keep their page in the index, also when an unchanged file's
// chunks are reused by a later build.
func TestSearchResultsCarryPages(t *testing.T) {
	store, dir, dataDir := pdfStore(t)
	check := func(when string, store *Store) {
		for query, page := range map[string]int{"grease bearings": 2, "mechanical seal impeller": 3, "level concrete base": 1, "pumps grey": 0} {
			res := search(t, store, kb.Query{Text: query, MaxResults: 1})
			if len(res) == 0 || res[0].Page != page {
				t.Errorf("%s: %q: %+v; want page %d", when, query, res, page)
			}
		}
	}
	check("first build", store)
	st, err := Build(context.Background(), BuildOptions{Dir: dir, Name: "manuals", DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if st.Unchanged != 2 || st.Formats["pdf"] != 1 || st.Formats["markdown"] != 1 {
		t.Fatalf("second build: %+v", st)
	}
	fresh := NewStore(nil)
	if err := fresh.AddIndexFile("manuals", st.Path, ""); err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	check("reused chunks", fresh)
}

func TestGetDocumentPages(t *testing.T) {
	store, _, _ := pdfStore(t)
	ctx := context.Background()
	tests := []struct {
		name        string
		uri         string
		first, last int
		want        kb.PageSpan
		has, hasNot string
		err         string
	}{
		{name: "one page", uri: "guide.pdf", first: 2, last: 2, want: kb.PageSpan{First: 2, Last: 2, Total: 3}, has: "Grease the bearings", hasNot: "Bolt"},
		{name: "to the end", uri: "kb://manuals/guide.pdf", first: 2, want: kb.PageSpan{First: 2, Last: 3, Total: 3}, has: "mechanical seal", hasNot: "Bolt"},
		{name: "past the end is cut", uri: "guide.pdf", first: 3, last: 9, want: kb.PageSpan{First: 3, Last: 3, Total: 3}, has: "Seals"},
		{name: "first past the end", uri: "guide.pdf", first: 4, last: 5, err: "past its last page, 3"},
		{name: "page zero", uri: "guide.pdf", first: 0, last: 1, err: "pages count from 1"},
		{name: "no pages", uri: "notes.md", first: 1, last: 1, err: "has no pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := store.GetDocumentPages(ctx, "manuals", tt.uri, tt.first, tt.last)
			if tt.err != "" {
				if !errors.Is(err, kb.ErrInvalidArgument) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want an invalid argument saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *doc.Pages != tt.want || !strings.Contains(doc.Text, tt.has) || (tt.hasNot != "" && strings.Contains(doc.Text, tt.hasNot)) {
				t.Errorf("pages %+v (want %+v), text:\n%s", *doc.Pages, tt.want, doc.Text)
			}
		})
	}
	whole, err := store.GetDocument(ctx, "manuals", "guide.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if *whole.Pages != (kb.PageSpan{First: 1, Last: 3, Total: 3}) || whole.MIMEType != "text/markdown" || whole.Metadata["author"] != "Dara Quinn" {
		t.Errorf("whole document: pages %+v, type %q, metadata %v", whole.Pages, whole.MIMEType, whole.Metadata)
	}
}

// An index written in the format before pages were stored is not read; a
// build replaces it, saying why.
func TestOldIndexFormatIsRebuilt(t *testing.T) {
	_, dir, dataDir := pdfStore(t)
	path := IndexPath(dataDir, "manuals")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[7] = 1 // the format byte of the magic
	os.WriteFile(path, b, 0o644)
	if _, err := openIndexFile(path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "index format 1 is not the format 2") {
		t.Fatalf("opening a format-1 index: %v", err)
	}
	st, err := Build(context.Background(), BuildOptions{Dir: dir, Name: "manuals", DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if st.Added != 2 || !strings.Contains(st.Previous, "index format 1") {
		t.Errorf("rebuild: %+v", st)
	}
}
