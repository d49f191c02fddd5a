package mcpserver_test

import (
	"encoding/json"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
)

// TestToolOutputsMatchSchemas validates real results of every tool against
// the output schema the tool advertises. The server does not validate its
// own results on every call (addTool), so this test is where a result that
// drifts from its schema is caught.
func TestToolOutputsMatchSchemas(t *testing.T) {
	cs, _ := connectFake(t)
	calls := map[string][]map[string]any{
		"simpleadd":             {{"a": 10, "b": 20}, {"a": -1.5, "b": 1e300}},
		"search_knowledge_base": {{"query": "animal"}, {"query": "joey pouch", "knowledge_base_id": "animals", "max_results": 1}, {"query": "no such words here at all"}},
		"list_knowledge_bases":  {{}},
		"get_document":          {{"uri": "kb://animals/mammals/kangaroo.md"}},
		"ask_knowledge_base":    {{"question": "which animal carries its joey in a pouch", "knowledge_base_id": "animals"}},
	}
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != len(calls) {
		t.Errorf("%d tools listed, %d covered here: add the new tool's calls", len(tools.Tools), len(calls))
	}
	for _, tool := range tools.Tools {
		argsList, ok := calls[tool.Name]
		if !ok {
			t.Errorf("tool %s has no calls here", tool.Name)
			continue
		}
		schemaJSON, err := json.Marshal(tool.OutputSchema)
		if err != nil {
			t.Fatal(err)
		}
		var schema jsonschema.Schema
		if err := json.Unmarshal(schemaJSON, &schema); err != nil {
			t.Fatalf("%s: output schema: %v", tool.Name, err)
		}
		resolved, err := schema.Resolve(nil)
		if err != nil {
			t.Fatalf("%s: output schema: %v", tool.Name, err)
		}
		for _, args := range argsList {
			res := call(t, cs, tool.Name, args)
			if res.IsError {
				t.Errorf("%s(%v): tool error %s", tool.Name, args, text(res))
				continue
			}
			data, err := json.Marshal(res.StructuredContent)
			if err != nil {
				t.Fatal(err)
			}
			var instance any
			if err := json.Unmarshal(data, &instance); err != nil {
				t.Fatal(err)
			}
			if err := resolved.Validate(instance); err != nil {
				t.Errorf("%s(%v): structuredContent does not match the output schema: %v\n%s", tool.Name, args, err, data)
			}
		}
	}
}
