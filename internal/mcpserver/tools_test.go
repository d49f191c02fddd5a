package mcpserver_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestSearchNormalizesArguments(t *testing.T) {
	cs, _ := connectFake(t)
	for _, args := range []map[string]any{
		{"query": "  kangaroo  ", "search_type": "hybrid", "max_results": 0},
		{"query": "kangaroo", "search_type": "Semantic", "filter": map[string]any{}, "data_source_ids": []string{}},
	} {
		out := structured[mcpserver.SearchOutput](t, call(t, cs, "search_knowledge_base", args))
		if out.Query != "kangaroo" || len(out.Results) == 0 || out.Results[0].URI != "mammals/kangaroo.md" {
			t.Errorf("%v: query %q, results %+v", args, out.Query, out.Results)
		}
	}
}

func TestListKnowledgeBases(t *testing.T) {
	cs, fake := connectFake(t)
	res := call(t, cs, "list_knowledge_bases", map[string]any{})
	out := structured[mcpserver.ListKnowledgeBasesOutput](t, res)
	var ids []string
	for _, k := range out.KnowledgeBases {
		ids = append(ids, k.ID)
	}
	if !slices.Equal(ids, []string{"animals", "recipes"}) {
		t.Fatalf("ids %v; want [animals recipes]", ids)
	}
	a := out.KnowledgeBases[0]
	if a.Name != "Animals" || a.Backend != "fake" || a.Documents != 8 || a.Chunks != 16 || len(a.DataSources) != 1 || a.DataSources[0].ID != "animals-docs" {
		t.Errorf("animals: %+v", a)
	}
	for _, want := range []string{"2 knowledge bases:", `Animals (id "animals", fake backend, ACTIVE)`, "Field notes about animals", "Size: 8 documents, 16 passages", `Data source "animals-docs"`} {
		if !strings.Contains(text(res), want) {
			t.Errorf("text lacks %q:\n%s", want, text(res))
		}
	}
	fake.SetError(kbtest.OpListKnowledgeBases, fmt.Errorf("bedrock:ListKnowledgeBases: %w", kb.ErrPermission))
	res = call(t, cs, "list_knowledge_bases", nil)
	fake.SetError(kbtest.OpListKnowledgeBases, nil)
	if !res.IsError || !strings.Contains(text(res), "bedrock:ListKnowledgeBases") {
		t.Errorf("permission error gave %v %q", res.IsError, text(res))
	}
	assertServing(t, cs)
}

func TestGetDocument(t *testing.T) {
	cs, _ := connectFake(t)
	tests := []struct {
		name    string
		args    map[string]any
		wantErr []string // empty: success
	}{
		{"result uri", map[string]any{"uri": "mammals/kangaroo.md", "knowledge_base_id": "animals"}, nil},
		{"result uri, only knowledge base searched", map[string]any{"uri": "mammals/kangaroo.md"}, nil},
		{"resource uri", map[string]any{"uri": "kb://animals/mammals/kangaroo.md"}, nil},
		{"resource uri and same id", map[string]any{"uri": "kb://animals/mammals/kangaroo.md", "knowledge_base_id": "animals"}, nil},
		{"resource uri and other id", map[string]any{"uri": "kb://animals/mammals/kangaroo.md", "knowledge_base_id": "recipes"}, []string{`"recipes" disagrees with the knowledge base "animals"`}},
		{"empty uri", map[string]any{"uri": " "}, []string{"uri: invalid argument: must not be empty"}},
		{"missing uri", map[string]any{}, []string{"uri"}},
		{"unknown document", map[string]any{"uri": "mammals/unicorn.md", "knowledge_base_id": "animals"}, []string{`document "mammals/unicorn.md": not found`, "exactly as search_knowledge_base returned it"}},
		{"traversal", map[string]any{"uri": "../../etc/passwd", "knowledge_base_id": "animals"}, []string{"not found"}},
		{"unknown knowledge base", map[string]any{"uri": "mammals/kangaroo.md", "knowledge_base_id": "zoo"}, []string{`knowledge base "zoo": not found (known: animals, recipes)`}},
		{"malformed resource uri", map[string]any{"uri": "kb://animals"}, []string{"must be kb://KNOWLEDGE_BASE_ID/DOCUMENT_URI"}},
		{"resource uri with a bad escape", map[string]any{"uri": "kb://animals/a%zz.md"}, []string{"bad percent-escape"}},
		{"resource uri with an escaped path", map[string]any{"uri": "kb://animals/mammals%2Fkangaroo.md"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := call(t, cs, "get_document", tc.args)
			if len(tc.wantErr) > 0 {
				assertToolError(t, cs, res, tc.wantErr...)
				return
			}
			out := structured[mcpserver.DocumentOutput](t, res)
			if out.URI != "mammals/kangaroo.md" || out.KnowledgeBaseID != "animals" && tc.args["knowledge_base_id"] != nil || out.Title != "Kangaroo" ||
				!strings.Contains(out.Text, "carries her joey in a pouch") || out.SizeBytes != int64(len(out.Text)) || out.Metadata["class"] != "mammal" {
				t.Errorf("document %+v", out)
			}
			if !strings.HasPrefix(text(res), "Kangaroo\nSource: mammals/kangaroo.md") || !strings.Contains(text(res), "carries her joey in a pouch") {
				t.Errorf("text:\n%s", text(res))
			}
		})
	}
}

func TestAsk(t *testing.T) {
	cs, fake := connectFake(t)
	res := call(t, cs, "ask_knowledge_base", map[string]any{"question": "which animal carries its joey in a pouch", "knowledge_base_id": "animals", "max_results": 2})
	out := structured[mcpserver.AskOutput](t, res)
	if out.Answer == "" || len(out.Citations) != 2 || len(out.Sources) != 2 || out.Sources[0].URI != "mammals/kangaroo.md" || out.SessionID == "" {
		t.Fatalf("answer %+v", out)
	}
	c := out.Citations[0]
	if out.Answer[c.Start:c.End] != c.Text || !slices.Equal(c.Sources, []int{1}) {
		t.Errorf("citation %+v does not match the answer %q", c, out.Answer)
	}
	txt := text(res)
	for _, want := range []string{c.Text + "[1]", "Sources:\n[1] Kangaroo — mammals/kangaroo.md", "session_id " + out.SessionID} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	followUp := structured[mcpserver.AskOutput](t, call(t, cs, "ask_knowledge_base", map[string]any{"question": "and the bat?", "session_id": out.SessionID}))
	if followUp.SessionID != out.SessionID {
		t.Errorf("follow-up session %q; want %q", followUp.SessionID, out.SessionID)
	}
	for _, bad := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"question": ""}, "question: invalid argument: must not be empty"},
		{map[string]any{"question": "x", "max_results": 101}, "max_results: invalid argument"},
		{map[string]any{"question": "x", "filter": map[string]any{"in": map[string]any{"key": "class", "value": "bird"}}}, `key "class" needs a list`},
		{map[string]any{"question": "x", "knowledge_base_id": "zoo"}, "list_knowledge_bases"},
	} {
		assertToolError(t, cs, call(t, cs, "ask_knowledge_base", bad.args), bad.want)
	}
	fake.SetError(kbtest.OpAsk, fmt.Errorf("model access: %w", kb.ErrPermission))
	res = call(t, cs, "ask_knowledge_base", map[string]any{"question": "x"})
	fake.SetError(kbtest.OpAsk, nil)
	if !res.IsError || !strings.Contains(text(res), "retrying will not help") {
		t.Errorf("permission error gave %v %q", res.IsError, text(res))
	}
	assertServing(t, cs)
}

func TestToolsOffered(t *testing.T) {
	names := func(cs *mcp.ClientSession) []string {
		res, err := cs.ListTools(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tool := range res.Tools {
			out = append(out, tool.Name)
		}
		slices.Sort(out)
		return out
	}
	fake := kbtest.NewFake(kbtest.DefaultFixture())
	all := []string{"ask_knowledge_base", "get_document", "list_knowledge_bases", "search_knowledge_base", "simpleadd"}
	if got := names(connect(t, mcpserver.Options{Backend: fake})); !slices.Equal(got, all) {
		t.Errorf("with a generating backend: %v; want %v", got, all)
	}
	fake.SetCanGenerate(false)
	if got := names(connect(t, mcpserver.Options{Backend: fake})); !slices.Equal(got, all[1:]) {
		t.Errorf("with a backend that cannot generate: %v; want %v", got, all[1:])
	}
	if got := names(connect(t, mcpserver.Options{Backend: backendOnly{fake}})); !slices.Equal(got, all[1:]) {
		t.Errorf("with a backend that is no Generator: %v; want %v", got, all[1:])
	}
	cs := connect(t, mcpserver.Options{})
	if got := names(cs); !slices.Equal(got, []string{"simpleadd"}) {
		t.Errorf("without a backend: %v; want [simpleadd]", got)
	}
	if cs.InitializeResult().Capabilities.Resources != nil || cs.InitializeResult().Capabilities.Prompts != nil {
		t.Error("without a backend the server must not announce resources or prompts")
	}
}

// backendOnly hides every optional interface of the backend it wraps.
type backendOnly struct{ kb.Backend }

// TestToolAnnotations checks that every tool states its hints explicitly:
// clients decide from them whether to ask the user before a call.
func TestToolAnnotations(t *testing.T) {
	cs, _ := connectFake(t)
	res, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		a := tool.Annotations
		switch {
		case a == nil:
			t.Errorf("%s: no annotations", tool.Name)
		case !a.ReadOnlyHint:
			t.Errorf("%s: not read-only; every tool of this server only reads", tool.Name)
		case a.DestructiveHint == nil || *a.DestructiveHint:
			t.Errorf("%s: destructiveHint must be stated false", tool.Name)
		case a.OpenWorldHint == nil:
			t.Errorf("%s: openWorldHint must be stated", tool.Name)
		case a.IdempotentHint == (tool.Name == "ask_knowledge_base"):
			t.Errorf("%s: idempotentHint %v; want true but for ask_knowledge_base, whose sessions make calls differ", tool.Name, a.IdempotentHint)
		}
		if tool.Title == "" || len(tool.Description) < 40 {
			t.Errorf("%s: needs a title and a description an agent can act on", tool.Name)
		}
		if tool.OutputSchema == nil {
			t.Errorf("%s: no output schema", tool.Name)
		}
	}
}
