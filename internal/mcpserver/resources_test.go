package mcpserver_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestResourceTemplate(t *testing.T) {
	cs, _ := connectFake(t)
	res, err := cs.ListResourceTemplates(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ResourceTemplates) != 1 || res.ResourceTemplates[0].URITemplate != "kb://{knowledge_base_id}/{+uri}" {
		t.Fatalf("templates %+v; want kb://{knowledge_base_id}/{+uri}", res.ResourceTemplates)
	}
}

func TestReadResource(t *testing.T) {
	fx := kbtest.DefaultFixture()
	fx.KnowledgeBases[1].Documents = append(fx.KnowledgeBases[1].Documents,
		kbtest.FixtureDocument{Path: "s3://bucket/dir/my notes?v=1#x.txt", Title: "Odd name", Text: "odd but readable"})
	cs := connect(t, mcpserver.Options{Backend: kbtest.NewFake(fx)})
	tests := []struct {
		uri      string
		wantText string
		wantCode int64 // 0: success
		wantMsg  string
	}{
		{"kb://animals/mammals/kangaroo.md", "carries her joey in a pouch", 0, ""},
		{"kb://recipes/bread.md", "sourdough starter", 0, ""},
		{"kb://recipes/s3://bucket/dir/my%20notes%3Fv=1%23x.txt", "odd but readable", 0, ""},
		{"kb://animals/mammals/unicorn.md", "", jsonrpc.CodeInvalidParams, "Resource not found"},
		{"kb://zoo/mammals/kangaroo.md", "", jsonrpc.CodeInvalidParams, "Resource not found"},
		{"kb://animals/bad%zzescape", "", jsonrpc.CodeInvalidParams, "Resource not found"}, // the template admits no bad escape
		{"kb://animals", "", jsonrpc.CodeInvalidParams, "Resource not found"},              // matches no template
		{"file:///etc/passwd", "", jsonrpc.CodeInvalidParams, "Resource not found"},
	}
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			res, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: tc.uri})
			if tc.wantCode != 0 {
				var werr *jsonrpc.Error
				if !errors.As(err, &werr) || werr.Code != tc.wantCode || !strings.Contains(werr.Message, tc.wantMsg) {
					t.Fatalf("error %v; want JSON-RPC code %d with %q", err, tc.wantCode, tc.wantMsg)
				}
				assertServing(t, cs)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Contents) != 1 || res.Contents[0].URI != tc.uri || res.Contents[0].MIMEType != "text/markdown" ||
				!strings.Contains(res.Contents[0].Text, tc.wantText) {
				t.Errorf("contents %+v; want text with %q", res.Contents, tc.wantText)
			}
		})
	}
}

func TestReadResourceBackendErrors(t *testing.T) {
	cs, fake := connectFake(t)
	for _, tc := range []struct {
		err      error
		wantCode int64
		want     string
	}{
		{fmt.Errorf("path %q escapes the folder: %w", "../x", kb.ErrInvalidArgument), jsonrpc.CodeInvalidParams, "escapes the folder"},
		{fmt.Errorf("s3:GetObject on bucket: %w", kb.ErrPermission), jsonrpc.CodeInternalError, "s3:GetObject"},
		{fmt.Errorf("s3 slow: %w", kb.ErrUnavailable), jsonrpc.CodeInternalError, "retry"},
	} {
		fake.SetError(kbtest.OpGetDocument, tc.err)
		_, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "kb://animals/mammals/bat.md"})
		fake.SetError(kbtest.OpGetDocument, nil)
		var werr *jsonrpc.Error
		if !errors.As(err, &werr) || werr.Code != tc.wantCode || !strings.Contains(werr.Message, tc.want) {
			t.Errorf("backend error %v: got %v; want code %d with %q", tc.err, err, tc.wantCode, tc.want)
		}
	}
	assertServing(t, cs)
}

// bigFixture has n documents in each of two knowledge bases.
func bigFixture(n int) kbtest.Fixture {
	fx := kbtest.Fixture{CommonTerm: "doc"}
	for _, id := range []string{"a", "b"} {
		k := kbtest.FixtureKnowledgeBase{ID: id, Name: strings.ToUpper(id)}
		for i := range n {
			k.Documents = append(k.Documents, kbtest.FixtureDocument{Path: fmt.Sprintf("doc%03d.md", i), Title: fmt.Sprintf("Doc %d", i), Text: "doc"})
		}
		fx.KnowledgeBases = append(fx.KnowledgeBases, k)
	}
	return fx
}

// listAll follows resources/list cursors and returns the URIs and the page sizes.
func listAll(t *testing.T, cs *mcp.ClientSession) (uris []string, pages []int) {
	t.Helper()
	cursor := ""
	for {
		res, err := cs.ListResources(t.Context(), &mcp.ListResourcesParams{Cursor: cursor})
		if err != nil {
			t.Fatalf("resources/list cursor %q: %v", cursor, err)
		}
		for _, r := range res.Resources {
			uris = append(uris, r.URI)
		}
		pages = append(pages, len(res.Resources))
		if res.NextCursor == "" {
			return uris, pages
		}
		if len(pages) > 100 {
			t.Fatal("resources/list does not end")
		}
		cursor = res.NextCursor
	}
}

func TestListResources(t *testing.T) {
	t.Run("small", func(t *testing.T) {
		cs, _ := connectFake(t)
		res, err := cs.ListResources(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Resources) != 11 || res.NextCursor != "" {
			t.Fatalf("%d resources, cursor %q; want all 11 documents on one page", len(res.Resources), res.NextCursor)
		}
		r := res.Resources[0]
		if r.URI != "kb://animals/birds/kakapo.md" || r.Name != "birds/kakapo.md" || r.Title != "Kakapo" || r.MIMEType != "text/markdown" || r.Size == 0 {
			t.Errorf("first resource %+v", r)
		}
		read, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: r.URI})
		if err != nil || !strings.Contains(read.Contents[0].Text, "parrot") {
			t.Errorf("reading the listed %s: %v", r.URI, err)
		}
	})
	t.Run("paged across knowledge bases", func(t *testing.T) {
		cs := connect(t, mcpserver.Options{Backend: kbtest.NewFake(bigFixture(130))})
		uris, pages := listAll(t, cs)
		if !slices.Equal(pages, []int{100, 100, 60}) {
			t.Errorf("pages %v; want [100 100 60]", pages)
		}
		if len(uris) != 260 || uris[0] != "kb://a/doc000.md" || uris[130] != "kb://b/doc000.md" || len(slices.Compact(slices.Clone(uris))) != 260 {
			t.Errorf("%d uris, first %s, 131st %s; want 260 distinct, a then b", len(uris), uris[0], uris[130])
		}
	})
	t.Run("page boundary at a knowledge base's end", func(t *testing.T) {
		cs := connect(t, mcpserver.Options{Backend: kbtest.NewFake(bigFixture(100))})
		if _, pages := listAll(t, cs); !slices.Equal(pages, []int{100, 100}) {
			t.Errorf("pages %v; want [100 100]", pages)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		cs := connect(t, mcpserver.Options{Backend: kbtest.NewFake(bigFixture(130)), MaxListedResources: 150})
		if uris, pages := listAll(t, cs); len(uris) != 150 || !slices.Equal(pages, []int{100, 50}) {
			t.Errorf("%d resources in pages %v; want 150 in [100 50]", len(uris), pages)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		cs := connect(t, mcpserver.Options{Backend: kbtest.NewFake(bigFixture(3)), MaxListedResources: -1})
		if uris, _ := listAll(t, cs); len(uris) != 0 {
			t.Errorf("%d resources; want none", len(uris))
		}
	})
	t.Run("backend without lister", func(t *testing.T) {
		cs := connect(t, mcpserver.Options{Backend: backendOnly{kbtest.NewFake(kbtest.DefaultFixture())}})
		if uris, _ := listAll(t, cs); len(uris) != 0 {
			t.Errorf("%d resources; want none", len(uris))
		}
	})
	t.Run("bad cursor", func(t *testing.T) {
		cs, _ := connectFake(t)
		_, err := cs.ListResources(t.Context(), &mcp.ListResourcesParams{Cursor: "bogus"})
		var werr *jsonrpc.Error
		if !errors.As(err, &werr) || werr.Code != jsonrpc.CodeInvalidParams || !strings.Contains(werr.Message, "list again without a cursor") {
			t.Errorf("error %v; want invalid params", err)
		}
		assertServing(t, cs)
	})
	t.Run("backend failure lists what it can", func(t *testing.T) {
		cs, fake := connectFake(t)
		fake.SetError(kbtest.OpListDocuments, fmt.Errorf("s3:ListBucket: %w", kb.ErrPermission))
		res, err := cs.ListResources(t.Context(), nil)
		if err != nil || len(res.Resources) != 0 {
			t.Errorf("got %v, %v; want an empty list and no error", res, err)
		}
		assertServing(t, cs)
	})
}

func TestPrompt(t *testing.T) {
	cs, _ := connectFake(t)
	list, err := cs.ListPrompts(t.Context(), nil)
	if err != nil || len(list.Prompts) != 1 || list.Prompts[0].Name != "answer_with_citations" || list.Prompts[0].Description == "" {
		t.Fatalf("prompts %+v, %v", list, err)
	}
	res, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "answer_with_citations", Arguments: map[string]string{"question": "How do kangaroos carry their young?", "knowledge_base_id": "animals"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Messages) != 1 || res.Messages[0].Role != "user" {
		t.Fatalf("messages %+v", res.Messages)
	}
	msg := res.Messages[0].Content.(*mcp.TextContent).Text
	for _, want := range []string{"Question: How do kangaroos carry their young?", `knowledge_base_id "animals"`, "search_knowledge_base", "[n]", "Sources", "do not guess"} {
		if !strings.Contains(msg, want) {
			t.Errorf("prompt lacks %q:\n%s", want, msg)
		}
	}
	for _, args := range []map[string]string{nil, {"question": "  "}} {
		_, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "answer_with_citations", Arguments: args})
		if err == nil || !strings.Contains(err.Error(), "question is required") {
			t.Errorf("arguments %v: error %v; want question is required", args, err)
		}
	}
	assertServing(t, cs)
}
