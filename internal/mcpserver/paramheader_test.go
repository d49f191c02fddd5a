package mcpserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

// TestKnowledgeBaseIDHeaderDeclared: every tool taking knowledge_base_id
// declares it mirrored into Mcp-Param-Knowledge-Base-Id, and the annotation
// survives tools/list.
func TestKnowledgeBaseIDHeaderDeclared(t *testing.T) {
	cs, _ := connectFake(t)
	list, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var mirrored []string
	for _, tool := range list.Tools {
		data, err := json.Marshal(tool.InputSchema)
		if err != nil {
			t.Fatal(err)
		}
		var schema struct {
			Properties map[string]map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(data, &schema); err != nil {
			t.Fatal(err)
		}
		p, ok := schema.Properties["knowledge_base_id"]
		if !ok {
			continue
		}
		if p["x-mcp-header"] != mcpserver.KnowledgeBaseHeader {
			t.Errorf("%s: knowledge_base_id has x-mcp-header %v, want %q", tool.Name, p["x-mcp-header"], mcpserver.KnowledgeBaseHeader)
		}
		mirrored = append(mirrored, tool.Name)
	}
	if want := []string{"ask_knowledge_base", "get_document", "search_knowledge_base"}; !slices.Equal(mirrored, want) {
		t.Errorf("tools with knowledge_base_id: %v, want %v", mirrored, want)
	}
}

// TestKnowledgeBaseIDHeaderChecked sends raw tools/call requests through the
// HTTP front end: at 2026-07-28 the header must agree with the argument
// (HTTP 400 and -32020, header mismatch, before the tool runs, otherwise);
// older revisions carry no such header.
func TestKnowledgeBaseIDHeaderChecked(t *testing.T) {
	server := mcpserver.New(mcpserver.Options{Backend: kbtest.NewFake(kbtest.DefaultFixture())})
	ts := httptest.NewServer(httpserver.New(server, httpserver.Options{}))
	defer ts.Close()
	search := map[string]any{"query": "kangaroo pouch", "knowledge_base_id": "animals"}
	for _, tc := range []struct {
		name       string
		version    string
		tool       string
		args       map[string]any
		header     string
		wantStatus int
		wantText   string
	}{
		{"matching", "2026-07-28", "search_knowledge_base", search, "animals", http.StatusOK, "Kangaroo"},
		{"matching, base64", "2026-07-28", "search_knowledge_base", search, "=?base64?YW5pbWFscw==?=", http.StatusOK, "Kangaroo"},
		{"other knowledge base", "2026-07-28", "search_knowledge_base", search, "recipes", http.StatusBadRequest, "-32020"},
		{"header missing", "2026-07-28", "search_knowledge_base", search, "", http.StatusBadRequest, "-32020"},
		{"argument missing", "2026-07-28", "get_document", map[string]any{"uri": "kb://recipes/soup.md"}, "recipes", http.StatusBadRequest, "-32020"},
		{"neither", "2026-07-28", "get_document", map[string]any{"uri": "kb://recipes/soup.md"}, "", http.StatusOK, "Roast ripe tomatoes"},
		{"get_document mismatch", "2026-07-28", "get_document", map[string]any{"uri": "soup.md", "knowledge_base_id": "recipes"}, "animals", http.StatusBadRequest, "-32020"},
		{"2025-11-25 without header", "2025-11-25", "search_knowledge_base", search, "", http.StatusOK, "Kangaroo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postCall(t, ts.URL+httpserver.Path, tc.version, tc.tool, tc.args, tc.header)
			if status != tc.wantStatus || !strings.Contains(body, tc.wantText) {
				t.Errorf("status %d, want %d with %q: %s", status, tc.wantStatus, tc.wantText, body)
			}
		})
	}
}

// postCall sends one tools/call at protocol version, with kbHeader (unless
// empty) as Mcp-Param-Knowledge-Base-Id, and returns the status and body.
func postCall(t *testing.T, url, version, tool string, args map[string]any, kbHeader string) (int, string) {
	t.Helper()
	params := map[string]any{"name": tool, "arguments": args}
	if version >= "2026-07-28" {
		params["_meta"] = map[string]any{
			"io.modelcontextprotocol/protocolVersion":    version,
			"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "test", "version": "1"},
			"io.modelcontextprotocol/clientCapabilities": map[string]any{},
		}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Mcp-Protocol-Version", version)
	req.Header.Set("Mcp-Method", "tools/call")
	req.Header.Set("Mcp-Name", tool)
	if kbHeader != "" {
		req.Header.Set("Mcp-Param-"+mcpserver.KnowledgeBaseHeader, kbHeader)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

// TestToolsListedInNameOrder: tools/list is the same list, in name order,
// however often it is asked, so that clients and caches see a stable list.
func TestToolsListedInNameOrder(t *testing.T) {
	cs := connect(t, mcpserver.Options{Backend: kbtest.NewFake(kbtest.DefaultFixture())})
	var first []string
	for range 3 {
		list, err := cs.ListTools(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(list.Tools))
		for _, tool := range list.Tools {
			names = append(names, tool.Name)
		}
		if !slices.IsSorted(names) {
			t.Fatalf("tools/list not in name order: %v", names)
		}
		if first == nil {
			first = names
		} else if !slices.Equal(names, first) {
			t.Fatalf("tools/list changed between calls: %v, then %v", first, names)
		}
	}
	if len(first) != 5 {
		t.Errorf("want the 5 tools, got %v", first)
	}
}
