package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fixtures under testdata/formats were made by pandoc, python-docx,
// openpyxl and ghostscript (testdata/formats/make.sh).

func parseFixture(t *testing.T, name string) (*Document, error) {
	t.Helper()
	content, err := os.ReadFile(filepath.Join("testdata/formats", name))
	if err != nil {
		t.Fatal(err)
	}
	return Parse(name, content, nil, "h")
}

// wantSkip fails unless err is a skip naming path and saying reason.
func wantSkip(t *testing.T, err error, path, reason string) {
	t.Helper()
	if !IsSkip(err) {
		t.Fatalf("err = %v, want a skip", err)
	}
	if !strings.Contains(err.Error(), reason) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %q, want it to name %s and say %q", err, path, reason)
	}
}

// chunkView is what a test checks of a chunk.
type chunkView struct {
	heading string
	page    int
	starts  string
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		file     string
		format   string
		title    string
		meta     map[string]any
		contains []string
		absent   []string
		pages    int
		chunks   []chunkView
	}{
		{
			file: "guide.pdf", format: FormatPDF, title: "Pump Maintenance Guide", pages: 3,
			meta: map[string]any{"title": "Pump Maintenance Guide", "author": "Dara Quinn", "subject": "Pumps",
				"created": "2023-11-14T22:13:20Z", "modified": "2023-11-14T22:13:20Z"},
			contains: []string{"Bolt the pump to a level concrete base before connecting pipes.", "Grease the bearings every 500 operating hours."},
			chunks: []chunkView{
				{"Installation", 1, "# Installation\nBolt the pump"},
				{"Servicing", 2, "# Servicing\nGrease"},
				{"Servicing > Seals", 3, "## Seals\nReplace the mechanical seal"},
			},
		},
		{
			file: "handbook.docx", format: FormatDOCX, title: "Field Handbook",
			meta: map[string]any{"title": "Field Handbook", "author": "Ana Lima",
				"created": "2023-11-14T22:13:20Z", "modified": "2023-11-14T22:13:20Z"},
			contains: []string{
				"- Inspect the harness\n- Test the radio on channel 7\n",
				"Item: Drill; Owner: Ben; Location: Shed B\nItem: Ladder; Owner: Cara; Location: Bay 3\n",
				"Always wear the orange helmet on site.[20]",
				"Helmets are replaced every two years.",
			},
			chunks: []chunkView{
				{"Field Handbook", 0, "# Field Handbook"},
				{"Safety", 0, "# Safety\n\nAlways wear"},
				{"Safety > Checklist", 0, "## Checklist"},
				{"Equipment", 0, "# Equipment\n\nItem: Drill"},
				{"Headers and footers", 0, "# Headers and footers\n\nAcme Field Services - internal\n\nRevision 4"},
				{"Footnotes", 0, "# Footnotes\n\n[20] Helmets"},
			},
		},
		{
			file: "deck.pptx", format: FormatPPTX, title: "Quarterly Review", pages: 3,
			meta: map[string]any{"title": "Quarterly Review", "author": "Ben Ortiz",
				"created": "2023-11-14T22:13:20Z", "modified": "2023-11-14T22:13:20Z"},
			chunks: []chunkView{
				{"Slide 1: Quarterly Review", 1, "# Slide 1: Quarterly Review\n\nBen Ortiz"},
				{"Slide 2: Revenue", 2, "# Slide 2: Revenue\n\nRevenue grew by 12 percent\nThe northern region led\n\nNotes: Mention the warehouse migration."},
				{"Slide 3: Hiring", 3, "# Slide 3: Hiring\n\nFour engineers joined"},
			},
		},
		{
			file: "stock.xlsx", format: FormatXLSX, title: "Stock sheet",
			meta: map[string]any{"title": "Stock sheet", "author": "Cara Dias",
				"created": "2024-05-02T09:30:00Z", "modified": "2024-05-02T09:30:00Z"},
			contains: []string{
				"Part: Valve 2in; Quantity: 40; Supplier: Norte Ltd; Received: 2024-03-01\n\nPart: Gasket; Quantity: 1200; Supplier: Sul SA; Received: 2024-04-15\n",
			},
			chunks: []chunkView{
				{"Inventory", 0, "# Inventory\n\nPart: Valve 2in"},
				{"Contacts", 0, "# Contacts\n\nName: Norte Ltd; Phone: +351 21 000 0000"},
			},
		},
		{
			// The same workbook with a million empty rows in its first sheet.
			file: "empty-rows.xlsx", format: FormatXLSX, title: "Stock sheet",
			absent: []string{"not indexed"},
			chunks: []chunkView{
				{"Inventory", 0, "# Inventory\n\nPart: Valve 2in"},
				{"Contacts", 0, "# Contacts"},
			},
		},
		{
			file: "cities.csv", format: FormatCSV, title: "cities",
			contains: []string{"City: Porto; Country: Portugal; Population: 231800\n\nCity: Lyon; Country: France; Population: 522250\n"},
			chunks:   []chunkView{{"", 0, "City: Porto"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc, err := parseFixture(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Format != tt.format || doc.Title != tt.title {
				t.Errorf("format, title = %q, %q; want %q, %q", doc.Format, doc.Title, tt.format, tt.title)
			}
			if tt.meta != nil && !reflect.DeepEqual(doc.Metadata, tt.meta) {
				t.Errorf("metadata = %#v\nwant %#v", doc.Metadata, tt.meta)
			}
			if len(doc.Pages) != tt.pages {
				t.Errorf("%d pages, want %d", len(doc.Pages), tt.pages)
			}
			for _, s := range tt.contains {
				if !strings.Contains(doc.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, doc.Text)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(doc.Text, s) {
					t.Errorf("text has %q:\n%s", s, doc.Text)
				}
			}
			chunks := Split(doc, ChunkOptions{})
			if len(chunks) != len(tt.chunks) {
				t.Fatalf("%d chunks, want %d:\n%s", len(chunks), len(tt.chunks), doc.Text)
			}
			for i, want := range tt.chunks {
				c := chunks[i]
				if h := strings.Join(c.HeadingPath, " > "); h != want.heading || c.Page != want.page || !strings.HasPrefix(c.Text, want.starts) {
					t.Errorf("chunk %d: heading %q, page %d, text %q\nwant heading %q, page %d, text starting %q", i, h, c.Page, c.Text, want.heading, want.page, want.starts)
				}
			}
		})
	}
}

func TestParseSkipsBadFiles(t *testing.T) {
	tests := []struct{ file, reason string }{
		{"scanned.pdf", "PDF has no text layer (1 pages of images, a scan?); run OCR"},
		{"encrypted.pdf", "encrypted PDF (it needs a password)"},
		{"broken/truncated.pdf", "corrupt or truncated PDF"},
		{"broken/empty.pdf", "empty file (0 bytes)"},
		{"broken/loop.pdf", "the page tree is more than 64 levels deep (a loop?)"},
		{"broken/content-bomb.pdf", "a page's content inflates to more than 16 MB"},
		{"broken/deep-nesting.pdf", "a page's content nests arrays or dictionaries more than 256 deep"},
		{"broken/objstm-loop.pdf", "object 1 lies in object stream 2, which lies in an object stream itself"},
		{"broken/notzip.docx", "not a valid .docx (not a zip)"},
		{"broken/bomb.docx", "inflates to more than 256 MB (a zip bomb?)"},
		{"broken/protected.xlsx", "password-protected, or a legacy binary file renamed .xlsx"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := parseFixture(t, tt.file)
			wantSkip(t, err, tt.file, tt.reason)
		})
	}
}

func TestParseOfficeEdgeCases(t *testing.T) {
	tests := []struct {
		name, file string
		content    []byte
		reason     string
	}{
		{"zip that is not a Word document", "x.docx", zipOf(t, map[string]string{"a.txt": "hi"}), "not a Word document"},
		{"zip that is not a deck", "x.pptx", zipOf(t, map[string]string{"a.txt": "hi"}), "not a PowerPoint presentation"},
		{"zip that is not a workbook", "x.xlsx", zipOf(t, map[string]string{"a.txt": "hi"}), "not an Excel workbook"},
		{"bad XML", "x.docx", zipOf(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p>"}), "word/document.xml"},
		{"zip header then garbage", "x.pptx", []byte("PK\x03\x04garbage"), "not a valid .pptx"},
		{"PDF header only", "x.pdf", []byte("%PDF-1.7\n"), "corrupt or truncated PDF"},
		{"text named .pdf", "x.pdf", []byte("hello"), "not a PDF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.file, tt.content, nil, "")
			if !IsSkip(err) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err = %v, want a skip saying %q", err, tt.reason)
			}
		})
	}
}

// A parser stuck where it cannot see its deadline is abandoned, and the file
// is skipped as too slow.
func TestStuckParserIsAbandoned(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	oldParse, oldGrace := parseNow, abandonGrace
	defer func() { parseNow, abandonGrace = oldParse, oldGrace }()
	parseNow = func(string, []byte, time.Time) (*officeText, error) {
		<-release
		return nil, nil
	}
	abandonGrace = 0
	_, err := parseBinary(FormatPDF, []byte("%PDF-1.4"), time.Now().Add(10*time.Millisecond))
	if !errors.Is(err, errParseTimeout) || !strings.Contains(err.Error(), "abandoned") {
		t.Fatalf("err = %v, want a timeout that abandons the parser", err)
	}
}

// A PDF 2.0 file is read like 1.7 (the library refuses the 2.0 header).
func TestPDF20(t *testing.T) {
	content, err := os.ReadFile("testdata/formats/guide.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(content, []byte("%PDF-1.7")) {
		t.Fatalf("fixture header %q", content[:8])
	}
	content = append([]byte("%PDF-2.0"), content[8:]...)
	doc, err := Parse("v2.pdf", content, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Pages) != 3 || !strings.Contains(doc.Text, "Grease the bearings") {
		t.Errorf("pages %v, text:\n%s", doc.Pages, doc.Text)
	}
}

func TestSidecarOverridesDocumentProperties(t *testing.T) {
	content, err := os.ReadFile("testdata/formats/guide.pdf")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Parse("guide.pdf", content, []byte(`{"metadataAttributes":{"author":"Ops team","team":"plant"}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if doc.Metadata["author"] != "Ops team" || doc.Metadata["team"] != "plant" || doc.Metadata["subject"] != "Pumps" {
		t.Errorf("metadata = %v; want the sidecar's author and team over the PDF's properties, the PDF's subject kept", doc.Metadata)
	}
}

func TestWalkFormats(t *testing.T) {
	listing, err := Walk("testdata/formats", WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	files, skips := listing.Files, listing.Skipped
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	for _, want := range []string{"broken/loop.pdf", "cities.csv", "deck.pptx", "guide.pdf", "handbook.docx", "stock.xlsx"} {
		if !slices.Contains(got, want) {
			t.Errorf("Walk lacks %s: %v", want, got)
		}
	}
	for _, s := range skips {
		if s.Path != "make.sh" {
			t.Errorf("unexpected skip %v", s)
		}
	}
}

func TestLegacyOfficeSkipped(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.doc", "b.xls", "c.ppt"} {
		os.WriteFile(filepath.Join(dir, name), []byte{0xD0, 0xCF, 0x11, 0xE0}, 0o644)
	}
	listing, err := Walk(dir, WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	skips := listing.Skipped
	want := map[string]string{"a.doc": "save it as .docx", "b.xls": "save it as .xlsx", "c.ppt": "save it as .pptx"}
	if len(skips) != len(want) {
		t.Fatalf("skips = %v", skips)
	}
	for _, s := range skips {
		if !strings.Contains(s.Reason, want[s.Path]) {
			t.Errorf("%s: reason %q, want %q", s.Path, s.Reason, want[s.Path])
		}
	}
}

func TestCSVSeparatorsAndLargeSheets(t *testing.T) {
	var big strings.Builder
	big.WriteString("Id;Name\n")
	for i := range 3000 {
		fmt.Fprintf(&big, "row%d;value %s. More text.\n", i, strings.Repeat("z", i%7))
	}
	doc, err := Parse("big.csv", []byte(big.String()), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	chunks := Split(doc, ChunkOptions{})
	if len(chunks) < 10 {
		t.Fatalf("%d chunks for 3000 rows, want many", len(chunks))
	}
	for _, c := range chunks {
		// Every chunk starts on a row, with its column names.
		if !strings.HasPrefix(c.Text, "Id: row") {
			t.Fatalf("chunk %d starts %q, want a whole row with its column names", c.Index, c.Text[:min(30, len(c.Text))])
		}
	}
	tsv, err := Parse("t.tsv", []byte("A\tB\n1\t2\n"), nil, "")
	if err != nil || !strings.Contains(tsv.Text, "A: 1; B: 2") {
		t.Errorf("tsv: %v %q", err, tsv.Text)
	}
}

func TestPageAt(t *testing.T) {
	d := &Document{Pages: []int{0, 10, 25}}
	for off, want := range map[int]int{0: 1, 9: 1, 10: 2, 24: 2, 25: 3, 1000: 3} {
		if got := d.PageAt(off); got != want {
			t.Errorf("PageAt(%d) = %d, want %d", off, got, want)
		}
	}
	if got := (&Document{}).PageAt(5); got != 0 {
		t.Errorf("no pages: PageAt = %d, want 0", got)
	}
}

func TestEscapeMarkdown(t *testing.T) {
	in := "# not a heading\n  ``` not a fence\ntext # here\n"
	got := escapeMarkdown(in)
	doc := &Document{Text: got, Format: FormatPDF}
	for _, c := range Split(doc, ChunkOptions{}) {
		if len(c.HeadingPath) > 0 {
			t.Errorf("escaped text still has a heading: %v", c.HeadingPath)
		}
	}
	if !strings.Contains(got, "text # here") {
		t.Errorf("a # inside a line must stay: %q", got)
	}
}

func TestExcelDates(t *testing.T) {
	tests := []struct {
		serial float64
		d1904  bool
		want   string
	}{
		{45352, false, "2024-03-01"},
		{45352.5, false, "2024-03-01 12:00:00"},
		{0, true, "1904-01-01"},
		{-1, false, "-1"},
	}
	for _, tt := range tests {
		if got := excelDate(tt.serial, tt.d1904); got != tt.want {
			t.Errorf("excelDate(%v, %v) = %q, want %q", tt.serial, tt.d1904, got, tt.want)
		}
	}
	for code, want := range map[string]bool{"yyyy-mm-dd": true, "0.00": false, `"day"0`: false, "[Red]0.0": false, "h:mm": false, "d-mmm": true} {
		if got := isDateFormat(code); got != want {
			t.Errorf("isDateFormat(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestParsePDFDate(t *testing.T) {
	for in, want := range map[string]string{
		"D:20230120123456+01'00'": "2023-01-20T11:34:56Z",
		"D:20230120123456Z":       "2023-01-20T12:34:56Z",
		"D:20230120":              "2023-01-20",
		"junk":                    "",
	} {
		got, ok := parsePDFDate(in)
		if got != want || ok != (want != "") {
			t.Errorf("parsePDFDate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
