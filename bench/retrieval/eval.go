// Package retrieval measures the local index's ranking quality on an
// evaluation set built from the Python documentation (Debian's
// python3.11-doc): its pages are the corpus, and its back-of-book index
// (genindex-*.html) gives the queries and relevance judgments: an index
// entry is a query, the anchors it links to are the relevant passages.
//
// The figures (nDCG@10, Recall@10, MRR@10) are reported beside plain BM25
// on the same chunks, so an improvement is measured, not assumed.
package retrieval

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// Query is one evaluation query with the anchors ("page.html#id") that
// answer it.
type Query struct {
	Text    string   `json:"text"`
	Kind    string   `json:"kind"` // "concept" (term and sub-term) or "name"
	Anchors []string `json:"anchors"`
}

// Agent rewrites a query the way an agent phrases it.
func (q Query) Agent() string {
	return "How do I use " + q.Text + " in Python?"
}

var wordsOnly = regexp.MustCompile(`^[A-Za-z][A-Za-z -]*[A-Za-z]$`)

// ParseGenindex reads Sphinx index pages and returns one query per entry
// that is words (not an API name like "join() (str method)"): a term with
// a sub-term becomes "sub-term term" ("comprehensions list"), a lone term
// of four letters or more is a query by itself.
func ParseGenindex(files []string) ([]Query, error) {
	var out []Query
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		root, err := html.Parse(strings.NewReader(string(data)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode && n.DataAtom == atom.Table && hasClass(n, "indextable") {
				for _, li := range descendants(n, atom.Li) {
					if parentList(li) != nil && isNested(li) {
						continue
					}
					out = append(out, entryQueries(li)...)
				}
				return
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(root)
	}
	return out, nil
}

func entryQueries(li *html.Node) []Query {
	term, links, sub := splitEntry(li)
	if !wordsOnly.MatchString(term) {
		return nil
	}
	var out []Query
	if len(links) > 0 && len(term) >= 4 {
		out = append(out, Query{Text: term, Kind: "name", Anchors: links})
	}
	if sub != nil {
		for _, sli := range childrenLi(sub) {
			subTerm, subLinks, _ := splitEntry(sli)
			if len(subLinks) == 0 || !wordsOnly.MatchString(subTerm) {
				continue
			}
			out = append(out, Query{Text: subTerm + " " + term, Kind: "concept", Anchors: subLinks})
		}
	}
	return out
}

// splitEntry returns an index entry's text, its links, and its nested
// list of sub-entries.
func splitEntry(li *html.Node) (string, []string, *html.Node) {
	var text strings.Builder
	var links []string
	var sub *html.Node
	for c := li.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Ul {
			sub = c
			continue
		}
		collectText(c, &text, &links)
	}
	t := strings.Join(strings.Fields(text.String()), " ")
	t = regexp.MustCompile(`,?\s*\[\d+\]`).ReplaceAllString(t, "")
	t = strings.TrimRight(strings.TrimSpace(t), ",")
	return t, links, sub
}

func collectText(n *html.Node, b *strings.Builder, links *[]string) {
	if n.Type == html.TextNode {
		b.WriteString(n.Data)
		return
	}
	if n.Type == html.ElementNode && n.DataAtom == atom.A {
		for _, a := range n.Attr {
			if a.Key == "href" && !slices.Contains(*links, a.Val) {
				*links = append(*links, a.Val)
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		collectText(c, b, links)
	}
}

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" && slices.Contains(strings.Fields(a.Val), class) {
			return true
		}
	}
	return false
}

func descendants(n *html.Node, a atom.Atom) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == a {
			out = append(out, c)
		}
		out = append(out, descendants(c, a)...)
	}
	return out
}

func childrenLi(ul *html.Node) []*html.Node {
	var out []*html.Node
	for c := ul.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Li {
			out = append(out, c)
		}
	}
	return out
}

func parentList(li *html.Node) *html.Node { return li.Parent }

// isNested reports whether li sits inside another li (a sub-entry).
func isNested(li *html.Node) bool {
	for p := li.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.Li {
			return true
		}
	}
	return false
}

// Excluded reports pages left out of the corpus: the index itself, search,
// module index, change logs and the reST sources.
func Excluded(rel string) bool {
	base := filepath.Base(rel)
	return strings.HasPrefix(base, "genindex") || base == "search.html" || base == "py-modindex.html" ||
		strings.HasPrefix(rel, "whatsnew/") || strings.HasPrefix(rel, "_") || !strings.HasSuffix(rel, ".html")
}

// CopyCorpus copies the corpus pages of the HTML tree src into dst.
func CopyCorpus(src, dst string) (int, error) {
	n := 0
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), "_") {
				return fs.SkipDir
			}
			return nil
		}
		if Excluded(rel) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		n++
		return os.WriteFile(out, data, 0o644)
	})
	return n, err
}

// ChunkKey names a chunk: document path and chunk index.
type ChunkKey struct {
	Doc   string
	Chunk int
}

// Judgments maps each query's anchors to the chunks of the corpus that hold
// them, chunked exactly as the index chunks them. Queries whose anchors
// all fall outside the corpus are dropped.
func Judgments(corpus string, queries []Query, opts ingest.ChunkOptions) ([]Query, [][]ChunkKey, error) {
	type docChunks struct {
		anchors map[string]int
		chunks  []ingest.Chunk
	}
	cache := map[string]*docChunks{}
	get := func(page string) *docChunks {
		if dc, ok := cache[page]; ok {
			return dc
		}
		var dc *docChunks
		if doc, err := ingest.Load(corpus, page, ingest.Options{}); err == nil {
			dc = &docChunks{anchors: doc.Anchors, chunks: ingest.Split(doc, opts)}
		}
		cache[page] = dc
		return dc
	}
	var kept []Query
	var rels [][]ChunkKey
	for _, q := range queries {
		var rel []ChunkKey
		for _, a := range q.Anchors {
			page, id, _ := strings.Cut(a, "#")
			dc := get(page)
			if dc == nil {
				continue
			}
			off, ok := dc.anchors[id]
			if !ok {
				if id != "" {
					continue
				}
				off = 0
			}
			for _, c := range dc.chunks {
				if c.End > off {
					k := ChunkKey{page, c.Index}
					if !slices.Contains(rel, k) {
						rel = append(rel, k)
					}
					break
				}
			}
		}
		if len(rel) > 0 {
			kept = append(kept, q)
			rels = append(rels, rel)
		}
	}
	return kept, rels, nil
}

// Metrics are averages over a query set.
type Metrics struct {
	Queries int
	NDCG10  float64
	Recall  float64
	MRR     float64
}

func (m Metrics) String() string {
	return fmt.Sprintf("nDCG@10 %.3f  Recall@10 %.3f  MRR@10 %.3f  (%d queries)", m.NDCG10, m.Recall, m.MRR, m.Queries)
}

// Evaluate runs every query against the knowledge base name of backend.
// agent selects the agent phrasing of the queries.
func Evaluate(ctx context.Context, backend kb.Backend, name string, queries []Query, rels [][]ChunkKey, agent bool, kind string) (Metrics, error) {
	var m Metrics
	for i, q := range queries {
		if kind != "" && q.Kind != kind {
			continue
		}
		text := q.Text
		if agent {
			text = q.Agent()
		}
		res, err := backend.Search(ctx, kb.Query{KnowledgeBaseID: name, Text: text, MaxResults: 10})
		if err != nil {
			return m, fmt.Errorf("query %q: %w", text, err)
		}
		dcg, found, rr := 0.0, 0, 0.0
		for rank, r := range res.Results {
			if slices.Contains(rels[i], ChunkKey{r.DocumentID, r.ChunkIndex}) {
				dcg += 1 / math.Log2(float64(rank)+2)
				found++
				if rr == 0 {
					rr = 1 / float64(rank+1)
				}
			}
		}
		idcg := 0.0
		for r := range min(len(rels[i]), 10) {
			idcg += 1 / math.Log2(float64(r)+2)
		}
		m.NDCG10 += dcg / idcg
		m.Recall += float64(found) / float64(min(len(rels[i]), 10))
		m.MRR += rr
		m.Queries++
	}
	if m.Queries > 0 {
		n := float64(m.Queries)
		m.NDCG10, m.Recall, m.MRR = m.NDCG10/n, m.Recall/n, m.MRR/n
	}
	return m, nil
}

// BuildBoth indexes corpus (cut into chunks by chunk) twice into dataDir: as "default" with the
// local index's ranking and as "plain" with plain BM25, and returns a
// store serving both.
func BuildBoth(ctx context.Context, corpus, dataDir string, chunk ingest.ChunkOptions) (*local.Store, []*local.BuildStats, error) {
	store := local.NewStore(nil)
	var stats []*local.BuildStats
	for name, r := range map[string]local.Ranking{"default": local.DefaultRanking(), "plain": local.PlainBM25()} {
		r := r
		st, err := local.Build(ctx, local.BuildOptions{Dir: corpus, Name: name, DataDir: dataDir, Ranking: &r, Chunk: chunk})
		if err != nil {
			return nil, nil, err
		}
		stats = append(stats, st)
		if err := store.AddIndexFile(name, st.Path, ""); err != nil {
			return nil, nil, err
		}
	}
	return store, stats, nil
}
