package mcpserver

import (
	"errors"
	"regexp"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/yosida95/uritemplate/v3"
)

func TestResourceURIRoundTrip(t *testing.T) {
	template := uritemplate.MustNew(resourceTemplate).Regexp()
	tests := []struct {
		kbID, uri string
		want      string
	}{
		{"docs", "guides/deploy.md", "kb://docs/guides/deploy.md"},
		{"ABCDEF1234", "s3://bucket/key.md", "kb://ABCDEF1234/s3://bucket/key.md"},
		{"docs", "my notes/100% done?.md", "kb://docs/my%20notes/100%25%20done%3F.md"},
		{"team kb", "a#b", "kb://team%20kb/a%23b"},
		{"k/b", "x", "kb://k%2Fb/x"},
		{"docs", "https://example.com/page?id=1", "kb://docs/https://example.com/page%3Fid=1"},
		{"docs", "über/straße.md", "kb://docs/%C3%BCber/stra%C3%9Fe.md"},
	}
	// A backend URI that already is a resource URI of its knowledge base
	// (the local backend's) stays as it is and parses back to its path.
	for _, uri := range []string{"kb://docs/guides/deploy.md", "kb://docs/my%20notes/a%3Bb.md"} {
		if got := resourceURI("docs", uri); got != uri {
			t.Errorf("resourceURI(docs, %q) = %q; want it unchanged", uri, got)
		}
	}
	if got := resourceURI("other", "kb://docs/x.md"); got != "kb://other/kb://docs/x.md" {
		t.Errorf("a kb:// URI of another knowledge base must be wrapped, got %q", got)
	}
	if kbID, uri, err := parseResourceURI("kb://docs/my%20notes/a%3Bb.md"); err != nil || kbID != "docs" || uri != "my notes/a;b.md" {
		t.Errorf("parseResourceURI = %q, %q, %v", kbID, uri, err)
	}
	for _, tc := range tests {
		got := resourceURI(tc.kbID, tc.uri)
		if got != tc.want {
			t.Errorf("resourceURI(%q, %q) = %q; want %q", tc.kbID, tc.uri, got, tc.want)
		}
		if !template.MatchString(got) {
			t.Errorf("%q does not match the template %s", got, resourceTemplate)
		}
		kbID, uri, err := parseResourceURI(got)
		if err != nil || kbID != tc.kbID || uri != tc.uri {
			t.Errorf("parseResourceURI(%q) = %q, %q, %v; want %q, %q", got, kbID, uri, err, tc.kbID, tc.uri)
		}
	}
	if resourceURI("", "x") != "" || resourceURI("k", "") != "" {
		t.Error("a resource URI needs both a knowledge base and a document")
	}
}

func TestParseResourceURIErrors(t *testing.T) {
	for _, s := range []string{"", "file:///etc/passwd", "kb://", "kb://docs", "kb://docs/", "kb:///x", "kb://docs/%zz"} {
		if _, _, err := parseResourceURI(s); !errors.Is(err, kb.ErrInvalidArgument) {
			t.Errorf("parseResourceURI(%q) error %v; want ErrInvalidArgument", s, err)
		}
	}
}

func TestRenderAnswerMarkers(t *testing.T) {
	out := AskOutput{
		Answer: "Kängurus hop. Bats fly.",
		Citations: []AskCitation{
			{Start: 0, End: 14, Sources: []int{1}},
			{Start: 15, End: 24, Sources: []int{1, 2}},
			{Start: 0, End: 2, Sources: []int{2}},   // inside "ä": no marker
			{Start: 0, End: 999, Sources: []int{2}}, // out of range: no marker
		},
		Sources: []Passage{{Rank: 1, Title: "Kangaroo", URI: "k.md"}, {Rank: 2, URI: "b.md"}},
	}
	got := renderAnswer(out)
	want := "Kängurus hop.[1] Bats fly.[1][2]\n\nSources:\n[1] Kangaroo — k.md\n[2] b.md — b.md\n"
	if got != want {
		t.Errorf("renderAnswer =\n%q\nwant\n%q", got, want)
	}
	if regexp.MustCompile(`\[\d\]`).FindAllString(got, -1) == nil {
		t.Error("no markers")
	}
}
