// Package ingest turns a folder of documents into text a search index can
// take: it walks the folder, reads Markdown (front matter as metadata), plain
// text, HTML (text only), PDF (the text layer, page by page, headings from
// the outline), Word .docx, PowerPoint .pptx (slide by slide), Excel .xlsx
// and CSV (a line per row with its column names; see docs/formats.md),
// merges metadata from Bedrock-style
// "<file>.metadata.json" sidecars, and splits each document into
// heading-aware chunks with a size limit and overlap.
//
// It knows nothing of indexes; the local backend drives it.
package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Formats of a [Document].
const (
	FormatMarkdown = "markdown"
	FormatText     = "text"
	FormatHTML     = "html"
	FormatPDF      = "pdf"
	FormatDOCX     = "docx"
	FormatPPTX     = "pptx"
	FormatXLSX     = "xlsx"
	FormatCSV      = "csv"
)

// binaryFormats are read by a parser of their own, not as text.
var binaryFormats = map[string]bool{FormatPDF: true, FormatDOCX: true, FormatPPTX: true, FormatXLSX: true}

// ParseTimeout bounds the time one file may take to parse; a file that
// takes longer is skipped.
const ParseTimeout = 2 * time.Minute

// SidecarSuffix ends the name of a metadata sidecar: "a.pdf.metadata.json"
// holds the metadata of "a.pdf", as Bedrock Knowledge Bases expect.
const SidecarSuffix = ".metadata.json"

// DefaultMaxFileBytes is the default size above which a file is skipped.
const DefaultMaxFileBytes = 20 << 20

// Document is one source file as text.
type Document struct {
	// Path is the file's slash-separated path relative to the folder.
	Path string
	// Title is from front matter, <title>/<h1>, the first heading, or the
	// file name.
	Title string
	// Format is one of the Format constants.
	Format string
	// Text is the document's text: Markdown as written (front matter
	// removed), plain text, or HTML rendered as Markdown-like text.
	Text string
	// Metadata is front matter merged with the sidecar (the sidecar wins).
	Metadata map[string]any
	// Hash identifies the content and the sidecar; equal hashes mean the
	// document need not be re-indexed.
	Hash string
	// Size is the file size in bytes.
	Size int64
	// Anchors maps HTML element ids to byte offsets in Text.
	Anchors map[string]int
	// Pages holds, for a PDF or a PowerPoint deck, the byte offset in Text
	// where each page (slide) starts: page N starts at Pages[N-1].
	Pages []int
	// Warnings are problems that did not stop the file being indexed.
	Warnings []Warning
}

// PageAt returns the number (from 1) of the page holding byte offset off
// of Text, or 0 when the document has no pages.
func (d *Document) PageAt(off int) int {
	n := 0
	for i, start := range d.Pages {
		if start > off {
			break
		}
		n = i + 1
	}
	return n
}

// Warning is a problem in a file that was indexed anyway, such as front
// matter that is not valid YAML.
type Warning struct {
	Path string
	// Line is the file line the problem is on, from 1; 0 when unknown.
	Line    int
	Message string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.Path, w.Line, w.Message)
	}
	return w.Path + ": " + w.Message
}

// SkipError says why a file was not indexed. The run goes on.
type SkipError struct {
	Path   string
	Reason string
}

func (e *SkipError) Error() string { return fmt.Sprintf("skipped: %s: %s", e.Path, e.Reason) }

// IsSkip reports whether err is a [SkipError].
func IsSkip(err error) bool {
	var s *SkipError
	return errors.As(err, &s)
}

var formats = map[string]string{
	".md": FormatMarkdown, ".markdown": FormatMarkdown, ".mdx": FormatMarkdown,
	".txt": FormatText, ".text": FormatText, ".rst": FormatText, ".adoc": FormatText, "": FormatText,
	".html": FormatHTML, ".htm": FormatHTML, ".xhtml": FormatHTML,
	".pdf": FormatPDF, ".docx": FormatDOCX, ".pptx": FormatPPTX, ".xlsx": FormatXLSX,
	".csv": FormatCSV, ".tsv": FormatCSV,
}

// legacyFormats are the binary Office formats, which are not read: the
// reason says what to convert them to.
var legacyFormats = map[string]string{
	".doc": "legacy Word .doc; save it as .docx to index it",
	".xls": "legacy Excel .xls; save it as .xlsx to index it",
	".ppt": "legacy PowerPoint .ppt; save it as .pptx to index it",
}

// FormatOf returns the format of a file name, or "" when it is not one that
// is indexed.
func FormatOf(name string) string {
	return formats[strings.ToLower(path.Ext(name))]
}

// File is a candidate found by [Walk].
type File struct {
	// Path is slash-separated, relative to the folder.
	Path string
	Size int64
	// Sidecar reports a "<file>.metadata.json" beside it.
	Sidecar bool
	// real is the file's checked real path; sidecar its sidecar's.
	real, sidecar string
}

// Listing is what [Walk] found under a folder.
type Listing struct {
	// Files may be documents, sorted by path.
	Files []File
	// Skipped are files that cannot be documents (an unsupported type, a
	// symlink leading out of the folder, an unreadable folder).
	Skipped []*SkipError
	// Ignored are files and folders left out by an ignore rule, in walk
	// order.
	Ignored []Ignored
}

// Walk lists the files under root that may be documents. It leaves out
// what git would ignore (every .gitignore, nested ones included), what
// .kbignore files leave out, hidden files and folders, dependency and
// cache folders (node_modules, vendor, __pycache__), and what opts exclude;
// each comes back in Ignored with the rule that matched. The ignore files
// themselves and metadata sidecars are left out silently.
func Walk(root string, opts WalkOptions) (*Listing, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", root, err)
	}
	info, err := os.Stat(realRoot)
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", root, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", root)
	}
	ig := newIgnorer(opts)
	out := &Listing{}
	sidecars := map[string]bool{}
	err = filepath.WalkDir(realRoot, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(realRoot, p)
		rel = filepath.ToSlash(rel)
		if err != nil {
			out.Skipped = append(out.Skipped, &SkipError{Path: rel, Reason: "unreadable: " + err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if rel == "." {
			return ig.readDir(p, "")
		}
		if !d.IsDir() && (d.Name() == ".gitignore" || d.Name() == IgnoreFile) {
			return nil
		}
		if why := ig.match(rel, d.IsDir()); why != "" {
			out.Ignored = append(out.Ignored, Ignored{Path: rel, Dir: d.IsDir(), Reason: why})
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return ig.readDir(p, rel)
		}
		if strings.HasSuffix(d.Name(), SidecarSuffix) {
			sidecars[strings.TrimSuffix(rel, SidecarSuffix)] = true
			return nil
		}
		real := p
		if d.Type()&fs.ModeSymlink != 0 {
			var err error
			if real, err = SafeJoin(realRoot, rel); err != nil {
				out.Skipped = append(out.Skipped, &SkipError{Path: rel, Reason: "symlink leads outside the folder"})
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		ext := strings.ToLower(path.Ext(rel))
		if reason, ok := legacyFormats[ext]; ok {
			out.Skipped = append(out.Skipped, &SkipError{Path: rel, Reason: reason})
			return nil
		}
		if FormatOf(rel) == "" {
			out.Skipped = append(out.Skipped, &SkipError{Path: rel, Reason: "unsupported file type " + ext})
			return nil
		}
		fi, err := os.Stat(real)
		if err != nil {
			out.Skipped = append(out.Skipped, &SkipError{Path: rel, Reason: "unreadable: " + err.Error()})
			return nil
		}
		if !fi.Mode().IsRegular() {
			out.Skipped = append(out.Skipped, readSkip(rel, "", fmt.Errorf("%w (%s)", errNotRegular, kindOf(fi.Mode()))))
			return nil
		}
		out.Files = append(out.Files, File{Path: rel, Size: fi.Size(), real: real})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	for i := range out.Files {
		if sidecars[out.Files[i].Path] {
			if side, err := SafeJoin(realRoot, out.Files[i].Path+SidecarSuffix); err == nil {
				out.Files[i].Sidecar, out.Files[i].sidecar = true, side
			}
		}
	}
	slices.SortFunc(out.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// SafeJoin resolves rel inside root and refuses what would escape it: an
// absolute path, "..", or a symlink (at any level) leading outside root.
// It returns the real path of the file.
func SafeJoin(root, rel string) (string, error) {
	if rel == "" {
		return "", fmt.Errorf("empty path")
	}
	if filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`) || filepath.VolumeName(rel) != "" {
		return "", fmt.Errorf("path %q is absolute; give a path relative to the knowledge base folder", rel)
	}
	for _, part := range strings.FieldsFunc(rel, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return "", fmt.Errorf("path %q contains \"..\"; paths must stay inside the knowledge base folder", rel)
		}
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("knowledge base folder %s: %w", root, err)
	}
	full := filepath.Join(realRoot, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return "", fmt.Errorf("path %q: %w", rel, err)
	}
	inside, err := filepath.Rel(realRoot, real)
	if err != nil || inside == ".." || strings.HasPrefix(inside, ".."+string(filepath.Separator)) || filepath.IsAbs(inside) {
		return "", fmt.Errorf("path %q is a symlink leading outside the knowledge base folder", rel)
	}
	return real, nil
}

// Options bound what [Load] accepts.
type Options struct {
	// MaxFileBytes skips larger files; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
}

// ReadFile reads a file found by [Walk] like [Read], without resolving its
// path again: Walk has checked it stays inside the folder.
func ReadFile(f File, opts Options) (content, sidecar []byte, hash string, err error) {
	if f.real == "" {
		return nil, nil, "", &SkipError{Path: f.Path, Reason: "not found by Walk"}
	}
	return readChecked(f.Path, f.real, f.sidecar, opts)
}

// Read reads the file rel under root and its sidecar, and returns the raw
// bytes, the sidecar bytes (nil when there is none) and the content hash.
// It is the cheap first half of [Load], enough to decide whether a file
// changed.
func Read(root, rel string, opts Options) (content, sidecar []byte, hash string, err error) {
	full, err := SafeJoin(root, rel)
	if err != nil {
		return nil, nil, "", &SkipError{Path: rel, Reason: err.Error()}
	}
	side, serr := SafeJoin(root, rel+SidecarSuffix)
	if serr != nil {
		side = ""
	}
	return readChecked(rel, full, side, opts)
}

// maxSidecarBytes bounds a metadata sidecar.
const maxSidecarBytes = 1 << 20

// readChecked reads the file at the checked path full and the sidecar at
// the checked path side ("" for none).
func readChecked(rel, full, side string, opts Options) (content, sidecar []byte, hash string, err error) {
	limit := opts.MaxFileBytes
	if limit <= 0 {
		limit = DefaultMaxFileBytes
	}
	content, _, err = readRegular(full, limit, true)
	if err != nil {
		return nil, nil, "", readSkip(rel, "", err)
	}
	if !binaryFormats[FormatOf(rel)] && isBinary(content) {
		return nil, nil, "", &SkipError{Path: rel, Reason: "binary content"}
	}
	if side != "" {
		if sidecar, err = readSidecar(rel, side); err != nil {
			return nil, nil, "", err
		}
	}
	return content, sidecar, contentHash(content, sidecar), nil
}

func readSidecar(rel, side string) ([]byte, error) {
	sidecar, _, err := readRegular(side, maxSidecarBytes, true)
	if err != nil {
		return nil, readSkip(rel, "sidecar ", err)
	}
	return sidecar, nil
}

// readSkip turns a readRegular error into the skip reported for rel.
func readSkip(rel, what string, err error) *SkipError {
	switch {
	case errors.Is(err, errTooLarge):
		return &SkipError{Path: rel, Reason: what + err.Error() + " (raise --max-file-bytes)"}
	case errors.Is(err, errNotRegular):
		return &SkipError{Path: rel, Reason: what + err.Error() + "; only regular files are read"}
	}
	return &SkipError{Path: rel, Reason: what + "unreadable: " + err.Error()}
}

func contentHash(content, sidecar []byte) string {
	h := sha256.New()
	h.Write(content)
	h.Write([]byte{0})
	h.Write(sidecar)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// LoadPrefix reads and parses at most the first maxBytes of the document
// rel under root, for a reader who will see no more than that: a longer
// file is parsed from its prefix and reported truncated, and its Size is
// the whole file's. Only regular files are read, as by [Load].
func LoadPrefix(root, rel string, maxBytes int64) (doc *Document, truncated bool, err error) {
	full, err := SafeJoin(root, rel)
	if err != nil {
		return nil, false, &SkipError{Path: rel, Reason: err.Error()}
	}
	content, size, err := readRegular(full, maxBytes, false)
	if err != nil {
		return nil, false, readSkip(rel, "", err)
	}
	var sidecar []byte
	if side, serr := SafeJoin(root, rel+SidecarSuffix); serr == nil {
		if sidecar, err = readSidecar(rel, side); err != nil {
			return nil, false, err
		}
	}
	truncated = size > int64(len(content))
	if truncated {
		// Drop a character cut in two by the limit.
		i := len(content) - 1
		for i > 0 && i > len(content)-utf8.UTFMax && !utf8.RuneStart(content[i]) {
			i--
		}
		if i >= 0 && !utf8.FullRune(content[i:]) {
			content = content[:i]
		}
	}
	doc, err = Parse(rel, content, sidecar, contentHash(content, sidecar))
	if err != nil {
		return nil, false, err
	}
	doc.Size = size
	return doc, truncated, nil
}

// Load reads and parses the document rel under root. A file that cannot be
// indexed gives a [*SkipError].
func Load(root, rel string, opts Options) (*Document, error) {
	content, sidecar, hash, err := Read(root, rel, opts)
	if err != nil {
		return nil, err
	}
	return Parse(rel, content, sidecar, hash)
}

// Parse builds a Document from a file's bytes and its sidecar's (nil when
// none). hash is stored as is.
func Parse(rel string, content, sidecar []byte, hash string) (*Document, error) {
	format, err := DetectFormat(rel, content)
	if err != nil {
		return nil, &SkipError{Path: rel, Reason: err.Error()}
	}
	doc := &Document{Path: rel, Format: format, Hash: hash, Size: int64(len(content))}
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	var meta map[string]any
	switch doc.Format {
	case FormatPDF, FormatDOCX, FormatPPTX, FormatXLSX:
		o, err := parseBinary(doc.Format, content, time.Now().Add(ParseTimeout))
		if err != nil {
			return nil, &SkipError{Path: rel, Reason: err.Error()}
		}
		doc.Text, doc.Title, doc.Pages, meta = o.text, o.title, o.pages, o.meta
	case FormatCSV:
		text, err := guard(func() (string, error) { return parseCSV(content, time.Now().Add(ParseTimeout)) })
		if err != nil {
			return nil, &SkipError{Path: rel, Reason: err.Error()}
		}
		doc.Text = text
	case FormatMarkdown:
		var body []byte
		var warn *Warning
		meta, body, warn = splitFrontMatter(content)
		if warn != nil {
			warn.Path = rel
			doc.Warnings = append(doc.Warnings, *warn)
		}
		doc.Text = string(body)
		if t, ok := meta["title"].(string); ok && strings.TrimSpace(t) != "" {
			doc.Title = strings.TrimSpace(t)
		} else {
			doc.Title = firstHeading(doc.Text)
		}
	case FormatHTML:
		h := htmlToText(content)
		doc.Text, doc.Title, doc.Anchors = h.text, h.title, h.anchors
	default:
		doc.Text = string(content)
		doc.Title = textTitle(doc.Text)
	}
	if !utf8.ValidString(doc.Text) {
		doc.Text = strings.ToValidUTF8(doc.Text, "\uFFFD")
	}
	if strings.TrimSpace(doc.Text) == "" {
		reason := "empty file"
		if len(bytes.TrimSpace(content)) > 0 {
			reason = "no text to index"
			if doc.Format == FormatMarkdown {
				reason = "no text to index (front matter only)"
			}
		}
		return nil, &SkipError{Path: rel, Reason: reason}
	}
	if sidecar != nil {
		side, err := ParseSidecar(sidecar)
		if err != nil {
			return nil, &SkipError{Path: rel, Reason: fmt.Sprintf("sidecar %s%s: %v", path.Base(rel), SidecarSuffix, err)}
		}
		if meta == nil {
			meta = map[string]any{}
		}
		for k, v := range side {
			meta[k] = v
		}
	}
	if len(meta) > 0 {
		doc.Metadata = meta
	}
	if doc.Title == "" {
		base := path.Base(rel)
		doc.Title = strings.TrimSuffix(base, path.Ext(base))
	}
	return doc, nil
}

// DetectFormat returns the format of a file from its name and checks that
// its content is what the name says: a PDF starts with "%PDF-", an Office
// file is a zip; an empty PDF or Office file, or text that is binary, is an
// error saying so.
func DetectFormat(rel string, content []byte) (string, error) {
	format := FormatOf(rel)
	if format == "" {
		format = FormatText
	}
	if !binaryFormats[format] {
		if isBinary(content) {
			return "", errors.New("binary content")
		}
		return format, nil
	}
	if len(content) == 0 {
		return "", errors.New("empty file (0 bytes)")
	}
	switch format {
	case FormatPDF:
		head := content[:min(len(content), 1024)]
		if !bytes.Contains(head, []byte("%PDF-")) {
			return "", errors.New("not a PDF (no %PDF- header)")
		}
	default:
		if bytes.HasPrefix(content, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
			return "", fmt.Errorf("password-protected, or a legacy binary file renamed .%s; remove the password or save it again as .%s", format, format)
		}
		if !bytes.HasPrefix(content, []byte("PK\x03\x04")) {
			return "", fmt.Errorf("not a valid .%s (not a zip)", format)
		}
	}
	return format, nil
}

// parseBinary runs the parser of a PDF or Office format. A parser that
// panics or runs past the deadline costs this file only: the parsers check
// the deadline as they go, and a parser stuck where it cannot (inside the
// PDF library) is abandoned a little after it, on its goroutine.
func parseBinary(format string, content []byte, deadline time.Time) (*officeText, error) {
	type result struct {
		o   *officeText
		err error
	}
	done := make(chan result, 1)
	parse := parseNow
	go func() {
		o, err := parse(format, content, deadline)
		done <- result{o, err}
	}()
	timer := time.NewTimer(time.Until(deadline) + abandonGrace)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.o, r.err
	case <-timer.C:
		return nil, fmt.Errorf("%w (%s); the parser was abandoned", errParseTimeout, ParseTimeout)
	}
}

// abandonGrace is how long after its deadline a parser is waited for;
// parseNow runs the parsers. Tests change both.
var (
	abandonGrace = 10 * time.Second
	parseNow     = parseBinaryNow
)

func parseBinaryNow(format string, content []byte, deadline time.Time) (*officeText, error) {
	r, size := bytes.NewReader(content), int64(len(content))
	return guard(func() (*officeText, error) {
		switch format {
		case FormatPDF:
			return pdfDocument(r, size, deadline)
		case FormatDOCX:
			return parseDOCX(r, size, deadline)
		case FormatPPTX:
			return parsePPTX(r, size, deadline)
		case FormatXLSX:
			return parseXLSX(r, size, deadline)
		}
		return nil, fmt.Errorf("no parser for %s", format)
	})
}

// guard runs parse, turning a panic into an error.
func guard[T any](parse func() (T, error)) (out T, err error) {
	defer func() {
		if x := recover(); x != nil {
			var zero T
			out = zero
			if x == errParseTimeout {
				err = fmt.Errorf("%w (%s)", errParseTimeout, ParseTimeout)
				return
			}
			err = fmt.Errorf("the parser failed on this file: %v", x)
		}
	}()
	return parse()
}

// textTitle returns a plain text file's first non-empty line when it looks
// like a title: short, with a letter, not ending like a sentence. Lines of
// reStructuredText adornment ("=====") are passed over and AsciiDoc's
// "= Title" is unwrapped; otherwise it returns "" (the file name is used).
func textTitle(text string) string {
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || strings.Trim(line, "=-~^\"'`#*+") == "" {
			continue
		}
		line = strings.TrimSpace(strings.TrimLeft(line, "="))
		n := utf8.RuneCountInString(line)
		words := len(strings.Fields(line))
		last, _ := utf8.DecodeLastRuneInString(line)
		if n > 80 || words > 12 || strings.ContainsRune(".,;:", last) || !strings.ContainsFunc(line, unicode.IsLetter) {
			return ""
		}
		return line
	}
	return ""
}

// isBinary reports content that is not text: a NUL byte or mostly invalid
// UTF-8 in its first 8 KiB.
func isBinary(b []byte) bool {
	head := b
	if len(head) > 8192 {
		head = head[:8192]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	if utf8.Valid(head) {
		return false
	}
	bad := 0
	for len(head) > 0 {
		r, size := utf8.DecodeRune(head)
		if r == utf8.RuneError && size == 1 && len(head) >= utf8.UTFMax {
			bad++
		}
		head = head[size:]
	}
	return bad > 32
}

// firstHeading returns the text of the first Markdown heading of level 1
// (or any level when there is none).
func firstHeading(text string) string {
	any := ""
	inFence := false
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if isFence(line) {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		if level, title := headingOf(line); level > 0 {
			if level == 1 {
				return title
			}
			if any == "" {
				any = title
			}
		}
	}
	return any
}
