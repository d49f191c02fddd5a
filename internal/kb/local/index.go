// Package local is knowledge-mcp's embedded search engine: a persistent,
// crash-safe index of a folder of documents, ranked with BM25F over the
// document title, the chunk's heading path and its body, with stemming,
// stopwords and a term-proximity bonus. It implements kb.Backend for
// several named knowledge bases.
//
// An index is one file, "<name>.kbi" in the data folder, written to a
// temporary file, fsynced and renamed over the old one, so readers see the
// old index or the new one and never a half-built one. A running server
// notices a new file at its next request and switches to it. The postings
// and chunk table live in memory; chunk texts stay in the file and are
// read for the results only, which keeps a 100,000-chunk index near 60 MB
// of RAM.
package local

import (
	"container/heap"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// header describes an index file.
type header struct {
	Format      int
	Name        string
	Description string
	// Source is the absolute path of the indexed folder ("" for the
	// built-in documentation).
	Source    string
	BuiltUnix int64
	Ranking   Ranking
	TextBytes int64
	// Chunk is how documents were cut (defaults filled in); files are
	// only reused by a later build that cuts them the same way.
	Chunk ingest.ChunkOptions
}

// docEntry is one indexed document.
type docEntry struct {
	Path       string
	Title      string
	Format     string
	Hash       string
	Size       int64
	Metadata   map[string]any
	FirstChunk int32
	NumChunks  int32
}

// chunkEntry locates one chunk: its document, its position there, and its
// heading path and text in the text section.
type chunkEntry struct {
	Doc     int32
	Index   int32
	TextOff int64
	HeadLen int32 // heading path, joined by headingSep, comes first
	TextLen int32
	// Page is the page (slide) the chunk starts on, from 1; 0 for
	// documents without pages.
	Page int32
}

const headingSep = "\x1f"

// index is one loaded, immutable generation of a knowledge base.
type index struct {
	hdr    header
	docs   []docEntry
	chunks []chunkEntry
	byPath map[string]int32

	terms     map[string]uint32
	postStart []uint32 // postings of term t: ids[postStart[t]:postStart[t+1]]
	ids       []uint32
	impacts   []uint16
	scale     float32 // impact = impacts[i] * scale

	text     io.ReaderAt // the text section starts at textBase
	textBase int64
	closer   io.Closer
}

// chunkText reads a chunk's heading path and text.
func (ix *index) chunkText(id uint32) (heading []string, text string, err error) {
	c := ix.chunks[id]
	buf := make([]byte, int(c.HeadLen)+int(c.TextLen))
	if _, err := ix.text.ReadAt(buf, ix.textBase+c.TextOff); err != nil {
		return nil, "", fmt.Errorf("read chunk %d of %s: %w", id, ix.hdr.Name, err)
	}
	if c.HeadLen > 0 {
		heading = strings.Split(string(buf[:c.HeadLen]), headingSep)
	}
	if c.TextLen == 0 {
		return heading, "", nil
	}
	// The text is the tail of buf, which nothing else holds or writes: a
	// string over it saves copying every result's text (half of what a
	// search allocates was these copies).
	body := buf[c.HeadLen:]
	return heading, unsafe.String(unsafe.SliceData(body), len(body)), nil
}

// hit is a scored candidate chunk.
type hit struct {
	chunk uint32
	score float32
}

// minHeap keeps the best k hits with the worst on top.
type minHeap []hit

func (h minHeap) Len() int { return len(h) }
func (h minHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score < h[j].score
	}
	return h[i].chunk > h[j].chunk
}
func (h minHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)   { *h = append(*h, x.(hit)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// scratch is per-query working memory, pooled.
type scratch struct {
	acc     []float32
	count   []uint8
	touched []uint32
	allowed []int8 // per document: 0 unknown, 1 passes the filter, -1 fails
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// queryTerm is an analyzed query word.
type queryTerm struct {
	term string
	id   uint32
	// pos is the word's position in the query, for proximity.
	pos int
}

// analyzeQuery returns the distinct query terms found in the index, and
// every query term (found or not) in order for proximity.
func (ix *index) analyzeQuery(text string) (found []queryTerm, ordered []token) {
	a := &analyzer{stem: ix.hdr.Ranking.Stem, stop: ix.hdr.Ranking.Stopwords, cache: map[string]string{}}
	ordered = a.tokens(text, nil)
	if len(ordered) == 0 && a.stop {
		// A query of stopwords only ("how do I"): nothing to find.
		return nil, nil
	}
	seen := map[string]bool{}
	for _, t := range ordered {
		if seen[t.term] {
			continue
		}
		seen[t.term] = true
		id, ok := ix.terms[t.term]
		if !ok {
			continue
		}
		found = append(found, queryTerm{term: t.term, id: id, pos: t.pos})
	}
	// Long queries: keep the 32 rarest terms.
	if len(found) > 32 {
		slices.SortFunc(found, func(a, b queryTerm) int {
			return int(ix.postStart[a.id+1]-ix.postStart[a.id]) - int(ix.postStart[b.id+1]-ix.postStart[b.id])
		})
		found = found[:32]
	}
	return found, ordered
}

// candidates scores every chunk holding a query term and returns the best
// n that pass the filter, best first.
func (ix *index) candidates(terms []queryTerm, n int, filter *kb.Filter) []hit {
	if len(terms) == 0 || n <= 0 {
		return nil
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if cap(s.acc) < len(ix.chunks) {
		s.acc = make([]float32, len(ix.chunks))
	}
	if cap(s.count) < len(ix.chunks) {
		s.count = make([]uint8, len(ix.chunks))
	}
	acc := s.acc[:len(ix.chunks)]
	count := s.count[:len(ix.chunks)]
	touched := s.touched[:0]
	for _, t := range terms {
		lo, hi := ix.postStart[t.id], ix.postStart[t.id+1]
		ids := ix.ids[lo:hi]
		imp := ix.impacts[lo:hi]
		for i, id := range ids {
			if acc[id] == 0 {
				touched = append(touched, id)
			}
			acc[id] += float32(imp[i])
			count[id]++
		}
	}
	// Coordination: a chunk with more of the query's terms gains.
	coord := float32(ix.hdr.Ranking.Coord)
	nTerms := float32(len(terms))
	var allowed []int8
	if filter != nil {
		if cap(s.allowed) < len(ix.docs) {
			s.allowed = make([]int8, len(ix.docs))
		}
		allowed = s.allowed[:len(ix.docs)]
		clear(allowed)
	}
	h := make(minHeap, 0, n+1)
	for _, id := range touched {
		score := acc[id]
		if coord > 0 && nTerms > 1 {
			score *= 1 + coord*(float32(count[id])-1)/(nTerms-1)
		}
		acc[id], count[id] = 0, 0
		if len(h) == n && (score < h[0].score || score == h[0].score && id > h[0].chunk) {
			continue
		}
		if allowed != nil && !ix.passes(allowed, ix.chunks[id].Doc, filter) {
			continue
		}
		heap.Push(&h, hit{chunk: id, score: score})
		if len(h) > n {
			heap.Pop(&h)
		}
	}
	s.touched = touched[:0]
	out := make([]hit, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(hit)
		out[i].score *= ix.scale
	}
	return out
}

func (ix *index) passes(allowed []int8, doc int32, f *kb.Filter) bool {
	switch allowed[doc] {
	case 1:
		return true
	case -1:
		return false
	}
	ok := f.Match(ix.metadataOf(doc))
	if ok {
		allowed[doc] = 1
	} else {
		allowed[doc] = -1
	}
	return ok
}

// SourceURIKey is the metadata key holding a result's source URI, as in
// Bedrock Knowledge Bases, so filters written for Bedrock work here too.
const SourceURIKey = "x-amz-bedrock-kb-source-uri"

// metadataOf returns the metadata a filter sees for a document: its own
// plus the source URI.
func (ix *index) metadataOf(doc int32) map[string]any {
	d := &ix.docs[doc]
	m := make(map[string]any, len(d.Metadata)+1)
	for k, v := range d.Metadata {
		m[k] = v
	}
	m[SourceURIKey] = DocumentURI(ix.hdr.Name, d.Path)
	return m
}

// idf is BM25's inverse document frequency.
func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}
