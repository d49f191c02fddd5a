package kb

import (
	"context"
	"fmt"
)

// DocumentLister is implemented by backends that can enumerate the documents
// of a knowledge base, so that the MCP server can offer them in
// resources/list. It is optional: without it, documents are still readable
// through the resource template and get_document.
type DocumentLister interface {
	// ListDocuments returns up to limit documents of the knowledge base
	// knowledgeBaseID in a stable order, starting after cursor ("" starts at
	// the beginning). next is the cursor of the following page, "" after the
	// last one. An unknown knowledge base is an error wrapping ErrNotFound.
	ListDocuments(ctx context.Context, knowledgeBaseID, cursor string, limit int) (docs []DocumentInfo, next string, err error)
}

// DocumentInfo describes one document without its text.
type DocumentInfo struct {
	// KnowledgeBaseID is the knowledge base that holds the document.
	KnowledgeBaseID string `json:"knowledge_base_id"`
	// URI is what [Backend.GetDocument] accepts, as in [Result.URI].
	URI       string `json:"uri"`
	Title     string `json:"title,omitempty"`
	MIMEType  string `json:"mime_type,omitempty"`
	SizeBytes int64  `json:"size_bytes,omitempty"`
}

// PageReader is implemented by backends that can return a range of pages
// of a paged document (a PDF, a slide deck), so that a long manual can be
// read a part at a time. It is optional: without it, get_document returns
// the whole text.
type PageReader interface {
	// GetDocumentPages is GetDocument restricted to pages first..last (from
	// 1, both included; last 0 means the last page). A document without
	// pages, or a range outside the document, is an error wrapping
	// ErrInvalidArgument.
	GetDocumentPages(ctx context.Context, knowledgeBaseID, uri string, first, last int) (*Document, error)
}

// GetDocumentPages reads pages first..last of a document from b when b is
// a [PageReader]; otherwise it is an error wrapping ErrInvalidArgument that
// says to read the whole document.
func GetDocumentPages(ctx context.Context, b Backend, knowledgeBaseID, uri string, first, last int) (*Document, error) {
	pr, ok := b.(PageReader)
	if !ok {
		return nil, fmt.Errorf("pages: %w: this knowledge base's backend cannot read page ranges; omit pages to read the whole document", ErrInvalidArgument)
	}
	return pr.GetDocumentPages(ctx, knowledgeBaseID, uri, first, last)
}

// GenerationSupport is implemented by a [Generator] whose ability to answer
// depends on configuration (Bedrock needs a model). A Generator that does
// not implement it is taken to be always able to generate.
type GenerationSupport interface {
	// CanGenerate reports whether Ask can be called.
	CanGenerate() bool
}

// CanGenerate returns b as a Generator when it implements [Generator] and,
// if it implements [GenerationSupport], reports that it can generate.
func CanGenerate(b Backend) (Generator, bool) {
	g, ok := b.(Generator)
	if !ok {
		return nil, false
	}
	if s, ok := b.(GenerationSupport); ok && !s.CanGenerate() {
		return nil, false
	}
	return g, true
}
