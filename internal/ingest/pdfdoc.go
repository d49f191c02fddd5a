package ingest

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// pdfDocument renders an extracted PDF as text: pages in order, each
// page's start recorded, and the outline's entries turned into "#"
// headings on the lines of the page that carry their titles (outline
// entries whose title is found on no page from the previous entry's on
// are left out). A PDF without a word of text is a scan.
func pdfDocument(r io.ReaderAt, size int64, deadline time.Time) (*officeText, error) {
	c, err := extractPDF(r, size, deadline)
	if err != nil {
		return nil, err
	}
	pages := make([][]string, len(c.Pages))
	words := 0
	for i, p := range c.Pages {
		pages[i] = strings.Split(escapeMarkdown(p.Text), "\n")
		words += len(strings.Fields(p.Text))
	}
	if len(c.Pages) == 0 {
		return nil, fmt.Errorf("PDF has no pages")
	}
	if words == 0 {
		return nil, fmt.Errorf("PDF has no text layer (%d pages of images, a scan?); run OCR on it first (for example ocrmypdf) and index the result", len(c.Pages))
	}
	firstHeading := ""
	pg, ln := 0, 0
	for _, item := range c.Outline {
		checkDeadline(deadline)
		p, l, ok := findHeadingLine(pages, item.Title, pg, ln)
		if !ok {
			continue
		}
		line := strings.Join(strings.Fields(pages[p][l]), " ")
		pages[p][l] = strings.Repeat("#", min(item.Level, 6)) + " " + line
		if firstHeading == "" {
			firstHeading = line
		}
		pg, ln = p, l+1
	}
	out := &officeText{meta: c.Metadata, title: c.Title}
	var b strings.Builder
	for _, lines := range pages {
		out.pages = append(out.pages, b.Len())
		for _, l := range lines {
			if strings.HasPrefix(l, "#") && b.Len() > 0 && !strings.HasSuffix(b.String(), "\n\n") {
				b.WriteByte('\n')
			}
			b.WriteString(l)
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	out.text = b.String()
	if out.title == "" {
		out.title = firstHeading
	}
	return out, nil
}

// findHeadingLine looks for the line that carries an outline title, from
// line ln of page pg on: a line equal to the title, or a line of at most
// twice its length that starts or ends with it (section numbers).
func findHeadingLine(pages [][]string, title string, pg, ln int) (int, int, bool) {
	want := strings.ToLower(strings.Join(strings.Fields(title), " "))
	if want == "" {
		return 0, 0, false
	}
	for p := pg; p < len(pages); p++ {
		start := 0
		if p == pg {
			start = ln
		}
		for l := start; l < len(pages[p]); l++ {
			got := strings.ToLower(strings.Join(strings.Fields(pages[p][l]), " "))
			if got == "" || len(got) > 2*len(want)+8 || strings.Contains(got, ". .") {
				continue
			}
			if got == want || strings.HasSuffix(got, " "+want) || strings.HasPrefix(got, want+" ") {
				return p, l, true
			}
		}
	}
	return 0, 0, false
}
