package local

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// Search implements kb.Backend. With no knowledge base named, it searches
// the only one, or all of them with the results merged by score.
func (s *Store) Search(ctx context.Context, q kb.Query) (*kb.SearchResult, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	// The local index is lexical: every search type is served by BM25F.
	k := q.MaxResults
	if q.NextToken != "" {
		return nil, fmt.Errorf("next_token: %w: the local index does not paginate; ask for up to %d results at once", kb.ErrInvalidArgument, kb.MaxMaxResults)
	}
	var handles []*handle
	if q.KnowledgeBaseID != "" {
		h, err := s.lookup(q.KnowledgeBaseID)
		if err != nil {
			return nil, err
		}
		handles = []*handle{h}
	} else {
		s.mu.RLock()
		handles = slices.Clone(s.kbs)
		s.mu.RUnlock()
		if len(handles) == 0 {
			return nil, fmt.Errorf("search: %w: no knowledge base is configured", kb.ErrUnavailable)
		}
	}
	var results []kb.Result
	var firstErr error
	for _, h := range handles {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(q.DataSourceIDs) > 0 && !slices.Contains(q.DataSourceIDs, h.dataSourceID()) {
			continue // each local knowledge base has one data source
		}
		g, err := s.generation(h)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		hits, err := g.ix.search(q.Text, k, q.Filter)
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", h.name, err)
		}
		for _, hit := range hits {
			results = append(results, g.ix.result(hit))
		}
	}
	if firstErr != nil && (len(handles) == 1 || len(results) == 0) {
		return nil, firstErr
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Score > results[j].Score })
	if len(results) > k {
		results = results[:k]
	}
	if results == nil {
		results = []kb.Result{}
	}
	return &kb.SearchResult{Results: results}, nil
}

// result turns a scored chunk into a kb.Result.
func (ix *index) result(s scored) kb.Result {
	c := ix.chunks[s.chunk]
	d := &ix.docs[c.Doc]
	uri := DocumentURI(ix.hdr.Name, d.Path)
	return kb.Result{
		Text:            s.text,
		Score:           float64(s.score),
		URI:             uri,
		Title:           d.Title,
		DocumentID:      d.Path,
		ChunkIndex:      int(c.Index),
		HeadingPath:     s.heading,
		Snippet:         snippet(s.text, s.matches),
		KnowledgeBaseID: ix.hdr.Name,
		LocationType:    "LOCAL",
		Metadata:        ix.metadataOf(c.Doc),
		Page:            int(c.Page),
	}
}

// snippetBytes is the length of a result's snippet.
const snippetBytes = 240

// scored is a ranked chunk with its text.
type scored struct {
	hit
	heading []string
	text    string
	matches []match
}

// match is a query term found in a chunk's text.
type match struct {
	term       int // index into the query's ordered terms
	pos        int
	start, end int
}

// search ranks the chunks of ix for text and returns the best k passing
// filter.
func (ix *index) search(text string, k int, filter *kb.Filter) ([]scored, error) {
	terms, ordered := ix.analyzeQuery(text)
	if len(terms) == 0 {
		return nil, nil
	}
	pool := k
	prox := ix.hdr.Ranking.Proximity
	if prox > 0 && len(terms) > 1 {
		pool = max(k*2, 20)
	}
	hits := ix.candidates(terms, pool, filter)
	queryTerms := distinctTerms(ordered)
	out := make([]scored, 0, len(hits))
	for _, h := range hits {
		heading, body, err := ix.chunkText(h.chunk)
		if err != nil {
			return nil, err
		}
		s := scored{hit: h, heading: heading, text: body}
		s.matches = findMatches(body, queryTerms, ix.hdr.Ranking)
		if pool > k {
			s.score *= float32(1 + prox*proximity(s.matches, len(queryTerms)))
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].chunk < out[j].chunk
	})
	if len(out) > k {
		out = out[:k]
	}
	return out, nil
}

func distinctTerms(ordered []token) []string {
	var out []string
	for _, t := range ordered {
		if !slices.Contains(out, t.term) {
			out = append(out, t.term)
		}
	}
	return out
}

// findMatches finds the words of text that analyze to a query term. Only
// words that could stem to a term are stemmed, which keeps this cheap.
func findMatches(text string, terms []string, r Ranking) []match {
	// Words are only looked at when their first letter is one a term
	// starts with, which skips most words without lower-casing them.
	var first [256]bool
	for _, t := range terms {
		if t != "" {
			first[t[0]] = true
			if t[0] >= 'a' && t[0] <= 'z' {
				first[t[0]-'a'+'A'] = true
			}
		}
	}
	var out []match
	pos := 0
	scanWords(text, func(word string, ascii bool, start, end int) {
		p := pos
		pos++
		if ascii && !first[word[0]] {
			return
		}
		lower := word
		if !isLower(word) {
			lower = strings.ToLower(word)
		}
		for ti, t := range terms {
			if lower == t || r.Stem && couldStemTo(lower, t) && english.Stem(lower, true) == t {
				out = append(out, match{term: ti, pos: p, start: start, end: end})
				return
			}
		}
	})
	return out
}

// isLower reports a word with no upper-case ASCII letter and no non-ASCII
// byte.
func isLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// couldStemTo is a cheap test that word may stem to t: stems keep the
// word's beginning (Snowball may change the last letter, as y → i).
func couldStemTo(word, t string) bool {
	if len(word) < len(t) || len(t) < 2 {
		return false
	}
	return word[:len(t)-1] == t[:len(t)-1]
}

// proximity returns the share of consecutive query-term pairs that occur
// within a few words of each other in the chunk, from 0 to 1.
func proximity(ms []match, nTerms int) float64 {
	if nTerms < 2 {
		return 0
	}
	const window = 4
	near := make([]bool, nTerms)
	// For each term, the last position seen.
	last := make([]int, nTerms)
	for i := range last {
		last[i] = -1 << 30
	}
	for _, m := range ms {
		last[m.term] = m.pos
		if m.term > 0 && m.pos-last[m.term-1] <= window {
			near[m.term] = true
		}
		if m.term+1 < nTerms && m.pos-last[m.term+1] <= window {
			near[m.term+1] = true
		}
	}
	n := 0
	for _, ok := range near[1:] {
		if ok {
			n++
		}
	}
	return float64(n) / float64(nTerms-1)
}

// snippet returns the window of text with the most distinct query terms,
// matches in **bold**, "…" where text was cut.
func snippet(text string, ms []match) string {
	if len(text) <= snippetBytes && len(ms) == 0 {
		return text
	}
	bestStart, bestCount := 0, -1
	for i, m := range ms {
		seen := map[int]bool{}
		for _, m2 := range ms[i:] {
			if m2.end-m.start > snippetBytes-40 {
				break
			}
			seen[m2.term] = true
		}
		if len(seen) > bestCount {
			bestStart, bestCount = m.start, len(seen)
		}
	}
	start := max(0, bestStart-40)
	for start > 0 && start < len(text) && !isSpace(text[start-1]) {
		start++
	}
	if bestStart < start {
		start = bestStart
	}
	end := min(len(text), start+snippetBytes)
	for end < len(text) && end > start && !isSpace(text[end]) {
		end--
	}
	if end <= start {
		end = min(len(text), start+snippetBytes)
		for end < len(text) && !utf8.RuneStart(text[end]) {
			end++
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	at := start
	for _, m := range ms {
		if m.start < start || m.end > end {
			continue
		}
		b.WriteString(text[at:m.start])
		b.WriteString(matchOpen)
		b.WriteString(text[m.start:m.end])
		b.WriteString(matchClose)
		at = m.end
	}
	b.WriteString(text[at:end])
	if end < len(text) {
		b.WriteString("…")
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	// The document's own emphasis goes, so that the only ** in a snippet
	// are the matches ("*Rotate*" would otherwise read "***Rotate***").
	for _, re := range emphasis() {
		out = re.ReplaceAllString(out, "$1$2$3")
	}
	return strings.NewReplacer(matchOpen, "**", matchClose, "**").Replace(out)
}

// matchOpen and matchClose mark matches while a snippet is built; they
// cannot occur in indexed text (control characters are not words).
const (
	matchOpen  = "\x01"
	matchClose = "\x02"
)

// emphasis returns patterns of Markdown emphasis pairs (***a***, **a**,
// *a*, and the same with _) around text that neither starts nor ends with
// a space, between word boundaries, so that globs ("*.md"), products
// ("a * b") and snake_case are left alone. Compiled on first use.
var emphasis = sync.OnceValue(func() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, d := range []string{`\*\*\*`, `\*\*`, `\*`, `___`, `__`, `_`} {
		out = append(out, regexp.MustCompile(`(^|[\s(\["'“‘…])`+d+`([^\s*_](?:[^*_]*?[^\s*_])?)`+d+`([\s.,;:!?)\]"'”’…]|$)`))
	}
	return out
})

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }
