package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

// TestLocalKnowledgeBaseOverMCP runs the real binary on a folder and talks
// to it with the Go SDK client: list, search with a filter, read a
// resource, refuse an escaping path; then "knowledge-mcp index" runs beside
// the server and the server answers from the new index without a restart.
func TestLocalKnowledgeBaseOverMCP(t *testing.T) {
	folder, dataDir := t.TempDir(), t.TempDir()
	writeFiles(t, folder, map[string]string{
		"ops/health.md":               "---\nteam: ops\n---\n# Health checks\n\n## Target group\n\nPoint the target group health check at /healthz.\n",
		"dev/health.md":               "# Developer health\n\nTake breaks; health matters.\n",
		"dev/health.md.metadata.json": `{"metadataAttributes":{"team":{"value":{"type":"STRING","stringValue":"dev"}}}}`,
	})
	srv := testbin.Start(t, []string{"KNOWLEDGE_MCP_DATA=" + dataDir}, "--kb", "handbook="+folder)
	cs, ctx := connect(t, srv.URL)

	call := func(name string, args map[string]any) (*mcp.CallToolResult, map[string]any) {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var structured map[string]any
		if res.StructuredContent != nil {
			data, _ := json.Marshal(res.StructuredContent)
			json.Unmarshal(data, &structured)
		}
		return res, structured
	}
	uris := func(structured map[string]any) []string {
		var out []string
		results, _ := structured["results"].([]any)
		for _, r := range results {
			out = append(out, r.(map[string]any)["uri"].(string))
		}
		return out
	}

	res, _ := call("list_knowledge_bases", nil)
	if res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "handbook") {
		t.Fatalf("list_knowledge_bases: %+v", res.Content)
	}
	res, out := call("search_knowledge_base", map[string]any{"query": "how do I configure the health check", "filter": map[string]any{"equals": map[string]any{"key": "team", "value": "ops"}}})
	if res.IsError || strings.Join(uris(out), ",") != "kb://handbook/ops/health.md" {
		t.Fatalf("filtered search: %v %+v", uris(out), res.Content)
	}
	res, out = call("search_knowledge_base", map[string]any{"query": "health", "filter": map[string]any{"equals": map[string]any{"key": "team", "value": "dev"}}})
	if res.IsError || strings.Join(uris(out), ",") != "kb://handbook/dev/health.md" {
		t.Fatalf("sidecar-filtered search: %v %+v", uris(out), res.Content)
	}
	read, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "kb://handbook/ops/health.md"})
	if err != nil || len(read.Contents) == 0 || !strings.Contains(read.Contents[0].Text, "/healthz") {
		t.Fatalf("resources/read: %+v %v", read, err)
	}
	res, _ = call("get_document", map[string]any{"uri": "kb://handbook/../../etc/passwd"})
	if !res.IsError {
		t.Fatalf("get_document with .. was not refused: %+v", res.Content)
	}

	// Re-index beside the running server.
	writeFiles(t, folder, map[string]string{"ops/zebra.md": "# Zebra rollout\n\nThe zebra rollout starts on Monday.\n"})
	out2, err := exec.Command(testbin.Path(t), "index", folder, "--kb", "handbook", "--data-dir", dataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("index: %v\n%s", err, out2)
	}
	if !strings.Contains(string(out2), "1 added, 0 updated, 2 unchanged, 0 removed") {
		t.Errorf("index summary:\n%s", out2)
	}
	res, out = call("search_knowledge_base", map[string]any{"query": "zebra rollout"})
	if res.IsError || len(uris(out)) == 0 || uris(out)[0] != "kb://handbook/ops/zebra.md" {
		t.Fatalf("the server did not pick up the new index: %v %+v", uris(out), res.Content)
	}
}
