package ingest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// Bounds on an Office file (a zip of XML parts). A file whose parts
// inflate to more than maxZipBytes in all is a zip bomb, or too big to
// index; one with more entries than maxZipEntries is not a real document.
const (
	maxZipBytes   = 256 << 20
	maxZipEntries = 20000
)

// errZipTooLarge marks a zip whose content inflates past maxZipBytes.
var errZipTooLarge = fmt.Errorf("it inflates to more than %d MB (a zip bomb?)", maxZipBytes>>20)

// officeZip is an open Office file with a budget of inflated bytes shared by
// all the parts read from it.
type officeZip struct {
	zr     *zip.Reader
	files  map[string]*zip.File
	budget int64
}

func openOfficeZip(r io.ReaderAt, size int64, kind string) (*officeZip, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		if looksLikeOLE(r) {
			return nil, fmt.Errorf("password-protected or legacy binary %s (not a zip); remove the password or save it again as .%s", kind, kind)
		}
		return nil, fmt.Errorf("not a valid .%s (not a zip: %v)", kind, err)
	}
	if len(zr.File) > maxZipEntries {
		return nil, fmt.Errorf("not a valid .%s: %d zip entries", kind, len(zr.File))
	}
	z := &officeZip{zr: zr, files: map[string]*zip.File{}, budget: maxZipBytes}
	var declared uint64
	for _, f := range zr.File {
		z.files[strings.TrimPrefix(f.Name, "/")] = f
		declared += f.UncompressedSize64
	}
	if declared > maxZipBytes {
		return nil, errZipTooLarge // what the zip says of itself; read() checks what it really holds
	}
	return z, nil
}

// looksLikeOLE reports the OLE2 compound-file signature: legacy Office files
// and password-protected (encrypted) OOXML files both use it.
func looksLikeOLE(r io.ReaderAt) bool {
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	return n == 8 && bytes.Equal(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
}

// has reports whether the zip holds the part name.
func (z *officeZip) has(name string) bool { return z.files[name] != nil }

// read returns a part's bytes, charging them to the budget. A missing part
// is an error wrapping fs.ErrNotExist-like errMissingPart.
func (z *officeZip) read(name string) ([]byte, error) {
	f := z.files[name]
	if f == nil {
		return nil, fmt.Errorf("part %s: %w", name, errMissingPart)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("part %s: %w", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, z.budget+1))
	if err != nil {
		return nil, fmt.Errorf("part %s: %w", name, err)
	}
	z.budget -= int64(len(b))
	if z.budget < 0 {
		return nil, errZipTooLarge
	}
	return b, nil
}

var errMissingPart = errors.New("missing")

// missingPart words the failure to read an Office file's main part: the
// part missing means the file is not of its kind.
func missingPart(err error, kind string) error {
	if errors.Is(err, errMissingPart) {
		return fmt.Errorf("not %s: %w", kind, err)
	}
	return err
}

// relTargets reads a part's relationships (word/_rels/document.xml.rels for
// word/document.xml) and returns target paths by relationship id, resolved
// against the part's folder.
func (z *officeZip) relTargets(part string) map[string]string {
	dir, file := path.Split(part)
	data, err := z.read(dir + "_rels/" + file + ".rels")
	if err != nil {
		return nil
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
			Mode   string `xml:"TargetMode,attr"`
		} `xml:"Relationship"`
	}
	if xml.Unmarshal(data, &rels) != nil {
		return nil
	}
	out := map[string]string{}
	for _, r := range rels.Rel {
		if r.Mode == "External" {
			continue
		}
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Clean(path.Join(dir, t))
		}
		out[r.ID] = t
	}
	return out
}

// coreProperties reads docProps/core.xml: title, author, subject,
// keywords, created and modified become metadata.
func (z *officeZip) coreProperties() map[string]any {
	meta := map[string]any{}
	data, err := z.read("docProps/core.xml")
	if err != nil {
		return meta
	}
	var core struct {
		Title    string `xml:"title"`
		Creator  string `xml:"creator"`
		Subject  string `xml:"subject"`
		Keywords string `xml:"keywords"`
		Created  string `xml:"created"`
		Modified string `xml:"modified"`
	}
	if xml.Unmarshal(data, &core) != nil {
		return meta
	}
	for k, v := range map[string]string{"title": core.Title, "author": core.Creator, "subject": core.Subject, "keywords": core.Keywords} {
		if v = strings.TrimSpace(v); v != "" {
			meta[k] = v
		}
	}
	for k, v := range map[string]string{"created": core.Created, "modified": core.Modified} {
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(v)); err == nil && t.Year() > 1900 {
			meta[k] = t.UTC().Format(time.RFC3339)
		}
	}
	return meta
}

// xmlDecoder returns a decoder over a part that does not fail on the
// entities and charsets Office files do not use.
func xmlDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return d
}

// walkXML calls fn with each token of an XML part, checking the deadline
// as it goes, until the end or until fn returns false.
func walkXML(data []byte, deadline time.Time, fn func(tok xml.Token) bool) error {
	d := xmlDecoder(data)
	for n := 0; ; n++ {
		if n%4096 == 0 {
			checkDeadline(deadline)
		}
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if !fn(tok) {
			return nil
		}
	}
}

// escapeMarkdown keeps a line of extracted text from being read as a
// Markdown heading or code fence by the chunker: such a line is indented
// by four spaces, which Markdown reads as plain text.
func escapeMarkdown(text string) string {
	if !strings.Contains(text, "#") && !strings.Contains(text, "```") && !strings.Contains(text, "~~~") {
		return text
	}
	var b strings.Builder
	for line := range strings.Lines(text) {
		t := strings.TrimLeft(line, " ")
		if len(line)-len(t) <= 3 && (strings.HasPrefix(t, "#") || strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")) {
			b.WriteString("    ")
		}
		b.WriteString(line)
	}
	return b.String()
}

// checkDeadline panics with errParseTimeout once the deadline has passed;
// parsers call it in their loops and the recover in parseDocument turns it
// into a skip.
func checkDeadline(deadline time.Time) {
	if !deadline.IsZero() && time.Now().After(deadline) {
		panic(errParseTimeout)
	}
}

// errParseTimeout marks a file that took longer than the parse time limit.
var errParseTimeout = errors.New("parsing took longer than the limit")
