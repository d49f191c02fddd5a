package mcpserver_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestSearchRanksTheRightPassageFirst(t *testing.T) {
	cs, _ := connectFake(t)
	for _, p := range kbtest.DefaultFixture().Probes {
		t.Run(p.Query, func(t *testing.T) {
			res := call(t, cs, "search_knowledge_base", map[string]any{"query": p.Query, "knowledge_base_id": p.KnowledgeBaseID, "max_results": 3})
			out := structured[mcpserver.SearchOutput](t, res)
			if len(out.Results) == 0 || out.Results[0].URI != p.WantPath {
				t.Fatalf("results %+v; want %s first", out.Results, p.WantPath)
			}
			first := out.Results[0]
			if first.Rank != 1 || first.KnowledgeBaseID != p.KnowledgeBaseID || first.ResourceURI != "kb://"+p.KnowledgeBaseID+"/"+p.WantPath {
				t.Errorf("first passage %+v: want rank 1, knowledge base %s, resource kb://%s/%s", first, p.KnowledgeBaseID, p.KnowledgeBaseID, p.WantPath)
			}
			if len(out.Results) > 3 {
				t.Errorf("%d results; max_results was 3", len(out.Results))
			}
			txt := text(res)
			for _, want := range []string{"[1] " + first.Title + " (score ", "Source: " + p.WantPath, p.WantText} {
				if !strings.Contains(strings.Join(strings.Fields(txt), " "), want) {
					t.Errorf("text lacks %q:\n%s", want, txt)
				}
			}
		})
	}
}

func TestSearchDefaultsAndPagination(t *testing.T) {
	cs, _ := connectFake(t)
	out := structured[mcpserver.SearchOutput](t, call(t, cs, "search_knowledge_base", map[string]any{"query": "animal", "knowledge_base_id": "animals"}))
	if len(out.Results) != kb.DefaultMaxResults {
		t.Fatalf("%d results without max_results; want the default %d", len(out.Results), kb.DefaultMaxResults)
	}
	if out.NextToken == "" {
		t.Fatal("no next_token although 8 passages match")
	}
	res := call(t, cs, "search_knowledge_base", map[string]any{"query": "animal", "knowledge_base_id": "animals", "next_token": out.NextToken})
	if !strings.Contains(text(res), "3 passages") {
		t.Errorf("second page text: %s", text(res))
	}
	more := structured[mcpserver.SearchOutput](t, res)
	if len(more.Results) != 3 || more.NextToken != "" {
		t.Errorf("second page: %d results, next_token %q; want 3 and none", len(more.Results), more.NextToken)
	}
}

func TestSearchFilter(t *testing.T) {
	cs, _ := connectFake(t)
	fx := kbtest.DefaultFixture()
	tests := []map[string]any{
		{"equals": map[string]any{"key": "class", "value": "bird"}},
		{"andAll": []any{
			map[string]any{"listContains": map[string]any{"key": "tags", "value": "nocturnal"}},
			map[string]any{"greaterThan": map[string]any{"key": "legs", "value": 2}},
		}},
		{"equals": map[string]any{"key": "class", "value": "fish"}},
	}
	for _, filter := range tests {
		t.Run(fmt.Sprint(filter), func(t *testing.T) {
			f, err := kb.FilterFromValue(filter)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, d := range fx.KnowledgeBases[0].Documents {
				if f.Match(d.Metadata) {
					want[d.Path] = true
				}
			}
			res := call(t, cs, "search_knowledge_base", map[string]any{"query": "animal", "knowledge_base_id": "animals", "max_results": 100, "filter": filter})
			out := structured[mcpserver.SearchOutput](t, res)
			got := map[string]bool{}
			for _, r := range out.Results {
				got[r.URI] = true
				if r.Metadata["class"] == nil {
					t.Errorf("result %s has no metadata", r.URI)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("documents %v; want %v", got, want)
			}
			if len(want) == 0 && !strings.Contains(text(res), "No passages in knowledge base \"animals\" match \"animal\" with this filter") {
				t.Errorf("empty result text: %s", text(res))
			}
		})
	}
}

// TestSearchBadInput checks that each bad request gets a tool error whose
// text says what to change, and that the server keeps serving after it.
func TestSearchBadInput(t *testing.T) {
	cs, fake := connectFake(t)
	tests := []struct {
		name  string
		args  map[string]any
		setup func()
		want  []string
	}{
		{"missing query", map[string]any{}, nil, []string{"query"}},
		{"empty query", map[string]any{"query": "  "}, nil, []string{"query: invalid argument: must not be empty", "Change the argument"}},
		{"max_results too high", map[string]any{"query": "x", "max_results": 500}, nil, []string{"max_results: invalid argument: must be between 1 and 100 (default 5), got 500"}},
		{"max_results negative", map[string]any{"query": "x", "max_results": -1}, nil, []string{"max_results: invalid argument: must be between 1 and 100 (default 5), got -1"}},
		{"max_results not a number", map[string]any{"query": "x", "max_results": "ten"}, nil, []string{"max_results"}},
		{"search_type unknown", map[string]any{"query": "x", "search_type": "FUZZY"}, nil, []string{`search_type: invalid argument: "FUZZY" is not a search type`, "HYBRID"}},
		{"filter unknown operator", map[string]any{"query": "x", "filter": map[string]any{"equal": map[string]any{"key": "a", "value": "b"}}}, nil,
			[]string{`unknown operator "equal"`, "equals"}},
		{"filter wrong value type", map[string]any{"query": "x", "filter": map[string]any{"greaterThan": map[string]any{"key": "year", "value": "2020"}}}, nil,
			[]string{`key "year" needs a number, got a string`}},
		{"filter two operators", map[string]any{"query": "x", "filter": map[string]any{"equals": map[string]any{"key": "a", "value": "b"}, "in": map[string]any{"key": "a", "value": []any{"b"}}}}, nil,
			[]string{"exactly one operator", "equals, in"}},
		{"filter andAll of one", map[string]any{"query": "x", "filter": map[string]any{"andAll": []any{map[string]any{"equals": map[string]any{"key": "a", "value": "b"}}}}}, nil,
			[]string{"filter.andAll", "at least 2"}},
		{"filter nested bad key", map[string]any{"query": "x", "filter": map[string]any{"orAll": []any{
			map[string]any{"equals": map[string]any{"key": "a", "value": "b"}},
			map[string]any{"in": map[string]any{"key": "", "value": []any{"b"}}}}}}, nil,
			[]string{"filter.orAll[1].in.key"}},
		{"filter not an object", map[string]any{"query": "x", "filter": "class = bird"}, nil, []string{"filter"}},
		{"unknown knowledge base", map[string]any{"query": "x", "knowledge_base_id": "zoo"}, nil,
			[]string{`knowledge base "zoo": not found (known: animals, recipes)`, "list_knowledge_bases"}},
		{"bad next_token", map[string]any{"query": "x", "next_token": "garbage"}, nil, []string{"next_token", "garbage"}},
		{"backend permission", map[string]any{"query": "x"}, func() {
			fake.SetError(kbtest.OpSearch, fmt.Errorf("bedrock:Retrieve on arn:aws:bedrock:us-east-1:1:knowledge-base/K: %w; add it to the ECS task role", kb.ErrPermission))
		}, []string{"bedrock:Retrieve", "task role", "retrying will not help"}},
		{"backend unavailable", map[string]any{"query": "x"}, func() {
			fake.SetError(kbtest.OpSearch, fmt.Errorf("throttled after 3 attempts: %w", kb.ErrUnavailable))
		}, []string{"throttled after 3 attempts", "retry in a little while"}},
		{"backend fault", map[string]any{"query": "x"}, func() {
			fake.SetError(kbtest.OpSearch, errors.New("index file corrupt: run knowledge-mcp index"))
		}, []string{"index file corrupt", "fault in the server"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			res := call(t, cs, "search_knowledge_base", tc.args)
			fake.SetError(kbtest.OpSearch, nil)
			assertToolError(t, cs, res, tc.want...)
		})
	}
}

func TestPanicsBecomeErrors(t *testing.T) {
	fake := kbtest.NewFake(kbtest.DefaultFixture())
	cs := connect(t, mcpserver.Options{Backend: panicking{fake}})
	res := call(t, cs, "search_knowledge_base", map[string]any{"query": "panic"})
	if !res.IsError || !strings.Contains(text(res), "internal error") {
		t.Errorf("a panicking search gave %v %q; want a tool error", res.IsError, text(res))
	}
	assertServing(t, cs)
	if _, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "kb://animals/panic.md"}); err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Errorf("a panicking read gave %v; want an internal error", err)
	}
	res = call(t, cs, "get_document", map[string]any{"uri": "panic.md"})
	if !res.IsError {
		t.Errorf("a panicking get_document gave no tool error: %s", text(res))
	}
	assertServing(t, cs)
}
