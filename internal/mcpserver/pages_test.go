package mcpserver

import (
	"errors"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

func TestParsePages(t *testing.T) {
	tests := []struct {
		in          string
		first, last int
		ok          bool
	}{
		{"12", 12, 12, true},
		{"12-15", 12, 15, true},
		{" 12 - 15 ", 12, 15, true},
		{"12-", 12, 0, true},
		{"0", 0, 0, false},
		{"15-12", 0, 0, false},
		{"-3", 0, 0, false},
		{"a-b", 0, 0, false},
		{"1,3", 0, 0, false},
	}
	for _, tt := range tests {
		first, last, err := parsePages(tt.in)
		if tt.ok != (err == nil) || first != tt.first || last != tt.last {
			t.Errorf("parsePages(%q) = %d, %d, %v; want %d, %d, ok %v", tt.in, first, last, err, tt.first, tt.last, tt.ok)
		}
		if err != nil && !errors.Is(err, kb.ErrInvalidArgument) {
			t.Errorf("parsePages(%q): %v is not an invalid argument", tt.in, err)
		}
	}
}

func TestPageLabels(t *testing.T) {
	p := Passage{Rank: 1, Title: "Deck", URI: "kb://x/deck.PPTX", Page: 4, Text: "t"}
	var b strings.Builder
	writePassage(&b, p)
	if got := b.String(); got != "[1] Deck (score 0.000)\nSource: kb://x/deck.PPTX, slide 4\nt\n" {
		t.Errorf("passage:\n%s", got)
	}
	d := renderDocument(DocumentOutput{URI: "m.pdf", SizeBytes: 2048, Text: "x", Pages: &kb.PageSpan{First: 2, Last: 3, Total: 9}})
	if d != "Source: m.pdf, 2.0 KiB; pages 2-3 of 9\n\nx" {
		t.Errorf("document:\n%q", d)
	}
}
