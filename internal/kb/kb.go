// Package kb holds the domain of knowledge-mcp: knowledge bases, queries,
// results, documents and the Backend interface that the local index and
// Amazon Bedrock Knowledge Bases both implement.
//
// The shapes mirror the Bedrock Retrieve API (numberOfResults, search type,
// RetrievalFilter) so that one MCP tool surface serves both backends and one
// folder of documents works with either.
package kb

import (
	"context"
	"errors"
	"time"
)

// Search types accepted by [Query.SearchType]. They are Bedrock's
// overrideSearchType values; the empty string lets the backend choose.
const (
	SearchTypeDefault  = ""
	SearchTypeHybrid   = "HYBRID"
	SearchTypeSemantic = "SEMANTIC"
)

// Limits on [Query.MaxResults], as Bedrock Retrieve defines numberOfResults.
const (
	DefaultMaxResults = 5
	MaxMaxResults     = 100
)

// Backend is what a knowledge base store must offer to be served over MCP.
type Backend interface {
	// ListKnowledgeBases returns every knowledge base this backend serves.
	ListKnowledgeBases(ctx context.Context) ([]KnowledgeBase, error)
	// Search returns the passages that best match q, best first.
	Search(ctx context.Context, q Query) (*SearchResult, error)
	// GetDocument returns the full text of the document at uri, as found in
	// [Result.URI] or [KnowledgeBase] listings.
	GetDocument(ctx context.Context, knowledgeBaseID, uri string) (*Document, error)
	// Ready reports whether the backend can answer; a non-nil error says why
	// not in words an operator can act on.
	Ready(ctx context.Context) error
}

// Generator is implemented by backends that can answer a question with a
// generated, cited answer (Bedrock RetrieveAndGenerate).
type Generator interface {
	Ask(ctx context.Context, q AskQuery) (*Answer, error)
}

// KnowledgeBase describes one searchable collection.
type KnowledgeBase struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Backend     string       `json:"backend"`
	Status      string       `json:"status,omitempty"`
	Documents   int          `json:"documents,omitempty"`
	Chunks      int          `json:"chunks,omitempty"`
	SizeBytes   int64        `json:"size_bytes,omitempty"`
	DataSources []DataSource `json:"data_sources,omitempty"`
	// Formats counts the documents of each format (markdown, pdf, ...),
	// when known.
	Formats map[string]int `json:"formats,omitempty"`
	// UpdatedAt is when the knowledge base last changed (a local index's
	// build time), when known.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// DataSource is one source of documents of a knowledge base.
type DataSource struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"`
	Type   string `json:"type,omitempty"`
}

// Query is a retrieval request.
type Query struct {
	// KnowledgeBaseID names the knowledge base; empty means the only one
	// configured, or the backend's default.
	KnowledgeBaseID string
	// Text is the query as the agent wrote it. It must not be blank.
	Text string
	// MaxResults is 1..MaxMaxResults; 0 means DefaultMaxResults.
	MaxResults int
	// SearchType is one of the SearchType constants.
	SearchType string
	// Filter restricts results by metadata; nil matches everything.
	Filter *Filter
	// DataSourceIDs restricts results to these data sources (Bedrock).
	DataSourceIDs []string
	// NextToken continues a previous search where the backend paginates.
	NextToken string
	// Rerank asks for reranking where the backend offers it (Bedrock with
	// an operator-configured reranker model); nil leaves the backend's
	// default, which is off unless the operator turned it on.
	Rerank *bool
}

// SearchResult is the answer to a [Query].
type SearchResult struct {
	Results   []Result `json:"results"`
	NextToken string   `json:"next_token,omitempty"`
	// GuardrailAction is Bedrock's verdict when a guardrail is configured
	// (INTERVENED or NONE).
	GuardrailAction string `json:"guardrail_action,omitempty"`
}

// Result is one ranked passage.
type Result struct {
	Text            string         `json:"text"`
	Score           float64        `json:"score"`
	URI             string         `json:"uri"`
	Title           string         `json:"title,omitempty"`
	DocumentID      string         `json:"document_id,omitempty"`
	ChunkIndex      int            `json:"chunk_index"`
	HeadingPath     []string       `json:"heading_path,omitempty"`
	Snippet         string         `json:"snippet,omitempty"`
	KnowledgeBaseID string         `json:"knowledge_base_id,omitempty"`
	LocationType    string         `json:"location_type,omitempty"`
	Metadata        map[string]any `json:"metadata,omitempty"`
	// ContentType is the kind of passage where the backend has several
	// (Bedrock: TEXT, IMAGE, ROW); empty means text.
	ContentType string `json:"content_type,omitempty"`
	// Page is the page (of a PDF) or slide (of a presentation) the passage
	// starts on, from 1; 0 when the document has no pages.
	Page int `json:"page,omitempty"`
}

// Document is the full text of one source document.
type Document struct {
	URI       string         `json:"uri"`
	Title     string         `json:"title,omitempty"`
	MIMEType  string         `json:"mime_type,omitempty"`
	Text      string         `json:"text"`
	SizeBytes int64          `json:"size_bytes"`
	Truncated bool           `json:"truncated,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	// Pages says which pages Text holds when the document has pages (a PDF,
	// or a presentation's slides); nil otherwise.
	Pages *PageSpan `json:"pages,omitempty"`
}

// PageSpan is a range of pages of a document, from 1, both ends included,
// and the number of pages the document has.
type PageSpan struct {
	First int `json:"first"`
	Last  int `json:"last"`
	Total int `json:"total"`
}

// AskQuery is a question for a [Generator].
type AskQuery struct {
	KnowledgeBaseID string
	Question        string
	MaxResults      int
	Filter          *Filter
	SessionID       string
	// DataSourceIDs and SearchType restrict retrieval as in [Query].
	DataSourceIDs []string
	SearchType    string
}

// Answer is a generated answer with the passages that support it.
type Answer struct {
	Text      string     `json:"text"`
	Citations []Citation `json:"citations,omitempty"`
	SessionID string     `json:"session_id,omitempty"`
	// GuardrailAction is Bedrock's guardrail verdict, when one is configured.
	GuardrailAction string `json:"guardrail_action,omitempty"`
}

// Citation ties a span of an [Answer] to the passages it rests on. Start
// and End are offsets into Answer.Text, End exclusive (Text[Start:End]).
type Citation struct {
	Text       string   `json:"text,omitempty"`
	Start      int      `json:"start"`
	End        int      `json:"end"`
	References []Result `json:"references"`
}

// Errors that callers branch on. Backends wrap them with details:
// fmt.Errorf("knowledge base %q: %w", id, kb.ErrNotFound).
var (
	// ErrInvalidArgument marks a request the caller must change.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrNotFound marks an unknown knowledge base or document.
	ErrNotFound = errors.New("not found")
	// ErrPermission marks a request refused by the backend's access control.
	ErrPermission = errors.New("permission denied")
	// ErrUnavailable marks a backend that cannot answer now (throttled,
	// unreachable, not ready); the caller may retry later.
	ErrUnavailable = errors.New("backend unavailable")
)
