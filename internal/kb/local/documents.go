package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// MaxDocumentBytes caps the text GetDocument returns; longer documents are
// truncated and marked so.
const MaxDocumentBytes = 1 << 20

// readLimit bounds how much of a file GetDocument reads for a document of
// format: enough for MaxDocumentBytes of text after front matter is cut
// (Markdown, text) or after markup is dropped (HTML, whose text is a
// fraction of its bytes). A longer file is read only that far.
func readLimit(format string) int64 {
	if format == ingest.FormatHTML {
		return 4 * MaxDocumentBytes
	}
	return MaxDocumentBytes + 64<<10
}

// GetDocument implements kb.Backend. uri is kb://NAME/PATH as in results,
// or a path relative to the knowledge base folder. Only indexed documents
// are served, and never through "..", an absolute path or a symlink
// leading out of the folder.
func (s *Store) GetDocument(ctx context.Context, knowledgeBaseID, uri string) (*kb.Document, error) {
	return s.getDocument(knowledgeBaseID, uri, nil)
}

var _ kb.PageReader = (*Store)(nil)

// GetDocumentPages implements kb.PageReader: the text of pages first..last
// of a PDF (slides of a presentation); last 0 means the last page.
func (s *Store) GetDocumentPages(ctx context.Context, knowledgeBaseID, uri string, first, last int) (*kb.Document, error) {
	if first < 1 || (last != 0 && last < first) {
		return nil, fmt.Errorf("pages %d-%d: %w: pages count from 1 and the range must not be empty", first, last, kb.ErrInvalidArgument)
	}
	return s.getDocument(knowledgeBaseID, uri, &kb.PageSpan{First: first, Last: last})
}

// getDocument reads a document, and only the pages of span when it is not
// nil.
func (s *Store) getDocument(knowledgeBaseID, uri string, span *kb.PageSpan) (*kb.Document, error) {
	name, docPath := knowledgeBaseID, uri
	if strings.Contains(uri, "://") {
		var err error
		name, docPath, err = ParseDocumentURI(uri)
		if err != nil {
			return nil, err
		}
		if knowledgeBaseID != "" && knowledgeBaseID != name {
			return nil, fmt.Errorf("document URI %q: %w: it belongs to knowledge base %q, not %q", uri, kb.ErrInvalidArgument, name, knowledgeBaseID)
		}
	}
	if name == "" {
		names := s.Names()
		if len(names) != 1 {
			return nil, fmt.Errorf("document %q: %w: name the knowledge base (one of %s) or give a %s://NAME/PATH URI", uri, kb.ErrInvalidArgument, strings.Join(names, ", "), URIScheme)
		}
		name = names[0]
	}
	if err := checkRelative(docPath); err != nil {
		return nil, fmt.Errorf("document %q: %w: %v", uri, kb.ErrInvalidArgument, err)
	}
	h, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	g, err := s.generation(h)
	if err != nil {
		return nil, err
	}
	ix := g.ix
	docPath = path.Clean(docPath)
	i, ok := ix.byPath[docPath]
	if !ok {
		return nil, fmt.Errorf("document %q: %w in knowledge base %q (only indexed documents can be read; search to find their URIs)", docPath, kb.ErrNotFound, name)
	}
	d := ix.docs[i]
	var doc *ingest.Document
	var truncated bool
	if h.fsys != nil {
		content, err := fs.ReadFile(h.fsys, docPath)
		if err != nil {
			return nil, fmt.Errorf("document %q: %w", docPath, err)
		}
		doc, err = ingest.Parse(docPath, content, nil, d.Hash)
		if err != nil {
			return nil, fmt.Errorf("document %q: %w", docPath, err)
		}
	} else if h.remote != "" {
		return nil, fmt.Errorf("document %q: %w: knowledge base %q is served from %s, which holds its index and not its documents; the search results carry the text of each passage", docPath, kb.ErrUnavailable, name, h.remote)
	} else {
		if ix.hdr.Source == "" {
			return nil, fmt.Errorf("document %q: %w: the index does not record its folder", docPath, kb.ErrUnavailable)
		}
		doc, truncated, err = ingest.LoadPrefix(ix.hdr.Source, docPath, readLimit(ingest.FormatOf(docPath)))
		if err != nil {
			var skip *ingest.SkipError
			if errors.As(err, &skip) && (strings.Contains(skip.Reason, "outside") || strings.Contains(skip.Reason, "not a regular file")) {
				return nil, fmt.Errorf("document %q: %w: %s", docPath, kb.ErrPermission, skip.Reason)
			}
			if errors.As(err, &skip) && strings.Contains(skip.Reason, "no such file") {
				return nil, fmt.Errorf("document %q: %w: it was removed from %s since the last index; rerun: knowledge-mcp index %s --kb %s", docPath, kb.ErrNotFound, ix.hdr.Source, ix.hdr.Source, name)
			}
			return nil, fmt.Errorf("document %q: %w", docPath, err)
		}
	}
	out := &kb.Document{
		URI:       DocumentURI(name, docPath),
		Title:     doc.Title,
		MIMEType:  mimeType(doc.Format),
		Text:      doc.Text,
		SizeBytes: doc.Size,
		Metadata:  doc.Metadata,
		Truncated: truncated,
	}
	if len(doc.Pages) > 0 {
		out.Pages = &kb.PageSpan{First: 1, Last: len(doc.Pages), Total: len(doc.Pages)}
	}
	if span != nil {
		if len(doc.Pages) == 0 {
			return nil, fmt.Errorf("document %q: %w: it has no pages (only PDFs and slide decks do); omit pages to read it whole", docPath, kb.ErrInvalidArgument)
		}
		total := len(doc.Pages)
		last := span.Last
		if last == 0 || last > total {
			last = total
		}
		if span.First > total {
			return nil, fmt.Errorf("document %q: %w: page %d is past its last page, %d", docPath, kb.ErrInvalidArgument, span.First, total)
		}
		end := len(doc.Text)
		if last < total {
			end = doc.Pages[last]
		}
		out.Text = doc.Text[doc.Pages[span.First-1]:end]
		out.Pages = &kb.PageSpan{First: span.First, Last: last, Total: total}
	}
	if len(out.Text) > MaxDocumentBytes {
		cut := MaxDocumentBytes
		for cut > 0 && !isRuneStart(out.Text[cut]) {
			cut--
		}
		out.Text, out.Truncated = out.Text[:cut], true
	}
	return out, nil
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func mimeType(format string) string {
	switch format {
	case ingest.FormatMarkdown:
		return "text/markdown"
	case ingest.FormatHTML, ingest.FormatPDF, ingest.FormatDOCX, ingest.FormatPPTX, ingest.FormatXLSX, ingest.FormatCSV:
		return "text/markdown" // rendered as Markdown-like text
	}
	return "text/plain"
}

// checkRelative refuses absolute paths and "..".
func checkRelative(p string) error {
	if p == "" {
		return fmt.Errorf("empty path")
	}
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || filepath.IsAbs(p) || (len(p) > 1 && p[1] == ':') {
		return fmt.Errorf("absolute paths are refused; give the path inside the knowledge base")
	}
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return fmt.Errorf("\"..\" is refused; paths must stay inside the knowledge base")
		}
	}
	return nil
}

var _ kb.DocumentLister = (*Store)(nil)

// ListDocuments implements kb.DocumentLister: the documents of a knowledge
// base in path order; the cursor is the position to continue from.
func (s *Store) ListDocuments(ctx context.Context, knowledgeBaseID, cursor string, limit int) ([]kb.DocumentInfo, string, error) {
	h, err := s.lookup(knowledgeBaseID)
	if err != nil {
		return nil, "", err
	}
	g, err := s.generation(h)
	if err != nil {
		return nil, "", err
	}
	start := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("cursor %q: %w: pass back the cursor of the previous page", cursor, kb.ErrInvalidArgument)
		}
		start = n
	}
	if limit <= 0 {
		limit = 100
	}
	docs := g.ix.docs
	if start >= len(docs) {
		return []kb.DocumentInfo{}, "", nil
	}
	end := min(len(docs), start+limit)
	out := make([]kb.DocumentInfo, 0, end-start)
	for _, d := range docs[start:end] {
		out = append(out, kb.DocumentInfo{
			KnowledgeBaseID: h.name,
			URI:             DocumentURI(h.name, d.Path),
			Title:           d.Title,
			MIMEType:        mimeType(d.Format),
			SizeBytes:       d.Size,
		})
	}
	next := ""
	if end < len(docs) {
		next = strconv.Itoa(end)
	}
	return out, next, nil
}
