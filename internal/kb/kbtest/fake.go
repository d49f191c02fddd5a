package kbtest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// DataSourceKey is the metadata key the fake, like a Bedrock vector
// knowledge base, matches Query.DataSourceIDs against.
const DataSourceKey = "x-amz-bedrock-kb-data-source-id"

// Operation names accepted by [Fake.SetError].
const (
	OpListKnowledgeBases = "ListKnowledgeBases"
	OpSearch             = "Search"
	OpGetDocument        = "GetDocument"
	OpListDocuments      = "ListDocuments"
	OpAsk                = "Ask"
	OpReady              = "Ready"
)

// Fake is an in-memory [kb.Backend] over a [Fixture]: term-frequency
// ranking, real RetrievalFilter semantics ([kb.Filter.Match]), pagination, document
// listing and a canned generator. Errors can be injected per operation. It is
// safe for concurrent use.
//
// Each fixture document is split into passages at blank lines; a passage's
// URI is the document's Path. A search with no knowledge base id searches
// every knowledge base.
type Fake struct {
	mu          sync.Mutex
	kbs         []*fakeKB
	errs        map[string]error
	canGenerate bool
	sessions    int
	calls       map[string]int
}

type fakeKB struct {
	info kb.KnowledgeBase
	docs []fakeDoc
}

type fakeDoc struct {
	FixtureDocument
	passages []string
}

var (
	_ kb.Backend           = (*Fake)(nil)
	_ kb.Generator         = (*Fake)(nil)
	_ kb.GenerationSupport = (*Fake)(nil)
	_ kb.DocumentLister    = (*Fake)(nil)
)

// NewFake returns a fake serving the knowledge bases of f. It can generate
// answers until [Fake.SetCanGenerate] says otherwise.
func NewFake(f Fixture) *Fake {
	fake := &Fake{errs: map[string]error{}, calls: map[string]int{}, canGenerate: true}
	for _, k := range f.KnowledgeBases {
		fk := &fakeKB{info: kb.KnowledgeBase{
			ID: k.ID, Name: k.Name, Description: k.Description, Backend: "fake", Status: "ACTIVE",
			Documents:   len(k.Documents),
			DataSources: []kb.DataSource{{ID: k.ID + "-docs", Name: k.Name + " documents", Type: "memory"}},
		}}
		for _, d := range k.Documents {
			doc := fakeDoc{FixtureDocument: d}
			heading := ""
			for _, p := range strings.Split(d.Text, "\n\n") {
				p = strings.TrimSpace(p)
				switch {
				case p == "":
				case strings.HasPrefix(p, "#") && !strings.Contains(p, "\n"):
					heading = p + "\n\n" // a heading joins the passage below it
				default:
					doc.passages = append(doc.passages, heading+p)
					heading = ""
				}
			}
			fk.info.Chunks += len(doc.passages)
			fk.info.SizeBytes += int64(len(d.Text))
			fk.docs = append(fk.docs, doc)
		}
		slices.SortFunc(fk.docs, func(a, b fakeDoc) int { return strings.Compare(a.Path, b.Path) })
		fake.kbs = append(fake.kbs, fk)
	}
	return fake
}

// SetError makes every later call of operation op (one of the Op constants)
// fail with err; a nil err clears it.
func (f *Fake) SetError(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.errs, op)
		return
	}
	f.errs[op] = err
}

// SetCanGenerate sets what [Fake.CanGenerate] reports.
func (f *Fake) SetCanGenerate(ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canGenerate = ok
}

// Calls returns how many times operation op was called.
func (f *Fake) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *Fake) begin(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	return f.errs[op]
}

// Ready implements [kb.Backend].
func (f *Fake) Ready(ctx context.Context) error {
	if err := f.begin(OpReady); err != nil {
		return err
	}
	return ctx.Err()
}

// CanGenerate implements [kb.GenerationSupport].
func (f *Fake) CanGenerate() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.canGenerate
}

// ListKnowledgeBases implements [kb.Backend].
func (f *Fake) ListKnowledgeBases(ctx context.Context) ([]kb.KnowledgeBase, error) {
	if err := f.begin(OpListKnowledgeBases); err != nil {
		return nil, err
	}
	out := make([]kb.KnowledgeBase, len(f.kbs))
	for i, k := range f.kbs {
		out[i] = k.info
		out[i].DataSources = slices.Clone(k.info.DataSources)
	}
	return out, ctx.Err()
}

// lookup returns the knowledge bases id names: all of them for "".
func (f *Fake) lookup(id string) ([]*fakeKB, error) {
	if id == "" {
		return f.kbs, nil
	}
	for _, k := range f.kbs {
		if k.info.ID == id {
			return []*fakeKB{k}, nil
		}
	}
	known := make([]string, len(f.kbs))
	for i, k := range f.kbs {
		known[i] = k.info.ID
	}
	return nil, fmt.Errorf("knowledge base %q: %w (known: %s)", id, kb.ErrNotFound, strings.Join(known, ", "))
}

// Search implements [kb.Backend].
func (f *Fake) Search(ctx context.Context, q kb.Query) (*kb.SearchResult, error) {
	if err := f.begin(OpSearch); err != nil {
		return nil, err
	}
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	kbs, err := f.lookup(q.KnowledgeBaseID)
	if err != nil {
		return nil, err
	}
	offset := 0
	if q.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(q.NextToken, "fake:"))
		if err != nil || n < 0 || !strings.HasPrefix(q.NextToken, "fake:") {
			return nil, fmt.Errorf("next_token: %w: %q is not a token this backend issued", kb.ErrInvalidArgument, q.NextToken)
		}
		offset = n
	}
	terms := tokenize(q.Text)
	type candidate struct {
		kb      *fakeKB
		doc     *fakeDoc
		passage int
		tokens  []string
	}
	var candidates []candidate
	df := map[string]int{}
	for _, k := range kbs {
		for i := range k.docs {
			d := &k.docs[i]
			if !q.Filter.Match(d.Metadata) || !inDataSources(d.Metadata, q.DataSourceIDs) {
				continue
			}
			for p, text := range d.passages {
				toks := tokenize(text)
				candidates = append(candidates, candidate{k, d, p, toks})
				for _, t := range uniq(toks) {
					df[t]++
				}
			}
		}
	}
	var results []kb.Result
	for _, c := range candidates {
		score := 0.0
		for _, t := range uniq(terms) {
			tf := 0
			for _, tok := range c.tokens {
				if tok == t {
					tf++
				}
			}
			if tf > 0 {
				idf := math.Log(1 + float64(len(candidates))/float64(df[t]))
				score += idf * float64(tf) / (float64(tf) + 1)
			}
		}
		if score == 0 {
			continue
		}
		results = append(results, kb.Result{
			Text: c.doc.passages[c.passage], Score: score, URI: c.doc.Path, Title: c.doc.Title,
			DocumentID: c.doc.Path, ChunkIndex: c.passage, HeadingPath: []string{c.doc.Title},
			KnowledgeBaseID: c.kb.info.ID, LocationType: "MEMORY", Metadata: clone(c.doc.Metadata),
		})
	}
	slices.SortStableFunc(results, func(a, b kb.Result) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		if c := strings.Compare(a.KnowledgeBaseID+"\x00"+a.URI, b.KnowledgeBaseID+"\x00"+b.URI); c != 0 {
			return c
		}
		return a.ChunkIndex - b.ChunkIndex
	})
	out := &kb.SearchResult{Results: []kb.Result{}}
	if offset < len(results) {
		end := min(offset+q.MaxResults, len(results))
		out.Results = results[offset:end]
		if end < len(results) {
			out.NextToken = "fake:" + strconv.Itoa(end)
		}
	}
	return out, ctx.Err()
}

// GetDocument implements [kb.Backend]. The uri is a document Path.
func (f *Fake) GetDocument(ctx context.Context, knowledgeBaseID, uri string) (*kb.Document, error) {
	if err := f.begin(OpGetDocument); err != nil {
		return nil, err
	}
	if strings.TrimSpace(uri) == "" {
		return nil, fmt.Errorf("uri: %w: must not be empty", kb.ErrInvalidArgument)
	}
	kbs, err := f.lookup(knowledgeBaseID)
	if err != nil {
		return nil, err
	}
	for _, k := range kbs {
		for _, d := range k.docs {
			if d.Path == uri {
				return &kb.Document{URI: d.Path, Title: d.Title, MIMEType: "text/markdown", Text: d.Text,
					SizeBytes: int64(len(d.Text)), Metadata: clone(d.Metadata)}, ctx.Err()
			}
		}
	}
	return nil, fmt.Errorf("document %q: %w", uri, kb.ErrNotFound)
}

// ListDocuments implements [kb.DocumentLister]; the cursor is an offset.
func (f *Fake) ListDocuments(ctx context.Context, knowledgeBaseID, cursor string, limit int) ([]kb.DocumentInfo, string, error) {
	if err := f.begin(OpListDocuments); err != nil {
		return nil, "", err
	}
	if knowledgeBaseID == "" {
		return nil, "", fmt.Errorf("knowledge base id: %w: must not be empty", kb.ErrInvalidArgument)
	}
	kbs, err := f.lookup(knowledgeBaseID)
	if err != nil {
		return nil, "", err
	}
	docs := kbs[0].docs
	offset := 0
	if cursor != "" {
		if offset, err = strconv.Atoi(cursor); err != nil || offset < 0 {
			return nil, "", fmt.Errorf("cursor: %w: %q is not a cursor this backend issued", kb.ErrInvalidArgument, cursor)
		}
	}
	if limit <= 0 {
		limit = len(docs)
	}
	var out []kb.DocumentInfo
	for i := offset; i < len(docs) && len(out) < limit; i++ {
		d := docs[i]
		out = append(out, kb.DocumentInfo{KnowledgeBaseID: knowledgeBaseID, URI: d.Path, Title: d.Title,
			MIMEType: "text/markdown", SizeBytes: int64(len(d.Text))})
	}
	next := ""
	if end := offset + len(out); end < len(docs) {
		next = strconv.Itoa(end)
	}
	return out, next, ctx.Err()
}

// Ask implements [kb.Generator]: the answer is the first sentence of each of
// the best passages (found as Search finds them, with the same filter, data
// sources and search type), each cited.
func (f *Fake) Ask(ctx context.Context, q kb.AskQuery) (*kb.Answer, error) {
	if err := f.begin(OpAsk); err != nil {
		return nil, err
	}
	if !f.CanGenerate() {
		return nil, fmt.Errorf("ask: %w: no generation model is configured", kb.ErrUnavailable)
	}
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	res, err := f.Search(ctx, kb.Query{
		KnowledgeBaseID: q.KnowledgeBaseID, Text: q.Question, MaxResults: q.MaxResults, Filter: q.Filter,
		SearchType: q.SearchType, DataSourceIDs: q.DataSourceIDs,
	})
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	session := q.SessionID
	if session == "" {
		f.sessions++
		session = fmt.Sprintf("fake-session-%d", f.sessions)
	}
	f.mu.Unlock()
	ans := &kb.Answer{SessionID: session}
	if len(res.Results) == 0 {
		ans.Text = "The knowledge base has nothing about this."
		return ans, nil
	}
	var b strings.Builder
	for _, r := range res.Results {
		body := r.Text
		if strings.HasPrefix(body, "#") {
			_, body, _ = strings.Cut(body, "\n\n")
		}
		sentence, _, _ := strings.Cut(body, ". ")
		sentence = strings.TrimSuffix(sentence, ".") + "."
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		start := b.Len()
		b.WriteString(sentence)
		ans.Citations = append(ans.Citations, kb.Citation{Text: sentence, Start: start, End: b.Len(), References: []kb.Result{r}})
	}
	ans.Text = b.String()
	return ans, nil
}

func inDataSources(metadata map[string]any, ids []string) bool {
	if len(ids) == 0 {
		return true
	}
	id, _ := metadata[DataSourceKey].(string)
	return slices.Contains(ids, id)
}

// tokenize lower-cases text and splits it into runs of letters and digits.
func tokenize(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func uniq(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func clone(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if l, ok := v.([]any); ok {
			v = slices.Clone(l)
		}
		out[k] = v
	}
	return out
}
