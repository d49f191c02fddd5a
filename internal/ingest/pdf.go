package ingest

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// Bounds on what a PDF may make the extractor do. A page tree or outline
// deeper or larger than these is treated as malformed (a loop, in practice).
const (
	maxPDFPages        = 20000
	maxPDFTreeDepth    = 64
	maxPDFOutlineItems = 5000
	maxPDFTextBytes    = 64 << 20
)

// pdfPage is the text of one page.
type pdfPage struct {
	// Number is the page's number, from 1.
	Number int
	Text   string
}

// pdfOutlineItem is one bookmark: its depth (1 for top level) and title.
type pdfOutlineItem struct {
	Level int
	Title string
}

// pdfContent is what extractPDF reads from a PDF.
type pdfContent struct {
	Pages    []pdfPage
	Outline  []pdfOutlineItem
	Metadata map[string]any
	Title    string
}

// errPDFEncrypted marks a PDF that needs a password to read.
var errPDFEncrypted = errors.New("encrypted PDF (it needs a password); save an unencrypted copy to index it")

// extractPDF reads the text layer of a PDF, page by page, in the order the
// page draws it, with line breaks where the baseline moves and spaces where
// glyphs are apart. It also reads the outline and the document information
// dictionary. It never panics: a malformed file gives an error.
func extractPDF(r io.ReaderAt, size int64, deadline time.Time) (out *pdfContent, err error) {
	defer func() {
		if x := recover(); x != nil {
			if x == errParseTimeout {
				panic(x)
			}
			out, err = nil, fmt.Errorf("malformed PDF: %v", x)
		}
	}()
	rd, err := pdf.NewReader(pdf20{r}, size)
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) {
			return nil, errPDFEncrypted
		}
		if strings.Contains(err.Error(), "encrypt") {
			return nil, fmt.Errorf("encrypted PDF this reader cannot decrypt (%v); save an unencrypted copy to index it", err)
		}
		return nil, fmt.Errorf("corrupt or truncated PDF: %v", err)
	}
	if err := checkObjectStreams(rd); err != nil {
		return nil, err
	}
	out = &pdfContent{Metadata: map[string]any{}}
	pages, err := pdfPages(rd)
	if err != nil {
		return nil, err
	}
	fonts := newPDFFontCache()
	total := 0
	for i, p := range pages {
		text := layoutGlyphs(pageGlyphs(p, fonts, deadline))
		if total += len(text); total > maxPDFTextBytes {
			return nil, fmt.Errorf("PDF holds more than %d MB of text", maxPDFTextBytes>>20)
		}
		out.Pages = append(out.Pages, pdfPage{Number: i + 1, Text: text})
	}
	out.Outline = pdfOutline(rd)
	info := rd.Trailer().Key("Info")
	for _, k := range []struct{ pdf, meta string }{
		{"Title", "title"}, {"Author", "author"}, {"Subject", "subject"}, {"Keywords", "keywords"},
		{"CreationDate", "created"}, {"ModDate", "modified"},
	} {
		v := strings.TrimSpace(cleanPDFString(info.Key(k.pdf).Text()))
		if v == "" {
			continue
		}
		if k.meta == "created" || k.meta == "modified" {
			if t, ok := parsePDFDate(v); ok {
				v = t
			} else {
				continue
			}
		}
		out.Metadata[k.meta] = v
	}
	if t, ok := out.Metadata["title"].(string); ok {
		out.Title = t
	}
	return out, nil
}

// pdfPages walks the page tree in order. A tree that loops, is too deep or
// holds too many pages is malformed.
func pdfPages(rd *pdf.Reader) ([]pdf.Page, error) {
	var pages []pdf.Page
	visits := 0
	var walk func(node pdf.Value, depth int) error
	walk = func(node pdf.Value, depth int) error {
		if depth > maxPDFTreeDepth {
			return fmt.Errorf("malformed PDF: the page tree is more than %d levels deep (a loop?)", maxPDFTreeDepth)
		}
		visits++
		if visits > 2*maxPDFPages {
			return fmt.Errorf("malformed PDF: the page tree has more than %d nodes (a loop?)", 2*maxPDFPages)
		}
		switch node.Key("Type").Name() {
		case "Page":
			pages = append(pages, pdf.Page{V: node})
			if len(pages) > maxPDFPages {
				return fmt.Errorf("PDF has more than %d pages", maxPDFPages)
			}
			return nil
		default: // "Pages", or a node missing its /Type
			kids := node.Key("Kids")
			if kids.Kind() != pdf.Array {
				if node.Key("Contents").Kind() != pdf.Null {
					pages = append(pages, pdf.Page{V: node})
				}
				return nil
			}
			for i := 0; i < kids.Len(); i++ {
				if err := walk(kids.Index(i), depth+1); err != nil {
					return err
				}
			}
			return nil
		}
	}
	root := rd.Trailer().Key("Root").Key("Pages")
	if root.Kind() != pdf.Dict {
		return nil, errors.New("malformed PDF: no page tree")
	}
	if err := walk(root, 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// pdf20 presents a PDF 2.0 file as 1.7: the library checks the header's
// version and refuses 2.0, whose syntax it reads like 1.7's.
type pdf20 struct{ io.ReaderAt }

func (p pdf20) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.ReaderAt.ReadAt(b, off)
	if off < 8 {
		const from, to = "%PDF-2.", "%PDF-1.7"
		head := make([]byte, 8)
		if m, _ := p.ReaderAt.ReadAt(head, 0); m == 8 && string(head[:7]) == from && head[7] >= '0' && head[7] <= '9' {
			for i := off; i < 8 && i-off < int64(n); i++ {
				b[i-off] = to[i]
			}
		}
	}
	return n, err
}

// checkObjectStreams refuses a cross-reference table that places an object
// stream inside an object stream, which the PDF format forbids: the
// library would follow such a chain (or loop) by recursion without end.
// The table is unexported; it is read by reflection, and a library
// without it is not checked.
func checkObjectStreams(rd *pdf.Reader) error {
	xref := reflect.ValueOf(rd).Elem().FieldByName("xref")
	if !xref.IsValid() || xref.Kind() != reflect.Slice {
		return nil
	}
	inStream := func(i int) (bool, int, bool) {
		e := xref.Index(i)
		in, strm := e.FieldByName("inStream"), e.FieldByName("stream")
		if !in.IsValid() || in.Kind() != reflect.Bool || !strm.IsValid() || strm.Kind() != reflect.Struct || strm.NumField() < 1 || !strm.Field(0).CanUint() {
			return false, 0, false
		}
		return in.Bool(), int(strm.Field(0).Uint()), true
	}
	for i := range xref.Len() {
		in, stream, ok := inStream(i)
		if !ok {
			return nil
		}
		if !in || stream >= xref.Len() {
			continue
		}
		if nested, _, _ := inStream(stream); nested {
			return fmt.Errorf("malformed PDF: object %d lies in object stream %d, which lies in an object stream itself", i, stream)
		}
	}
	return nil
}

// pdfOutline flattens the outline (bookmarks), bounded against loops.
func pdfOutline(rd *pdf.Reader) []pdfOutlineItem {
	var items []pdfOutlineItem
	var walk func(first pdf.Value, level int)
	walk = func(item pdf.Value, level int) {
		for ; item.Kind() == pdf.Dict && level <= maxPDFTreeDepth; item = item.Key("Next") {
			if len(items) >= maxPDFOutlineItems {
				return
			}
			if t := strings.Join(strings.Fields(cleanPDFString(item.Key("Title").Text())), " "); t != "" {
				items = append(items, pdfOutlineItem{Level: level, Title: t})
			}
			walk(item.Key("First"), level+1)
		}
	}
	walk(rd.Trailer().Key("Root").Key("Outlines").Key("First"), 1)
	return items
}

// tidyPageText folds ligatures and drops trailing spaces.
func tidyPageText(s string) string {
	s = pdfLigatures.Replace(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString(strings.TrimRight(line, " \t\r\n"))
		b.WriteByte('\n')
	}
	return b.String()
}

var pdfLigatures = strings.NewReplacer("\ufb00", "ff", "\ufb01", "fi", "\ufb02", "fl", "\ufb03", "ffi", "\ufb04", "ffl", "\ufb05", "st", "\ufb06", "st", "\u00ad", "")

// cleanPDFString drops what a PDF text string may carry that is not text:
// a byte-order mark and NULs.
func cleanPDFString(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.ReplaceAll(s, "\x00", "")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return s
}

// parsePDFDate turns a PDF date ("D:20230120123456+01'00'") into RFC 3339,
// or a date alone when there is no time.
func parsePDFDate(s string) (string, bool) {
	s = strings.TrimPrefix(s, "D:")
	s = strings.ReplaceAll(s, "'", "")
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits < 8 {
		return "", false
	}
	if digits < 14 {
		t, err := time.Parse("20060102", s[:8])
		if err != nil {
			return "", false
		}
		return t.Format("2006-01-02"), true
	}
	base, zone := s[:14], s[14:]
	loc := time.UTC
	if len(zone) >= 5 && (zone[0] == '+' || zone[0] == '-') {
		if z, err := time.Parse("-0700", zone[:5]); err == nil {
			loc = z.Location()
		}
	}
	t, err := time.ParseInLocation("20060102150405", base, loc)
	if err != nil {
		return "", false
	}
	return t.UTC().Format(time.RFC3339), true
}

// PDFPageTexts returns the text of each page of a PDF as the index reads
// it. It exists for measuring the extractor against others.
func PDFPageTexts(r io.ReaderAt, size int64) ([]string, error) {
	c, err := extractPDF(r, size, time.Time{})
	if err != nil {
		return nil, err
	}
	texts := make([]string, len(c.Pages))
	for i, p := range c.Pages {
		texts[i] = p.Text
	}
	return texts, nil
}
