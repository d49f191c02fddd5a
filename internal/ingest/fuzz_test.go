package ingest

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zipOf makes a zip of the given files.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, content := range files {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(content))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// seedFixtures adds the fixtures whose names end with ext to the corpus.
func seedFixtures(f *testing.F, ext string) {
	f.Helper()
	for _, dir := range []string{"testdata/formats", "testdata/formats/broken"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ext) {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			if len(b) > 64<<10 || strings.HasPrefix(e.Name(), "empty-rows") || strings.HasPrefix(e.Name(), "content-bomb") {
				continue // the fuzzer mutates small inputs best; bombs are tests of their own
			}
			f.Add(b)
		}
	}
}

// fuzzParse checks that Parse never panics and that what it returns holds
// together: a skip names the file, a document's pages lie inside its text
// in order, and every chunk is a slice of the text.
func fuzzParse(t *testing.T, name string, content []byte) {
	doc, err := Parse(name, content, nil, "")
	if err != nil {
		if !IsSkip(err) || !strings.Contains(err.Error(), name) {
			t.Fatalf("error %v is not a skip naming %s", err, name)
		}
		return
	}
	prev := -1
	for _, p := range doc.Pages {
		if p < prev || p > len(doc.Text) {
			t.Fatalf("page starts %v out of order or past the text (%d bytes)", doc.Pages, len(doc.Text))
		}
		prev = p
	}
	for _, c := range Split(doc, ChunkOptions{}) {
		if doc.Text[c.Start:c.End] != c.Text {
			t.Fatalf("chunk %d is not text[%d:%d]", c.Index, c.Start, c.End)
		}
	}
}

func FuzzDetectFormat(f *testing.F) {
	for _, s := range []string{"%PDF-1.4\n", "PK\x03\x04", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "", "# title\n", "\x00\x01"} {
		for _, name := range []string{"a.pdf", "a.docx", "a.xlsx", "a.pptx", "a.csv", "a.md", "a"} {
			f.Add(name, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, name string, content []byte) {
		format, err := DetectFormat(name, content)
		if err != nil {
			return
		}
		if format == "" {
			t.Fatalf("no format and no error for %q", name)
		}
		if binaryFormats[format] && len(content) == 0 {
			t.Fatalf("empty %s accepted", format)
		}
	})
}

func FuzzParsePDF(f *testing.F) {
	seedFixtures(f, ".pdf")
	f.Fuzz(func(t *testing.T, content []byte) { fuzzParse(t, "f.pdf", content) })
}

func FuzzParseDOCX(f *testing.F) {
	seedFixtures(f, ".docx")
	f.Add(zipOf(f, map[string]string{"word/document.xml": `<w:document><w:body><w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>`}))
	f.Fuzz(func(t *testing.T, content []byte) { fuzzParse(t, "f.docx", content) })
}

func FuzzParsePPTX(f *testing.F) {
	seedFixtures(f, ".pptx")
	f.Fuzz(func(t *testing.T, content []byte) { fuzzParse(t, "f.pptx", content) })
}

func FuzzParseXLSX(f *testing.F) {
	seedFixtures(f, ".xlsx")
	f.Fuzz(func(t *testing.T, content []byte) { fuzzParse(t, "f.xlsx", content) })
}

func FuzzParseCSV(f *testing.F) {
	seedFixtures(f, ".csv")
	f.Add([]byte("a;b\n\"x\";\"y\"\"\n"))
	f.Fuzz(func(t *testing.T, content []byte) { fuzzParse(t, "f.csv", content) })
}
