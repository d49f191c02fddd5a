package local

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

var animals = fstest.MapFS{
	"zebra.md": {Data: []byte("---\ntitle: Zebras\ntags: [africa, herds]\n---\n# Zebras\n\nZebra herds migrate across the plains.\n")},
	"owl.md":   {Data: []byte("# Owls\n\nOwls hunt at night.\n\n## Ears\n\nTheir ears sit at different heights.\n")},
}

// TestAddEmbedded serves a knowledge base from an index made by EncodeFS
// and checks it answers as the same documents built by AddFS do.
func TestAddEmbedded(t *testing.T) {
	ctx := context.Background()
	index, err := EncodeFS("animals", "Animal facts", animals)
	if err != nil {
		t.Fatal(err)
	}
	embedded, built := NewStore(nil), NewStore(nil)
	if err := embedded.AddEmbedded("animals", index, animals); err != nil {
		t.Fatal(err)
	}
	if err := built.AddFS("animals", "Animal facts", animals); err != nil {
		t.Fatal(err)
	}
	if err := embedded.AddEmbedded("animals", index, animals); err == nil {
		t.Error("a duplicate name was accepted")
	}
	for _, q := range []string{"zebra herds", "owl ears", "night"} {
		got := search(t, embedded, kb.Query{Text: q, MaxResults: 10})
		want := search(t, built, kb.Query{Text: q, MaxResults: 10})
		if len(got) == 0 || len(got) != len(want) {
			t.Fatalf("%q: %d results, AddFS gives %d", q, len(got), len(want))
		}
		for i := range got {
			if got[i].URI != want[i].URI || got[i].Text != want[i].Text || got[i].Score != want[i].Score || got[i].Title != want[i].Title {
				t.Errorf("%q result %d: %+v, AddFS gives %+v", q, i, got[i], want[i])
			}
		}
	}
	list, err := embedded.ListKnowledgeBases(ctx)
	if err != nil || len(list) != 1 || list[0].Status != "ready" || list[0].Description != "Animal facts" || list[0].Documents != 2 ||
		len(list[0].DataSources) != 1 || list[0].DataSources[0].Type != "EMBEDDED" {
		t.Errorf("list = %+v, %v", list, err)
	}
	doc, err := embedded.GetDocument(ctx, "", "kb://animals/owl.md")
	if err != nil || !strings.Contains(doc.Text, "different heights") {
		t.Errorf("document: %+v %v", doc, err)
	}
	if err := embedded.Ready(ctx); err != nil {
		t.Errorf("Ready = %v", err)
	}
}

// TestAddEmbeddedBadIndex: a damaged or foreign index makes the knowledge
// base unavailable, with a reason, instead of failing the start.
func TestAddEmbeddedBadIndex(t *testing.T) {
	index, err := EncodeFS("animals", "", animals)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := append([]byte(nil), index...)
	corrupt[len(corrupt)/2] ^= 0xff
	for _, tc := range []struct {
		name  string
		index []byte
		want  string
	}{
		{"corrupt", corrupt, "corrupt"},
		{"truncated", index[:len(index)-10], "corrupt"},
		{"other-name", index, `holds knowledge base "animals"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := NewStore(nil)
			if err := store.AddEmbedded(tc.name, tc.index, animals); err != nil {
				t.Fatalf("AddEmbedded = %v; a bad index must only show at first use", err)
			}
			err := store.Ready(context.Background())
			if !errors.Is(err, kb.ErrUnavailable) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Ready = %v, want ErrUnavailable mentioning %q", err, tc.want)
			}
			if _, err := store.Search(context.Background(), kb.Query{Text: "zebra", KnowledgeBaseID: tc.name}); !errors.Is(err, kb.ErrUnavailable) {
				t.Errorf("Search = %v, want ErrUnavailable", err)
			}
		})
	}
	if err := NewStore(nil).AddEmbedded("-bad", index, animals); !errors.Is(err, kb.ErrInvalidArgument) {
		t.Errorf("bad name: %v", err)
	}
}

// TestCheckEncodedFS: an index is current for the documents it was made
// from, and stale once a page, the description or the set of pages
// changes.
func TestCheckEncodedFS(t *testing.T) {
	index, err := EncodeFS("animals", "Animal facts", animals)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckEncodedFS(index, "animals", "Animal facts", animals); err != nil {
		t.Fatalf("fresh index: %v", err)
	}
	edited := fstest.MapFS{"zebra.md": animals["zebra.md"], "owl.md": {Data: []byte("# Owls\n\nOwls hunt at dusk.\n\n## Ears\n\nTheir ears sit at different heights.\n")}}
	fewer := fstest.MapFS{"zebra.md": animals["zebra.md"]}
	retagged := fstest.MapFS{"owl.md": animals["owl.md"], "zebra.md": {Data: []byte("---\ntitle: Zebras\ntags: [africa]\n---\n# Zebras\n\nZebra herds migrate across the plains.\n")}}
	for name, tc := range map[string]struct {
		desc string
		fsys fstest.MapFS
	}{
		"edited page": {"Animal facts", edited},
		"page gone":   {"Animal facts", fewer},
		"new tags":    {"Animal facts", retagged},
		"description": {"Other facts", animals},
	} {
		if err := CheckEncodedFS(index, "animals", tc.desc, tc.fsys); err == nil {
			t.Errorf("%s: the stale index passed", name)
		}
	}
	if err := CheckEncodedFS(index[:20], "animals", "Animal facts", animals); !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated index: %v", err)
	}
}
