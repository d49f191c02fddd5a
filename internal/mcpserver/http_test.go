package mcpserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestOverStatelessHTTP drives the tools through the real HTTP front end
// (stateless, a throw-away session per request): a bare JSON-RPC request as
// Postman sends it, and the Go SDK client over streamable HTTP.
func TestOverStatelessHTTP(t *testing.T) {
	server := mcpserver.New(mcpserver.Options{Backend: kbtest.NewFake(kbtest.DefaultFixture())})
	ts := httptest.NewServer(httpserver.New(server, httpserver.Options{}))
	defer ts.Close()

	t.Run("bare request", func(t *testing.T) {
		body := `{"jsonrpc":"2.0","id":"s-1","method":"tools/call","params":{"name":"search_knowledge_base","arguments":{"query":"echolocation","knowledge_base_id":"animals","max_results":1}}}`
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+httpserver.Path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, data)
		}
		var msg struct {
			Result struct {
				IsError           bool                   `json:"isError"`
				StructuredContent mcpserver.SearchOutput `json:"structuredContent"`
			} `json:"result"`
		}
		if err := json.Unmarshal(data, &msg); err != nil {
			t.Fatalf("%v: %s", err, data)
		}
		r := msg.Result
		if r.IsError || len(r.StructuredContent.Results) != 1 || r.StructuredContent.Results[0].URI != "mammals/bat.md" {
			t.Errorf("result %s", data)
		}
	})

	t.Run("go sdk client", func(t *testing.T) {
		client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
		cs, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: ts.URL + httpserver.Path, DisableStandaloneSSE: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		// At 2026-07-28 the client mirrors knowledge_base_id into its
		// header only for tools it has listed.
		if _, err := cs.ListTools(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		assertServing(t, cs)
		res := call(t, cs, "get_document", map[string]any{"uri": "kb://recipes/soup.md"})
		if res.IsError || !strings.Contains(text(res), "Roast ripe tomatoes") {
			t.Errorf("get_document: %s", text(res))
		}
		uris, _ := listAll(t, cs)
		if len(uris) != 11 {
			t.Errorf("resources/list over HTTP: %d; want 11", len(uris))
		}
		read, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: uris[0]})
		if err != nil || len(read.Contents) != 1 || read.Contents[0].Text == "" {
			t.Errorf("resources/read %s: %v", uris[0], err)
		}
		prompt, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "answer_with_citations", Arguments: map[string]string{"question": "q?"}})
		if err != nil || len(prompt.Messages) != 1 {
			t.Errorf("prompts/get: %v", err)
		}
	})
}
