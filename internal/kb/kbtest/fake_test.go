package kbtest_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
)

func TestFakeConforms(t *testing.T) {
	kbtest.Run(t, func(*testing.T) kb.Backend { return kbtest.NewFake(kbtest.DefaultFixture()) }, kbtest.DefaultFixture())
}

func TestFakeSearch(t *testing.T) {
	fx := kbtest.DefaultFixture()
	fx.KnowledgeBases[0].Documents[0].Metadata[kbtest.DataSourceKey] = "ds-1"
	fake := kbtest.NewFake(fx)
	ctx := t.Context()

	t.Run("pagination continues without overlap", func(t *testing.T) {
		seen := map[string]bool{}
		token, pages := "", 0
		for {
			res, err := fake.Search(ctx, kb.Query{KnowledgeBaseID: "animals", Text: "animal", MaxResults: 3, NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range res.Results {
				key := fmt.Sprintf("%s#%d", r.URI, r.ChunkIndex)
				if seen[key] {
					t.Errorf("page %d repeats %s", pages, key)
				}
				seen[key] = true
			}
			if res.NextToken == "" {
				break
			}
			token = res.NextToken
		}
		if len(seen) != 8 || pages != 3 {
			t.Errorf("%d passages over %d pages; want 8 over 3", len(seen), pages)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		_, err := fake.Search(ctx, kb.Query{KnowledgeBaseID: "animals", Text: "animal", NextToken: "xyz"})
		if !errors.Is(err, kb.ErrInvalidArgument) {
			t.Errorf("error %v; want ErrInvalidArgument", err)
		}
	})
	t.Run("data source ids", func(t *testing.T) {
		res, err := fake.Search(ctx, kb.Query{KnowledgeBaseID: "animals", Text: "animal", DataSourceIDs: []string{"ds-1"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Results) != 1 || res.Results[0].URI != fx.KnowledgeBases[0].Documents[0].Path {
			t.Errorf("results %+v; want only %s", res.Results, fx.KnowledgeBases[0].Documents[0].Path)
		}
	})
	t.Run("no knowledge base id searches all", func(t *testing.T) {
		res, err := fake.Search(ctx, kb.Query{Text: "sourdough kangaroo", MaxResults: 10})
		if err != nil {
			t.Fatal(err)
		}
		kbs := map[string]bool{}
		for _, r := range res.Results {
			kbs[r.KnowledgeBaseID] = true
		}
		if !kbs["animals"] || !kbs["recipes"] {
			t.Errorf("results from %v; want both knowledge bases", kbs)
		}
	})
	t.Run("injected error", func(t *testing.T) {
		boom := errors.New("boom")
		fake.SetError(kbtest.OpSearch, boom)
		defer fake.SetError(kbtest.OpSearch, nil)
		if _, err := fake.Search(ctx, kb.Query{Text: "animal"}); !errors.Is(err, boom) {
			t.Errorf("error %v; want the injected one", err)
		}
	})
	t.Run("cannot generate", func(t *testing.T) {
		fake.SetCanGenerate(false)
		defer fake.SetCanGenerate(true)
		if _, ok := kb.CanGenerate(fake); ok {
			t.Error("kb.CanGenerate reports true for a fake that cannot generate")
		}
		if _, err := fake.Ask(ctx, kb.AskQuery{Question: "kangaroo"}); !errors.Is(err, kb.ErrUnavailable) {
			t.Errorf("Ask error %v; want ErrUnavailable", err)
		}
	})
}
