package metrics

import (
	"context"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// InstrumentBackend returns b with every call timed and its outcome reported
// to obs under the backend label name. The optional interfaces pass through:
// when b implements [kb.Generator] so does the result, and the result's
// [kb.DocumentLister], [kb.PageReader] and [kb.GenerationSupport] answer as
// b's do. A nil obs
// returns b unchanged.
func InstrumentBackend(b kb.Backend, name string, obs Observer) kb.Backend {
	if obs == nil || b == nil {
		return b
	}
	if r, ok := obs.(*Registry); ok && r == nil {
		return b
	}
	ib := &instrumented{next: b, name: name, obs: obs}
	if g, ok := b.(kb.Generator); ok {
		return &instrumentedGenerator{instrumented: ib, gen: g}
	}
	return ib
}

type instrumented struct {
	next kb.Backend
	name string
	obs  Observer
}

var (
	_ kb.Backend           = (*instrumented)(nil)
	_ kb.DocumentLister    = (*instrumented)(nil)
	_ kb.PageReader        = (*instrumented)(nil)
	_ kb.GenerationSupport = (*instrumented)(nil)
	_ kb.Generator         = (*instrumentedGenerator)(nil)
)

func (i *instrumented) observe(op string, start time.Time, err error) {
	i.obs.ObserveBackendCall(i.name, op, time.Since(start), err)
}

func (i *instrumented) ListKnowledgeBases(ctx context.Context) ([]kb.KnowledgeBase, error) {
	start := time.Now()
	kbs, err := i.next.ListKnowledgeBases(ctx)
	i.observe("list_knowledge_bases", start, err)
	return kbs, err
}

func (i *instrumented) Search(ctx context.Context, q kb.Query) (*kb.SearchResult, error) {
	start := time.Now()
	res, err := i.next.Search(ctx, q)
	i.observe("search", start, err)
	return res, err
}

func (i *instrumented) GetDocument(ctx context.Context, knowledgeBaseID, uri string) (*kb.Document, error) {
	start := time.Now()
	doc, err := i.next.GetDocument(ctx, knowledgeBaseID, uri)
	i.observe("get_document", start, err)
	return doc, err
}

func (i *instrumented) Ready(ctx context.Context) error {
	start := time.Now()
	err := i.next.Ready(ctx)
	i.observe("ready", start, err)
	return err
}

// ListDocuments lists b's documents, or none when b cannot list them.
func (i *instrumented) ListDocuments(ctx context.Context, knowledgeBaseID, cursor string, limit int) ([]kb.DocumentInfo, string, error) {
	lister, ok := i.next.(kb.DocumentLister)
	if !ok {
		return nil, "", nil
	}
	start := time.Now()
	docs, next, err := lister.ListDocuments(ctx, knowledgeBaseID, cursor, limit)
	i.observe("list_documents", start, err)
	return docs, next, err
}

// GetDocumentPages reads a page range from b, or says b cannot.
func (i *instrumented) GetDocumentPages(ctx context.Context, knowledgeBaseID, uri string, first, last int) (*kb.Document, error) {
	start := time.Now()
	doc, err := kb.GetDocumentPages(ctx, i.next, knowledgeBaseID, uri, first, last)
	i.observe("get_document", start, err)
	return doc, err
}

// CanGenerate reports whether b can answer Ask.
func (i *instrumented) CanGenerate() bool {
	_, ok := kb.CanGenerate(i.next)
	return ok
}

type instrumentedGenerator struct {
	*instrumented
	gen kb.Generator
}

func (i *instrumentedGenerator) Ask(ctx context.Context, q kb.AskQuery) (*kb.Answer, error) {
	start := time.Now()
	ans, err := i.gen.Ask(ctx, q)
	i.observe("ask", start, err)
	return ans, err
}
