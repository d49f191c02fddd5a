package kbtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// Run checks that a backend behaves as the MCP tool layer expects. The
// backend newBackend returns must serve fixture (for the default, load
// [DefaultFixture], e.g. with [Fixture.WriteDir]); Run calls newBackend once
// and shares the backend between its subtests, which only read.
//
// It checks: readiness; listing; that each probe ranks its document first;
// the shape of results (scores descending, text, URI ending with the fixture
// path, knowledge base id, metadata); max results (exactly n when more
// match, the default of 5); every filter operator against [kb.Filter.Match];
// an unknown knowledge base or document → kb.ErrNotFound; get_document
// returning the source text; path traversal refused; bad input →
// kb.ErrInvalidArgument; concurrent searches; and, when the backend offers
// them, document listing ([kb.DocumentLister]) and generation
// ([kb.Generator] that can generate).
func Run(t *testing.T, newBackend func(t *testing.T) kb.Backend, fixture Fixture) {
	t.Helper()
	if len(fixture.KnowledgeBases) == 0 || len(fixture.Probes) == 0 || fixture.CommonTerm == "" {
		t.Fatal("kbtest.Run: the fixture needs knowledge bases, probes and a common term (start from kbtest.DefaultFixture())")
	}
	b := newBackend(t)
	if b == nil {
		t.Fatal("kbtest.Run: newBackend returned nil")
	}
	s := &suite{b: b, fx: fixture, first: fixture.KnowledgeBases[0]}
	t.Run("Ready", s.ready)
	t.Run("ListKnowledgeBases", s.listKnowledgeBases)
	t.Run("Probes", s.probes)
	t.Run("ResultShape", s.resultShape)
	t.Run("MaxResults", s.maxResults)
	t.Run("Filter", s.filter)
	t.Run("UnknownKnowledgeBase", s.unknownKnowledgeBase)
	t.Run("GetDocument", s.getDocument)
	t.Run("GetDocumentRefusesEscapes", s.getDocumentEscapes)
	t.Run("BadInput", s.badInput)
	t.Run("Concurrent", s.concurrent)
	if lister, ok := b.(kb.DocumentLister); ok {
		t.Run("ListDocuments", func(t *testing.T) { s.listDocuments(t, lister) })
	} else {
		t.Log("backend does not implement kb.DocumentLister: document listing not checked")
	}
	if gen, ok := kb.CanGenerate(b); ok {
		t.Run("Ask", func(t *testing.T) { s.ask(t, gen) })
	} else {
		t.Log("backend cannot generate: Ask not checked")
	}
}

type suite struct {
	b     kb.Backend
	fx    Fixture
	first FixtureKnowledgeBase
}

func (s *suite) search(t *testing.T, q kb.Query) []kb.Result {
	t.Helper()
	res, err := s.b.Search(t.Context(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	if res == nil {
		t.Fatalf("Search(%+v) returned a nil result and no error", q)
	}
	return res.Results
}

func (s *suite) ready(t *testing.T) {
	if err := s.b.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
}

func (s *suite) listKnowledgeBases(t *testing.T) {
	got, err := s.b.ListKnowledgeBases(t.Context())
	if err != nil {
		t.Fatalf("ListKnowledgeBases: %v", err)
	}
	byID := map[string]kb.KnowledgeBase{}
	for _, k := range got {
		if k.ID == "" || k.Backend == "" {
			t.Errorf("knowledge base %+v: id and backend must be set", k)
		}
		byID[k.ID] = k
	}
	for _, want := range s.fx.KnowledgeBases {
		k, ok := byID[want.ID]
		if !ok {
			t.Errorf("knowledge base %q not listed; got %v", want.ID, ids(got))
			continue
		}
		if k.Name == "" {
			t.Errorf("knowledge base %q has no name", want.ID)
		}
	}
}

func ids(kbs []kb.KnowledgeBase) []string {
	out := make([]string, len(kbs))
	for i, k := range kbs {
		out[i] = k.ID
	}
	return out
}

func (s *suite) probes(t *testing.T) {
	for _, p := range s.fx.Probes {
		t.Run(p.Query, func(t *testing.T) {
			results := s.search(t, kb.Query{KnowledgeBaseID: p.KnowledgeBaseID, Text: p.Query, MaxResults: 3})
			if len(results) == 0 {
				t.Fatalf("no results; want %s first", p.WantPath)
			}
			if got := s.fx.PathOf(p.KnowledgeBaseID, results[0].URI); got != p.WantPath {
				t.Errorf("first result %q (%s); want %s", results[0].URI, results[0].Title, p.WantPath)
			}
		})
	}
}

func (s *suite) resultShape(t *testing.T) {
	results := s.search(t, kb.Query{KnowledgeBaseID: s.first.ID, Text: s.fx.CommonTerm, MaxResults: 100})
	if len(results) < len(s.first.Documents) {
		t.Fatalf("%d results for %q; want at least one per document (%d)", len(results), s.fx.CommonTerm, len(s.first.Documents))
	}
	for i, r := range results {
		if i > 0 && r.Score > results[i-1].Score {
			t.Errorf("result %d scores %v, above result %d (%v): results must be best first", i, r.Score, i-1, results[i-1].Score)
		}
		if strings.TrimSpace(r.Text) == "" {
			t.Errorf("result %d (%s) has no text", i, r.URI)
		}
		if r.KnowledgeBaseID != s.first.ID {
			t.Errorf("result %d knowledge_base_id %q; want %q", i, r.KnowledgeBaseID, s.first.ID)
		}
		p := s.fx.PathOf(s.first.ID, r.URI)
		if p == "" {
			t.Errorf("result %d URI %q names no fixture document", i, r.URI)
			continue
		}
		doc, _ := s.fx.Document(s.first.ID, p)
		for k, v := range doc.Metadata {
			if got, ok := r.Metadata[k]; !ok || !sameValue(got, v) {
				t.Errorf("result %d (%s) metadata[%q] = %v; want %v", i, p, k, got, v)
			}
		}
	}
}

func (s *suite) maxResults(t *testing.T) {
	for _, tc := range []struct{ ask, want int }{{1, 1}, {3, 3}, {0, kb.DefaultMaxResults}} {
		t.Run(fmt.Sprint(tc.ask), func(t *testing.T) {
			results := s.search(t, kb.Query{KnowledgeBaseID: s.first.ID, Text: s.fx.CommonTerm, MaxResults: tc.ask})
			if len(results) != tc.want {
				t.Errorf("MaxResults %d gave %d results; want %d", tc.ask, len(results), tc.want)
			}
		})
	}
}

// filterCases exercise every operator on the default fixture's metadata
// keys; the expected documents come from kb.Filter.Match, so they hold for any fixture
// with those keys.
var filterCases = []string{
	`{"equals":{"key":"class","value":"bird"}}`,
	`{"notEquals":{"key":"class","value":"bird"}}`,
	`{"greaterThan":{"key":"legs","value":2}}`,
	`{"greaterThanOrEquals":{"key":"legs","value":2}}`,
	`{"lessThan":{"key":"legs","value":4}}`,
	`{"lessThanOrEquals":{"key":"legs","value":3}}`,
	`{"in":{"key":"class","value":["reptile","bird"]}}`,
	`{"notIn":{"key":"class","value":["reptile","bird"]}}`,
	`{"startsWith":{"key":"class","value":"mam"}}`,
	`{"listContains":{"key":"tags","value":"nocturnal"}}`,
	`{"stringContains":{"key":"tags","value":"flight"}}`,
	`{"equals":{"key":"endangered","value":true}}`,
	`{"andAll":[{"equals":{"key":"class","value":"bird"}},{"listContains":{"key":"tags","value":"flightless"}}]}`,
	`{"orAll":[{"equals":{"key":"class","value":"reptile"}},{"equals":{"key":"endangered","value":true}}]}`,
	`{"andAll":[{"orAll":[{"equals":{"key":"class","value":"mammal"}},{"equals":{"key":"class","value":"bird"}}]},{"notEquals":{"key":"endangered","value":true}}]}`,
	`{"equals":{"key":"class","value":"fish"}}`,
}

func (s *suite) filter(t *testing.T) {
	for _, src := range filterCases {
		t.Run(src, func(t *testing.T) {
			f, err := kb.ParseFilter([]byte(src))
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			var want []string
			for _, d := range s.first.Documents {
				if f.Match(d.Metadata) {
					want = append(want, d.Path)
				}
			}
			results := s.search(t, kb.Query{KnowledgeBaseID: s.first.ID, Text: s.fx.CommonTerm, MaxResults: kb.MaxMaxResults, Filter: f})
			var got []string
			for _, r := range results {
				p := s.fx.PathOf(s.first.ID, r.URI)
				if p == "" {
					t.Errorf("result URI %q names no fixture document", r.URI)
				}
				got = append(got, p)
			}
			slices.Sort(got)
			got = slices.Compact(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("documents %v; want %v", got, want)
			}
		})
	}
}

func (s *suite) unknownKnowledgeBase(t *testing.T) {
	const unknown = "no-such-knowledge-base"
	_, err := s.b.Search(t.Context(), kb.Query{KnowledgeBaseID: unknown, Text: s.fx.CommonTerm})
	if !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Search in %q: error %v; want one wrapping kb.ErrNotFound", unknown, err)
	}
	if err != nil && !strings.Contains(err.Error(), s.first.ID) {
		t.Errorf("Search in %q: error %q should list the known knowledge bases (e.g. %q)", unknown, err, s.first.ID)
	}
	// A URI the backend really serves, asked of a knowledge base it does not.
	p := s.fx.Probes[0]
	results := s.search(t, kb.Query{KnowledgeBaseID: p.KnowledgeBaseID, Text: p.Query, MaxResults: 1})
	if len(results) == 0 {
		t.Fatalf("no results for %q", p.Query)
	}
	// A backend whose URIs name their knowledge base may call the clash
	// an invalid argument instead.
	_, err = s.b.GetDocument(t.Context(), unknown, results[0].URI)
	if !errors.Is(err, kb.ErrNotFound) && !errors.Is(err, kb.ErrInvalidArgument) {
		t.Errorf("GetDocument(%q, %q): error %v; want one wrapping kb.ErrNotFound (or ErrInvalidArgument)", unknown, results[0].URI, err)
	}
}

func (s *suite) getDocument(t *testing.T) {
	for _, p := range s.fx.Probes {
		t.Run(p.WantPath, func(t *testing.T) {
			results := s.search(t, kb.Query{KnowledgeBaseID: p.KnowledgeBaseID, Text: p.Query, MaxResults: 1})
			if len(results) == 0 {
				t.Fatal("no results")
			}
			uri := results[0].URI
			doc, err := s.b.GetDocument(t.Context(), p.KnowledgeBaseID, uri)
			if err != nil {
				t.Fatalf("GetDocument(%q, %q): %v", p.KnowledgeBaseID, uri, err)
			}
			if !strings.Contains(strings.Join(strings.Fields(doc.Text), " "), p.WantText) {
				t.Errorf("GetDocument(%q) text does not contain %q:\n%s", uri, p.WantText, doc.Text)
			}
			if doc.URI == "" {
				t.Errorf("GetDocument(%q) returned no URI", uri)
			}
			_, err = s.b.GetDocument(t.Context(), p.KnowledgeBaseID, uri+".missing")
			if !errors.Is(err, kb.ErrNotFound) {
				t.Errorf("GetDocument(%q): error %v; want one wrapping kb.ErrNotFound", uri+".missing", err)
			}
		})
	}
}

func (s *suite) getDocumentEscapes(t *testing.T) {
	for _, uri := range []string{"../../../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "..", s.first.Documents[0].Path + "/../../../../etc/passwd"} {
		doc, err := s.b.GetDocument(t.Context(), s.first.ID, uri)
		if err == nil {
			t.Errorf("GetDocument(%q) returned %d bytes; want an error", uri, len(doc.Text))
			continue
		}
		if !errors.Is(err, kb.ErrInvalidArgument) && !errors.Is(err, kb.ErrNotFound) && !errors.Is(err, kb.ErrPermission) {
			t.Errorf("GetDocument(%q): error %v; want kb.ErrInvalidArgument, ErrNotFound or ErrPermission", uri, err)
		}
	}
}

func (s *suite) badInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    kb.Query
	}{
		{"blank query", kb.Query{KnowledgeBaseID: s.first.ID, Text: "   "}},
		{"max results over 100", kb.Query{KnowledgeBaseID: s.first.ID, Text: s.fx.CommonTerm, MaxResults: kb.MaxMaxResults + 1}},
		{"negative max results", kb.Query{KnowledgeBaseID: s.first.ID, Text: s.fx.CommonTerm, MaxResults: -1}},
		{"unknown search type", kb.Query{KnowledgeBaseID: s.first.ID, Text: s.fx.CommonTerm, SearchType: "FUZZY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.b.Search(t.Context(), tc.q)
			if !errors.Is(err, kb.ErrInvalidArgument) {
				t.Errorf("Search(%+v): error %v; want one wrapping kb.ErrInvalidArgument", tc.q, err)
			}
		})
	}
}

func (s *suite) concurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Go(func() {
			p := s.fx.Probes[i%len(s.fx.Probes)]
			for range 4 {
				res, err := s.b.Search(context.WithoutCancel(t.Context()), kb.Query{KnowledgeBaseID: p.KnowledgeBaseID, Text: p.Query})
				if err != nil {
					errs <- err
					return
				}
				if len(res.Results) == 0 || s.fx.PathOf(p.KnowledgeBaseID, res.Results[0].URI) != p.WantPath {
					errs <- fmt.Errorf("concurrent search %q did not rank %s first", p.Query, p.WantPath)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func (s *suite) listDocuments(t *testing.T, lister kb.DocumentLister) {
	seen := map[string]bool{}
	cursor := ""
	for page := 0; ; page++ {
		if page > len(s.first.Documents) {
			t.Fatalf("more than %d pages of 3 documents: the cursor does not advance", page)
		}
		docs, next, err := lister.ListDocuments(t.Context(), s.first.ID, cursor, 3)
		if err != nil {
			t.Fatalf("ListDocuments(%q, %q, 3): %v", s.first.ID, cursor, err)
		}
		if len(docs) > 3 {
			t.Errorf("ListDocuments with limit 3 returned %d", len(docs))
		}
		for _, d := range docs {
			p := s.fx.PathOf(s.first.ID, d.URI)
			if p == "" {
				t.Errorf("listed URI %q names no fixture document", d.URI)
				continue
			}
			if seen[p] {
				t.Errorf("document %s listed twice", p)
			}
			seen[p] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	for _, d := range s.first.Documents {
		if !seen[d.Path] {
			t.Errorf("document %s not listed", d.Path)
		}
	}
	if _, _, err := lister.ListDocuments(t.Context(), "no-such-knowledge-base", "", 3); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("ListDocuments of an unknown knowledge base: error %v; want kb.ErrNotFound", err)
	}
}

func (s *suite) ask(t *testing.T, gen kb.Generator) {
	p := s.fx.Probes[0]
	ans, err := gen.Ask(t.Context(), kb.AskQuery{KnowledgeBaseID: p.KnowledgeBaseID, Question: p.Query})
	if err != nil {
		t.Fatalf("Ask(%q): %v", p.Query, err)
	}
	if strings.TrimSpace(ans.Text) == "" {
		t.Error("Ask returned an empty answer")
	}
	cited := false
	for _, c := range ans.Citations {
		if c.Start < 0 || c.End < c.Start || c.End > len(ans.Text) {
			t.Errorf("citation span [%d,%d) outside the answer (%d bytes)", c.Start, c.End, len(ans.Text))
		}
		for _, r := range c.References {
			if s.fx.PathOf(p.KnowledgeBaseID, r.URI) == p.WantPath {
				cited = true
			}
		}
	}
	if !cited {
		t.Errorf("no citation references %s; citations %+v", p.WantPath, ans.Citations)
	}
	if _, err := gen.Ask(t.Context(), kb.AskQuery{KnowledgeBaseID: p.KnowledgeBaseID, Question: " "}); !errors.Is(err, kb.ErrInvalidArgument) {
		t.Errorf("Ask with a blank question: error %v; want kb.ErrInvalidArgument", err)
	}
}

// sameValue reports whether two metadata values are the same JSON value:
// type-strict (the string "2" is not the number 2), numbers equal whatever
// their Go type (int 3 and float64 3 both encode as 3), lists and objects
// compared member by member.
func sameValue(a, b any) bool {
	ja, err := json.Marshal(a)
	if err != nil {
		return false
	}
	jb, err := json.Marshal(b)
	return err == nil && bytes.Equal(ja, jb)
}
