package mcpserver

import (
	"strings"
	"testing"
)

// Counts in the knowledge base list take the singular for one.
func TestRenderKnowledgeBasesPlurals(t *testing.T) {
	text := renderKnowledgeBases([]KnowledgeBaseInfo{{Name: "Solo", ID: "solo", Backend: "local", Documents: 1, Chunks: 1, SizeBytes: 10}})
	for _, want := range []string{"1 knowledge base:\n", "Size: 1 document, 1 passage, 10 B\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
}
