package ingest

import (
	"strings"
)

// Default chunk sizes: about 500 tokens, so most documentation sections
// stay whole, with a sentence or two of overlap where a section must be
// cut. On the Python-docs evaluation (bench/results/notebook.md) this size ranks
// better than 1,200 bytes for BM25 and BM25F alike.
const (
	DefaultChunkBytes   = 2000
	DefaultOverlapBytes = 150
)

// Chunk is one passage of a [Document].
type Chunk struct {
	// Index is the chunk's position in its document, from 0.
	Index int
	// HeadingPath lists the headings the chunk sits under, outermost first.
	HeadingPath []string
	// Text is the passage; Text == doc.Text[Start:End].
	Text       string
	Start, End int
	// Page is the page (or slide) the chunk starts on, from 1; 0 when the
	// document has no pages.
	Page int
}

// ChunkOptions size the chunks.
type ChunkOptions struct {
	// MaxBytes is the largest chunk; 0 means DefaultChunkBytes. A chunk is
	// cut at a paragraph, else a sentence, else a word boundary.
	MaxBytes int
	// OverlapBytes of the end of a chunk are repeated at the start of the
	// next one of the same section; 0 means DefaultOverlapBytes, negative
	// means none.
	OverlapBytes int
}

// Effective returns o with the defaults filled in, as Split applies them
// (an overlap of none is -1).
func (o ChunkOptions) Effective() ChunkOptions {
	max, overlap := o.sizes()
	if overlap == 0 {
		overlap = -1
	}
	return ChunkOptions{MaxBytes: max, OverlapBytes: overlap}
}

func (o ChunkOptions) sizes() (max, overlap int) {
	max, overlap = o.MaxBytes, o.OverlapBytes
	if max <= 0 {
		max = DefaultChunkBytes
	}
	switch {
	case overlap == 0:
		overlap = DefaultOverlapBytes
	case overlap < 0:
		overlap = 0
	}
	if overlap > max/2 {
		overlap = max / 2
	}
	return max, overlap
}

// section is the text under one heading, up to the next heading.
type section struct {
	path       []string
	start, end int
	bodyStart  int // after the heading line
}

// Split cuts doc into chunks that follow its headings: a section (a heading
// and its text up to the next heading) that fits is one chunk; a longer one
// is cut at paragraph, sentence or word boundaries with overlap. Each chunk
// keeps its heading path. Headings inside fenced code blocks are not
// headings; plain-text documents have none.
func Split(doc *Document, opts ChunkOptions) []Chunk {
	max, overlap := opts.sizes()
	if doc.Format == FormatCSV || doc.Format == FormatXLSX {
		overlap = 0 // rows carry their column names: a chunk is whole rows, none repeated
	}
	text := doc.Text
	sections := sectionsOf(text, doc.Format != FormatText)
	var chunks []Chunk
	for _, s := range sections {
		if strings.TrimSpace(text[s.bodyStart:s.end]) == "" {
			continue // a heading with nothing under it: its title lives on in its children's paths
		}
		for _, span := range splitSpan(text, s.start, s.end, max, overlap) {
			start, end := trimSpan(text, span[0], span[1])
			if start >= end {
				continue
			}
			chunks = append(chunks, Chunk{
				Index:       len(chunks),
				HeadingPath: s.path,
				Text:        text[start:end],
				Start:       start,
				End:         end,
				Page:        doc.PageAt(start),
			})
		}
	}
	if len(chunks) == 0 {
		if start, end := trimSpan(text, 0, len(text)); start < end {
			for _, span := range splitSpan(text, start, end, max, overlap) {
				s, e := trimSpan(text, span[0], span[1])
				if s < e {
					chunks = append(chunks, Chunk{Index: len(chunks), Text: text[s:e], Start: s, End: e, Page: doc.PageAt(s)})
				}
			}
		}
	}
	return chunks
}

// sectionsOf splits text at Markdown ATX headings ("# Title").
func sectionsOf(text string, headings bool) []section {
	var out []section
	var stack []string // heading titles by level-1
	cur := section{start: 0, bodyStart: 0}
	inFence := false
	fence := ""
	offset := 0
	for line := range strings.Lines(text) {
		lineStart := offset
		offset += len(line)
		if !headings {
			continue
		}
		trimmed := strings.TrimRight(line, "\r\n")
		if f := fenceMarker(trimmed); f != "" {
			switch {
			case !inFence:
				inFence, fence = true, f
			case strings.HasPrefix(f, fence):
				inFence = false
			}
			continue
		}
		if inFence {
			continue
		}
		level, title := headingOf(trimmed)
		if level == 0 {
			continue
		}
		cur.end = lineStart
		out = append(out, cur)
		if level > len(stack) {
			for len(stack) < level-1 {
				stack = append(stack, "")
			}
			stack = append(stack, title)
		} else {
			stack = append(stack[:level-1], title)
		}
		path := make([]string, 0, len(stack))
		for _, t := range stack {
			if t != "" {
				path = append(path, t)
			}
		}
		cur = section{path: path, start: lineStart, bodyStart: offset}
	}
	cur.end = len(text)
	out = append(out, cur)
	return out
}

// headingOf parses an ATX heading line: its level (0 when the line is not
// a heading) and its title.
func headingOf(line string) (int, string) {
	trimmed := strings.TrimLeft(line, " ")
	if len(line)-len(trimmed) > 3 {
		return 0, ""
	}
	level := 0
	for level < len(trimmed) && trimmed[level] == '#' {
		level++
	}
	if level == 0 || level > 6 {
		return 0, ""
	}
	rest := trimmed[level:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return 0, ""
	}
	title := strings.TrimSpace(rest)
	title = strings.TrimSpace(strings.TrimRight(title, "#"))
	if title == "" {
		return 0, ""
	}
	return level, title
}

func isFence(line string) bool { return fenceMarker(line) != "" }

// fenceMarker returns the ``` or ~~~ run opening or closing a code fence.
func fenceMarker(line string) string {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 3 {
		return ""
	}
	c := t[0]
	if c != '`' && c != '~' {
		return ""
	}
	n := 0
	for n < len(t) && t[n] == c {
		n++
	}
	if n < 3 {
		return ""
	}
	return t[:n]
}

// splitSpan cuts text[start:end] into spans of at most max bytes, each
// after the first starting up to overlap bytes before the previous end.
func splitSpan(text string, start, end, max, overlap int) [][2]int {
	var spans [][2]int
	pos := start
	for end-pos > max {
		cut := cutPoint(text, pos, pos+max)
		spans = append(spans, [2]int{pos, cut})
		next := cut
		if overlap > 0 {
			next = wordStart(text, cut-overlap, cut)
		}
		if next <= pos {
			next = cut
		}
		pos = next
	}
	return append(spans, [2]int{pos, end})
}

// cutPoint picks where to end a chunk in text[from:limit]: the last
// paragraph break in its second half, else the last sentence end, else the
// last space, else limit (on a rune boundary).
func cutPoint(text string, from, limit int) int {
	window := text[from:limit]
	half := len(window) / 2
	if i := strings.LastIndex(window, "\n\n"); i >= half {
		return from + i + 2
	}
	best := -1
	for _, sep := range []string{". ", ".\n", "? ", "! ", ":\n", ";\n"} {
		if i := strings.LastIndex(window, sep); i >= half && i+len(sep) > best {
			best = i + len(sep)
		}
	}
	if best > 0 {
		return from + best
	}
	if i := strings.LastIndex(window, "\n"); i >= half {
		return from + i + 1
	}
	if i := strings.LastIndexByte(window, ' '); i >= half {
		return from + i + 1
	}
	cut := limit
	for cut > from && cut < len(text) && !runeStart(text[cut]) {
		cut--
	}
	return cut
}

func runeStart(b byte) bool { return b&0xC0 != 0x80 }

// wordStart moves pos forward to the start of a word, not past limit.
func wordStart(text string, pos, limit int) int {
	if pos <= 0 {
		return 0
	}
	for i := pos; i < limit; i++ {
		if isSpace(text[i-1]) && !isSpace(text[i]) {
			return i
		}
	}
	for pos < limit && !runeStart(text[pos]) {
		pos++
	}
	return pos
}

// trimSpan shrinks [start,end) to exclude surrounding whitespace.
func trimSpan(text string, start, end int) (int, int) {
	for start < end && isSpace(text[start]) {
		start++
	}
	for end > start && isSpace(text[end-1]) {
		end--
	}
	return start, end
}
