package local

import (
	"strings"
	"testing"
)

// matchesOf marks every occurrence of the words in text, as the search
// does for query terms.
func matchesOf(text string, words ...string) []match {
	var ms []match
	for i := 0; i < len(text); i++ {
		for term, w := range words {
			if strings.HasPrefix(text[i:], w) {
				ms = append(ms, match{term: term, start: i, end: i + len(w)})
			}
		}
	}
	return ms
}

// A snippet's only ** are the matches: the document's own Markdown
// emphasis is dropped, so a match in emphasis does not read ***Rotate***,
// and text that only looks like emphasis (globs, products, snake_case)
// stays as written.
func TestSnippetMarksOnlyMatches(t *testing.T) {
	tests := []struct {
		text  string
		words []string
		want  string
	}{
		{"Always *Rotate* the key.", []string{"Rotate"}, "Always **Rotate** the key."},
		{"Always **Rotate** the key.", []string{"Rotate"}, "Always **Rotate** the key."},
		{"Always ***Rotate*** the key.", []string{"Rotate"}, "Always **Rotate** the key."},
		{"_Rotate the key_ now", []string{"key"}, "Rotate the **key** now"},
		{"a __bold__ word and rotate", []string{"rotate"}, "a bold word and **rotate**"},
		{"rotate, then index *.md files with a * b and snake_case_name", []string{"rotate"}, "**rotate**, then index *.md files with a * b and snake_case_name"},
		{"globs like docs/** and rotate", []string{"rotate"}, "globs like docs/** and **rotate**"},
	}
	for _, tt := range tests {
		if got := snippet(tt.text, matchesOf(tt.text, tt.words...)); got != tt.want {
			t.Errorf("snippet(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
