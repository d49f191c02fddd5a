package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// SearchInput is the input of search_knowledge_base.
type SearchInput struct {
	Query           string         `json:"query" jsonschema:"What to look for, in a few words or one short question, e.g. 'rotate the API key'. Several focused searches work better than one long one."`
	KnowledgeBaseID string         `json:"knowledge_base_id,omitempty" jsonschema:"Id of the knowledge base to search, as list_knowledge_bases returns it. Omit it when there is only one."`
	MaxResults      int            `json:"max_results,omitempty" jsonschema:"How many passages to return, 1 to 100 (default 5)."`
	Filter          map[string]any `json:"filter,omitempty"`
	SearchType      string         `json:"search_type,omitempty" jsonschema:"HYBRID (keywords and meaning) or SEMANTIC (meaning only). Omit it to let the knowledge base choose."`
	DataSourceIDs   []string       `json:"data_source_ids,omitempty" jsonschema:"Only return passages from these data sources (ids from list_knowledge_bases)."`
	NextToken       string         `json:"next_token,omitempty" jsonschema:"The next_token of a previous result, to get the passages that follow it. Repeat the other arguments unchanged."`
	Rerank          *bool          `json:"rerank,omitempty" jsonschema:"true to reorder the passages with a reranking model, false not to; omit it for the server's default. Applies where the backend offers reranking: Amazon Bedrock knowledge bases whose operator configured a reranker model (asking for it otherwise is an error that says so). The local backend has no reranker and ignores it: its ranking is final."`
}

// SearchOutput is the structured result of search_knowledge_base.
type SearchOutput struct {
	Query     string    `json:"query" jsonschema:"the query as searched"`
	Results   []Passage `json:"results" jsonschema:"passages, best first"`
	NextToken string    `json:"next_token,omitempty" jsonschema:"pass it back as next_token to get more passages; absent when there are no more"`
	// GuardrailAction is the backend's guardrail verdict (kb.SearchResult).
	GuardrailAction string `json:"guardrail_action,omitempty" jsonschema:"verdict of the knowledge base's guardrail where one is configured (Bedrock: INTERVENED or NONE); INTERVENED means passages were blocked or masked"`
}

// Passage is one ranked passage of a search, or a source of an answer.
type Passage struct {
	Rank            int            `json:"rank" jsonschema:"1 for the best passage"`
	Title           string         `json:"title,omitempty" jsonschema:"title of the source document"`
	URI             string         `json:"uri" jsonschema:"where the passage comes from; pass it to get_document for the whole document"`
	ResourceURI     string         `json:"resource_uri,omitempty" jsonschema:"the document as an MCP resource (kb://…)"`
	KnowledgeBaseID string         `json:"knowledge_base_id,omitempty" jsonschema:"knowledge base the passage belongs to"`
	Score           float64        `json:"score" jsonschema:"relevance, higher is better; comparable only within one search"`
	Text            string         `json:"text" jsonschema:"the passage"`
	HeadingPath     []string       `json:"heading_path,omitempty" jsonschema:"headings above the passage in its document"`
	DocumentID      string         `json:"document_id,omitempty" jsonschema:"id of the source document"`
	ChunkIndex      int            `json:"chunk_index" jsonschema:"position of the passage in its document, from 0"`
	LocationType    string         `json:"location_type,omitempty" jsonschema:"kind of source location, e.g. S3, WEB, FILE"`
	Metadata        map[string]any `json:"metadata,omitempty" jsonschema:"metadata attributes of the source, usable in filter"`
	ContentType     string         `json:"content_type,omitempty" jsonschema:"kind of passage where it is not plain text (Bedrock: IMAGE, ROW); absent for text"`
	Page            int            `json:"page,omitempty" jsonschema:"the page of a PDF (the slide of a presentation) the passage starts on, from 1; absent for documents without pages. Cite it, and pass it as pages to get_document to read around the passage"`
}

const filterDescription = `Only return passages whose metadata matches, in the JSON shape of Amazon Bedrock's RetrievalFilter: an object with exactly one operator.
Comparison operators take {"key": METADATA_KEY, "value": VALUE}: equals, notEquals, greaterThan, greaterThanOrEquals, lessThan, lessThanOrEquals (numbers), in, notIn (value is a list), startsWith, stringContains (strings), listContains (the attribute is a list holding value).
andAll and orAll take a list of at least two filters.
Examples: {"equals":{"key":"team","value":"platform"}}; {"andAll":[{"in":{"key":"type","value":["guide","faq"]}},{"greaterThanOrEquals":{"key":"year","value":2024}}]}. The metadata keys are those shown in search results.`

// searchInputSchema is SearchInput's inferred schema with the default and
// the filter shape an agent needs to see. Ranges and search types are stated
// in the descriptions and checked by kb.Query.Normalize rather than by
// schema keywords: its errors say what to change ("must be between 1 and
// 100 (default 5), got 500") more plainly than a schema validator's, and it
// accepts "hybrid" for HYBRID.
func searchInputSchema() *jsonschema.Schema {
	s := mustSchema[SearchInput]()
	s.Properties["max_results"].Default = fmt.Appendf(nil, "%d", kb.DefaultMaxResults)
	s.Properties["filter"] = filterSchema()
	// A plain "array", not ["null","array"]: some model APIs reject type lists.
	s.Properties["data_source_ids"].Types = nil
	s.Properties["data_source_ids"].Type = "array"
	s.Properties["rerank"].Types = nil
	s.Properties["rerank"].Type = "boolean"
	return mirrorKnowledgeBaseID(s)
}

// filterSchema documents the operators as properties without constraining
// their shape further: kb.FilterFromValue validates and its errors name the
// offending key, which a schema validator's errors do not do as well.
func filterSchema() *jsonschema.Schema {
	comparison := func(what string) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "object", Description: `{"key": metadata key, "value": ` + what + `}`}
	}
	list := func() *jsonschema.Schema {
		return &jsonschema.Schema{Type: "array", Description: "two or more filters", Items: &jsonschema.Schema{Type: "object"}}
	}
	return &jsonschema.Schema{
		Type:        "object",
		Description: filterDescription,
		Properties: map[string]*jsonschema.Schema{
			kb.OpEquals:              comparison("string, number or boolean"),
			kb.OpNotEquals:           comparison("string, number or boolean"),
			kb.OpGreaterThan:         comparison("number"),
			kb.OpGreaterThanOrEquals: comparison("number"),
			kb.OpLessThan:            comparison("number"),
			kb.OpLessThanOrEquals:    comparison("number"),
			kb.OpIn:                  comparison("list of values"),
			kb.OpNotIn:               comparison("list of values"),
			kb.OpStartsWith:          comparison("string prefix"),
			kb.OpStringContains:      comparison("substring"),
			kb.OpListContains:        comparison("one value the list attribute must hold"),
			kb.OpAndAll:              list(),
			kb.OpOrAll:               list(),
		},
	}
}

func mustSchema[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Sprintf("schema of %T: %v", *new(T), err))
	}
	return s
}

// readOnly are the annotations of every knowledge base tool: they only read
// a closed collection of documents.
func readOnly(title string) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{Title: title, ReadOnlyHint: true, DestructiveHint: new(false), IdempotentHint: true, OpenWorldHint: new(false)}
}

func addSearch(server *mcp.Server, t *tools) {
	addTool(server, &mcp.Tool{
		Name:  "search_knowledge_base",
		Title: "Search the knowledge base",
		Description: "Searches the knowledge base and returns the passages that best match the query, best first, each with its title, source uri, score and metadata. " +
			"Use it before answering any question about the documents, and cite the title and uri of the passages you use. " +
			"Narrow the search with filter on metadata; call get_document with a passage's uri to read the whole document.",
		Annotations: readOnly("Search the knowledge base"),
		InputSchema: searchInputSchema(),
	}, t.search)
}

func (t *tools) search(ctx context.Context, _ *mcp.CallToolRequest, in SearchInput) (*mcp.CallToolResult, SearchOutput, error) {
	const op = "search_knowledge_base"
	filter, err := kb.FilterFromValue(nilIfEmpty(in.Filter))
	if err != nil {
		return nil, SearchOutput{}, t.explain(ctx, op, err, "")
	}
	q := kb.Query{
		KnowledgeBaseID: in.KnowledgeBaseID, Text: in.Query, MaxResults: in.MaxResults, SearchType: in.SearchType,
		Filter: filter, DataSourceIDs: in.DataSourceIDs, NextToken: in.NextToken, Rerank: in.Rerank,
	}
	if err := q.Normalize(); err != nil {
		return nil, SearchOutput{}, t.explain(ctx, op, err, "")
	}
	res, err := t.backend.Search(ctx, q)
	if err != nil {
		return nil, SearchOutput{}, t.explain(ctx, op, err, hintUnknownKB)
	}
	out := SearchOutput{
		Query: q.Text, Results: passages(res.Results, q.KnowledgeBaseID), NextToken: res.NextToken,
		GuardrailAction: res.GuardrailAction,
	}
	return textResult(renderSearch(out, q)), out, nil
}

const hintUnknownKB = "Call list_knowledge_bases for the ids you can use."

// nilIfEmpty keeps an absent filter from being a typed-nil map.
func nilIfEmpty(m map[string]any) any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// passages converts backend results, numbering them from 1; defaultKB
// names the knowledge base of results that do not name their own.
func passages(results []kb.Result, defaultKB string) []Passage {
	out := make([]Passage, len(results))
	for i, r := range results {
		kbID := r.KnowledgeBaseID
		if kbID == "" {
			kbID = defaultKB
		}
		out[i] = Passage{
			Rank: i + 1, Title: r.Title, URI: r.URI, ResourceURI: resourceURI(kbID, r.URI), KnowledgeBaseID: kbID,
			Score: r.Score, Text: r.Text, HeadingPath: r.HeadingPath, DocumentID: r.DocumentID, ChunkIndex: r.ChunkIndex,
			LocationType: r.LocationType, Metadata: r.Metadata, ContentType: r.ContentType, Page: r.Page,
		}
	}
	return out
}

func renderSearch(out SearchOutput, q kb.Query) string {
	var b strings.Builder
	where := ""
	if q.KnowledgeBaseID != "" {
		where = fmt.Sprintf(" in knowledge base %q", q.KnowledgeBaseID)
	}
	writeGuardrail(&b, out.GuardrailAction, "passages")
	if len(out.Results) == 0 {
		fmt.Fprintf(&b, "No passages%s match %q", where, q.Text)
		if q.Filter != nil {
			b.WriteString(" with this filter; try without the filter or with other words.")
		} else {
			b.WriteString("; try other or fewer words.")
		}
		return b.String()
	}
	noun := "passages"
	if len(out.Results) == 1 {
		noun = "passage"
	}
	size := 256
	for _, p := range out.Results {
		size += len(p.Text) + len(p.Title) + 2*len(p.URI) + 256
	}
	b.Grow(size) // one allocation for the whole text, not a doubling series
	fmt.Fprintf(&b, "%d %s%s for %q, best first:\n", len(out.Results), noun, where, q.Text)
	for _, p := range out.Results {
		b.WriteString("\n")
		writePassage(&b, p)
	}
	if out.NextToken != "" {
		fmt.Fprintf(&b, "\nMore passages follow: call again with next_token %q.\n", out.NextToken)
	}
	return b.String()
}

// writePassage renders one passage: a numbered heading line with title and
// score, its source, its section, then its text.
func writePassage(b *strings.Builder, p Passage) {
	title := p.Title
	if title == "" {
		title = p.URI
	}
	fmt.Fprintf(b, "[%d] %s (score %.3f)\n", p.Rank, title, p.Score)
	fmt.Fprintf(b, "Source: %s", p.URI)
	if p.Page > 0 {
		fmt.Fprintf(b, ", %s", pageLabel(p.URI, p.Page))
	}
	if p.KnowledgeBaseID != "" {
		fmt.Fprintf(b, " (knowledge base %s)", p.KnowledgeBaseID)
	}
	b.WriteString("\n")
	if len(p.HeadingPath) > 0 {
		fmt.Fprintf(b, "Section: %s\n", strings.Join(p.HeadingPath, " > "))
	}
	if p.ContentType != "" && !strings.EqualFold(p.ContentType, "TEXT") {
		fmt.Fprintf(b, "Content type: %s\n", p.ContentType)
	}
	b.WriteString(strings.TrimSpace(p.Text))
	b.WriteString("\n")
}

// pageLabel names page n of the document at uri: "slide n" in a
// presentation, "page n" otherwise.
func pageLabel(uri string, n int) string {
	if strings.HasSuffix(strings.ToLower(uri), ".pptx") {
		return fmt.Sprintf("slide %d", n)
	}
	return fmt.Sprintf("page %d", n)
}

// writeGuardrail states a guardrail verdict other than NONE on a line of its
// own; what names what the guardrail acted on.
func writeGuardrail(b *strings.Builder, action, what string) {
	switch strings.ToUpper(action) {
	case "", "NONE":
		return
	case "INTERVENED":
		fmt.Fprintf(b, "Guardrail: INTERVENED (the knowledge base's guardrail blocked or masked some %s).\n", what)
	default:
		fmt.Fprintf(b, "Guardrail: %s.\n", action)
	}
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}
