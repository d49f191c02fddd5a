package mcpserver_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/golden"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

var update = golden.Update

// checkGolden compares got with the file at path (golden.Check).
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Check(t, path, got)
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// TestSchemasGolden snapshots what clients see of every tool, resource
// template and prompt, so that a changed schema or description is a
// deliberate, reviewed change.
func TestSchemasGolden(t *testing.T) {
	cs, _ := connectFake(t)
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tool := range tools.Tools {
		seen[tool.Name+".json"] = true
		checkGolden(t, filepath.Join("testdata", "tools", tool.Name+".json"), marshal(t, tool))
	}
	if !*update {
		files, _ := os.ReadDir(filepath.Join("testdata", "tools"))
		for _, f := range files {
			if !seen[f.Name()] {
				t.Errorf("testdata/tools/%s belongs to no tool; run -update", f.Name())
			}
		}
	}
	templates, err := cs.ListResourceTemplates(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "resource_templates.json"), marshal(t, templates.ResourceTemplates))
	prompts, err := cs.ListPrompts(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "prompts.json"), marshal(t, prompts.Prompts))
}

// The generated reference in docs/reference.md sits between these markers.
const (
	beginReference = "<!-- BEGIN GENERATED: MCP reference (go test ./internal/mcpserver -update) -->\n"
	endReference   = "<!-- END GENERATED: MCP reference -->"
)

// TestReference checks that docs/reference.md shows the tools, resources
// and prompts exactly as the server describes them.
func TestReference(t *testing.T) {
	var ref bytes.Buffer
	server := mcpserver.New(mcpserver.Options{Backend: kbtest.NewFake(kbtest.DefaultFixture())})
	if err := mcpserver.WriteReference(t.Context(), &ref, server); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#### `search_knowledge_base` — Search the knowledge base (read-only, idempotent)", "| `query` | string | yes |",
		"#### `ask_knowledge_base`", "- `kb://{knowledge_base_id}/{+uri}`", "- `answer_with_citations` (`question`, `knowledge_base_id` (optional))"} {
		if !strings.Contains(ref.String(), want) {
			t.Errorf("reference lacks %q:\n%s", want, ref.String())
		}
	}
	const readme = "../../docs/reference.md"
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	start, end := strings.Index(doc, beginReference), strings.Index(doc, endReference)
	if start < 0 || end < start {
		t.Fatalf("docs/reference.md lacks the markers %q … %q around the MCP reference", beginReference, endReference)
	}
	got := doc[start+len(beginReference) : end]
	if got == ref.String() {
		return
	}
	if !*update {
		t.Fatalf("docs/reference.md is stale; run: go test ./internal/mcpserver -update (then go generate ./docs)\n--- want ---\n%s", ref.String())
	}
	doc = doc[:start+len(beginReference)] + ref.String() + doc[end:]
	if err := os.WriteFile(readme, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}
