package mcpserver_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

// decorated wraps the fake as a Bedrock-like backend: it records the
// queries it receives, marks passages of one document as IMAGE and reports a
// guardrail verdict.
type decorated struct {
	*kbtest.Fake
	guardrail string
	imageURI  string
	// noReranker refuses rerank: true as Bedrock does without a reranker.
	noReranker bool

	mu      sync.Mutex
	queries []kb.Query
	asks    []kb.AskQuery
}

func (d *decorated) Search(ctx context.Context, q kb.Query) (*kb.SearchResult, error) {
	d.mu.Lock()
	d.queries = append(d.queries, q)
	d.mu.Unlock()
	if d.noReranker && q.Rerank != nil && *q.Rerank {
		return nil, fmt.Errorf("rerank: %w: reranking is not configured on this server; the operator enables it with reranker-model-arn (BEDROCK_RERANKER_MODEL_ARN)", kb.ErrInvalidArgument)
	}
	res, err := d.Fake.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	for i := range res.Results {
		if res.Results[i].URI == d.imageURI {
			res.Results[i].ContentType = "IMAGE"
		}
	}
	res.GuardrailAction = d.guardrail
	return res, nil
}

func (d *decorated) Ask(ctx context.Context, q kb.AskQuery) (*kb.Answer, error) {
	d.mu.Lock()
	d.asks = append(d.asks, q)
	d.mu.Unlock()
	ans, err := d.Fake.Ask(ctx, q)
	if err != nil {
		return nil, err
	}
	ans.GuardrailAction = d.guardrail
	return ans, nil
}

func TestSearchRerank(t *testing.T) {
	tests := []struct {
		name   string
		rerank any // the argument; nil: omitted
		want   *bool
	}{
		{"omitted: the backend's default", nil, nil},
		{"true", true, new(true)},
		{"false", false, new(false)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &decorated{Fake: kbtest.NewFake(kbtest.DefaultFixture())}
			cs := connect(t, mcpserver.Options{Backend: d})
			args := map[string]any{"query": "kangaroo", "knowledge_base_id": "animals"}
			if tc.rerank != nil {
				args["rerank"] = tc.rerank
			}
			out := structured[mcpserver.SearchOutput](t, call(t, cs, "search_knowledge_base", args))
			if len(out.Results) == 0 || len(d.queries) != 1 {
				t.Fatalf("%d results, backend saw %d queries; want some and 1", len(out.Results), len(d.queries))
			}
			got := d.queries[0].Rerank
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("kb.Query.Rerank = %v; want %v", deref(got), deref(tc.want))
			}
		})
	}
	t.Run("not a boolean", func(t *testing.T) {
		cs := connect(t, mcpserver.Options{Backend: kbtest.NewFake(kbtest.DefaultFixture())})
		assertToolError(t, cs, call(t, cs, "search_knowledge_base", map[string]any{"query": "kangaroo", "rerank": "yes"}), "rerank")
	})
	t.Run("refusal from the backend reaches the agent", func(t *testing.T) {
		d := &decorated{Fake: kbtest.NewFake(kbtest.DefaultFixture()), noReranker: true}
		cs := connect(t, mcpserver.Options{Backend: d})
		assertToolError(t, cs, call(t, cs, "search_knowledge_base", map[string]any{"query": "kangaroo", "rerank": true}), "reranking is not configured", "BEDROCK_RERANKER_MODEL_ARN")
	})
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func TestSearchContentTypeAndGuardrail(t *testing.T) {
	tests := []struct {
		guardrail string
		wantLine  string // "" : no guardrail line
	}{
		{"", ""},
		{"NONE", ""},
		{"INTERVENED", "Guardrail: INTERVENED (the knowledge base's guardrail blocked or masked some passages)."},
	}
	for _, tc := range tests {
		t.Run("guardrail "+tc.guardrail, func(t *testing.T) {
			d := &decorated{Fake: kbtest.NewFake(kbtest.DefaultFixture()), guardrail: tc.guardrail, imageURI: "mammals/kangaroo.md"}
			cs := connect(t, mcpserver.Options{Backend: d})
			res := call(t, cs, "search_knowledge_base", map[string]any{"query": "kangaroo animal", "knowledge_base_id": "animals", "max_results": 4})
			out := structured[mcpserver.SearchOutput](t, res)
			if out.GuardrailAction != tc.guardrail {
				t.Errorf("guardrail_action %q; want %q", out.GuardrailAction, tc.guardrail)
			}
			if got := strings.Contains(text(res), "Guardrail:"); got != (tc.wantLine != "") || !strings.Contains(text(res), tc.wantLine) {
				t.Errorf("text, want guardrail line %q:\n%s", tc.wantLine, text(res))
			}
			if len(out.Results) < 2 {
				t.Fatalf("%d results; want at least 2", len(out.Results))
			}
			images := 0
			for _, p := range out.Results {
				want := ""
				if p.URI == "mammals/kangaroo.md" {
					want = "IMAGE"
					images++
				}
				if p.ContentType != want {
					t.Errorf("%s content_type %q; want %q", p.URI, p.ContentType, want)
				}
			}
			if images == 0 {
				t.Fatal("no kangaroo passage in the results")
			}
			if n := strings.Count(text(res), "Content type: IMAGE"); n != images {
				t.Errorf("text names IMAGE %d times; want %d:\n%s", n, images, text(res))
			}
		})
	}
}

func TestAskDataSourcesSearchTypeAndGuardrail(t *testing.T) {
	fx := kbtest.DefaultFixture()
	for i := range fx.KnowledgeBases[0].Documents {
		doc := &fx.KnowledgeBases[0].Documents[i]
		doc.Metadata[kbtest.DataSourceKey] = "ds-rest"
		if doc.Path == "mammals/kangaroo.md" {
			doc.Metadata[kbtest.DataSourceKey] = "ds-kangaroo"
		}
	}
	d := &decorated{Fake: kbtest.NewFake(fx), guardrail: "INTERVENED"}
	cs := connect(t, mcpserver.Options{Backend: d})

	res := call(t, cs, "ask_knowledge_base", map[string]any{
		"question": "which animal carries its joey in a pouch", "knowledge_base_id": "animals",
		"data_source_ids": []string{" ds-kangaroo ", ""}, "search_type": "semantic",
	})
	out := structured[mcpserver.AskOutput](t, res)
	last := d.asks[len(d.asks)-1]
	if !slices.Equal(last.DataSourceIDs, []string{"ds-kangaroo"}) || last.SearchType != kb.SearchTypeSemantic {
		t.Errorf("kb.AskQuery data sources %q, search type %q; want [ds-kangaroo] SEMANTIC", last.DataSourceIDs, last.SearchType)
	}
	if len(out.Sources) == 0 {
		t.Fatalf("no sources:\n%s", text(res))
	}
	for _, s := range out.Sources {
		if s.URI != "mammals/kangaroo.md" {
			t.Errorf("source %s is outside data source ds-kangaroo", s.URI)
		}
	}
	if out.GuardrailAction != "INTERVENED" || !strings.Contains(text(res), "Guardrail: INTERVENED (the knowledge base's guardrail blocked or masked some of the answer).") {
		t.Errorf("guardrail_action %q; text:\n%s", out.GuardrailAction, text(res))
	}

	none := structured[mcpserver.AskOutput](t, call(t, cs, "ask_knowledge_base", map[string]any{
		"question": "kangaroo", "knowledge_base_id": "animals", "data_source_ids": []string{"ds-nothing"},
	}))
	if len(none.Sources) != 0 {
		t.Errorf("an unknown data source gave sources %v", none.Sources)
	}

	bad := call(t, cs, "ask_knowledge_base", map[string]any{"question": "kangaroo", "search_type": "FUZZY"})
	assertToolError(t, cs, bad, `search_type: invalid argument: "FUZZY" is not a search type`, "HYBRID")
}
