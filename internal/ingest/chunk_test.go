package ingest

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitHeadings(t *testing.T) {
	text := "# Guide\n\nIntro.\n\n## Install\n\nRun it.\n\n```\n# comment, not a heading\n```\n\n### From source\n\nBuild it.\n\n## Use\n\nCall it.\n\n# Empty\n\n## Child\n\nText.\n"
	doc := &Document{Format: FormatMarkdown, Text: text}
	chunks := Split(doc, ChunkOptions{})
	type view struct {
		path  []string
		first string
	}
	var got []view
	for i, c := range chunks {
		if c.Index != i || text[c.Start:c.End] != c.Text {
			t.Errorf("chunk %d: index %d, offsets do not match text", i, c.Index)
		}
		got = append(got, view{c.HeadingPath, strings.SplitN(c.Text, "\n", 2)[0]})
	}
	want := []view{
		{[]string{"Guide"}, "# Guide"},
		{[]string{"Guide", "Install"}, "## Install"},
		{[]string{"Guide", "Install", "From source"}, "### From source"},
		{[]string{"Guide", "Use"}, "## Use"},
		{[]string{"Empty", "Child"}, "## Child"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunks:\n got %v\nwant %v", got, want)
	}
	if !strings.Contains(chunks[1].Text, "# comment, not a heading") {
		t.Errorf("fenced code was split as a heading: %q", chunks[1].Text)
	}
}

func TestSplitSizeAndOverlap(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Long\n\n")
	for i := range 60 {
		b.WriteString("Sentence number ")
		b.WriteString(strings.Repeat("x", i%7+1))
		b.WriteString(" is here. ")
		if i%10 == 9 {
			b.WriteString("\n\n")
		}
	}
	doc := &Document{Format: FormatMarkdown, Text: b.String()}
	tests := []struct {
		name         string
		max, overlap int
	}{
		{"small no overlap", 200, -1},
		{"small with overlap", 200, 50},
		{"default", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := Split(doc, ChunkOptions{MaxBytes: tt.max, OverlapBytes: tt.overlap})
			max, overlap := ChunkOptions{MaxBytes: tt.max, OverlapBytes: tt.overlap}.sizes()
			if len(doc.Text) > max && len(chunks) < 2 {
				t.Fatalf("%d bytes in %d chunks", len(doc.Text), len(chunks))
			}
			covered := 0
			for i, c := range chunks {
				if len(c.Text) > max {
					t.Errorf("chunk %d is %d bytes > %d", i, len(c.Text), max)
				}
				if !reflect.DeepEqual(c.HeadingPath, []string{"Long"}) {
					t.Errorf("chunk %d path %v", i, c.HeadingPath)
				}
				if c.Start > covered && strings.TrimSpace(doc.Text[covered:c.Start]) != "" {
					t.Errorf("gap before chunk %d: %q", i, doc.Text[covered:c.Start])
				}
				if i > 0 {
					shared := chunks[i-1].End - c.Start
					if overlap == 0 && shared > 0 {
						t.Errorf("chunk %d overlaps by %d with overlap off", i, shared)
					}
					if overlap > 0 && (shared <= 0 || shared > overlap) {
						t.Errorf("chunk %d overlaps by %d, want 1..%d", i, shared, overlap)
					}
					if c.Text[0] == ' ' || (c.Start > 0 && !isSpace(doc.Text[c.Start-1])) {
						t.Errorf("chunk %d starts inside a word: %q", i, c.Text[:10])
					}
				}
				covered = c.End
			}
			if strings.TrimSpace(doc.Text[covered:]) != "" {
				t.Errorf("text after the last chunk lost")
			}
		})
	}
}

func TestSplitPlainTextHasNoHeadings(t *testing.T) {
	doc := &Document{Format: FormatText, Text: "# not a heading\n\nbody\n"}
	chunks := Split(doc, ChunkOptions{})
	if len(chunks) != 1 || chunks[0].HeadingPath != nil || !strings.HasPrefix(chunks[0].Text, "# not") {
		t.Errorf("chunks = %+v", chunks)
	}
}

func TestSplitEmpty(t *testing.T) {
	if c := Split(&Document{Format: FormatMarkdown, Text: " \n\n"}, ChunkOptions{}); len(c) != 0 {
		t.Errorf("blank document gave %d chunks", len(c))
	}
	if c := Split(&Document{Format: FormatMarkdown, Text: "# Only a title\n"}, ChunkOptions{}); len(c) != 1 {
		t.Errorf("title-only document gave %d chunks, want 1", len(c))
	}
}
