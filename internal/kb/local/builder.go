package local

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// chunkInput is a chunk handed to the builder.
type chunkInput struct {
	heading []string
	text    string
}

// builder accumulates documents into postings and streams chunk texts to
// a writer. finish computes BM25F impacts and returns a ready index.
type builder struct {
	r       Ranking
	a       *analyzer
	text    io.Writer
	textOff int64

	docs   []docEntry
	chunks []chunkEntry

	termIDs  map[string]uint32
	terms    []string
	postings [][]uint32 // chunk ids per term
	tfs      [][]uint32 // packed field frequencies per posting
	lens     [][3]uint16
	total    [3]float64

	toks []token
	tf   map[uint32]uint32
}

// Field numbers in packed frequencies and lengths.
const (
	fieldBody = iota
	fieldHeading
	fieldTitle
)

// pack stores body (16 bits), heading (8) and title (8) frequencies.
func pack(body, heading, title uint32) uint32 {
	return min(body, 0xffff) | min(heading, 0xff)<<16 | min(title, 0xff)<<24
}

func newBuilder(r Ranking, text io.Writer) *builder {
	return &builder{r: r, a: newAnalyzer(r), text: text, termIDs: map[string]uint32{}, tf: map[uint32]uint32{}}
}

// addDoc adds a document and its chunks.
func (b *builder) addDoc(d docEntry, chunks []chunkInput) error {
	d.FirstChunk = int32(len(b.chunks))
	d.NumChunks = int32(len(chunks))
	docID := int32(len(b.docs))
	b.docs = append(b.docs, d)
	titleToks := b.a.tokens(d.Title, nil)
	for i, c := range chunks {
		chunkID := uint32(len(b.chunks))
		head := strings.Join(c.heading, headingSep)
		if strings.Contains(c.text, headingSep) {
			c.text = strings.ReplaceAll(c.text, headingSep, " ")
		}
		if _, err := io.WriteString(b.text, head); err != nil {
			return fmt.Errorf("write chunk text: %w", err)
		}
		if _, err := io.WriteString(b.text, c.text); err != nil {
			return fmt.Errorf("write chunk text: %w", err)
		}
		b.chunks = append(b.chunks, chunkEntry{Doc: docID, Index: int32(i), TextOff: b.textOff, HeadLen: int32(len(head)), TextLen: int32(len(c.text))})
		b.textOff += int64(len(head) + len(c.text))

		clear(b.tf)
		var l [3]uint16
		b.toks = b.a.tokens(c.text, b.toks[:0])
		l[fieldBody] = uint16(min(len(b.toks), 0xffff))
		for _, t := range b.toks {
			b.tf[b.termID(t.term)] += 1
		}
		b.toks = b.a.tokens(strings.Join(c.heading, " "), b.toks[:0])
		l[fieldHeading] = uint16(min(len(b.toks), 0xffff))
		for _, t := range b.toks {
			b.tf[b.termID(t.term)] += 1 << 16
		}
		l[fieldTitle] = uint16(min(len(titleToks), 0xffff))
		for _, t := range titleToks {
			b.tf[b.termID(t.term)] += 1 << 24
		}
		for f := range 3 {
			b.total[f] += float64(l[f])
		}
		b.lens = append(b.lens, l)
		for id, packed := range b.tf {
			body, heading, title := packed&0xffff, (packed>>16)&0xff, packed>>24
			b.postings[id] = append(b.postings[id], chunkID)
			b.tfs[id] = append(b.tfs[id], pack(body, heading, title))
		}
	}
	return nil
}

func (b *builder) termID(term string) uint32 {
	if id, ok := b.termIDs[term]; ok {
		return id
	}
	id := uint32(len(b.terms))
	term = strings.Clone(term)
	b.termIDs[term] = id
	b.terms = append(b.terms, term)
	b.postings = append(b.postings, nil)
	b.tfs = append(b.tfs, nil)
	return id
}

// finish computes BM25F impacts (idf × saturated weighted frequency, the
// whole per-term score, so a query only adds numbers) and returns the
// index. Terms are sorted so the file is deterministic.
func (b *builder) finish(h header) *index {
	n := len(b.chunks)
	var avg [3]float64
	for f := range 3 {
		avg[f] = max(b.total[f]/float64(max(n, 1)), 1)
	}
	weights := [3]float64{1, b.r.HeadingWeight, b.r.TitleWeight}
	order := make([]uint32, len(b.terms))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(x, y uint32) int { return strings.Compare(b.terms[x], b.terms[y]) })

	total := 0
	for _, p := range b.postings {
		total += len(p)
	}
	ix := &index{
		hdr:       h,
		docs:      b.docs,
		chunks:    b.chunks,
		terms:     make(map[string]uint32, len(b.terms)),
		postStart: make([]uint32, 0, len(b.terms)+1),
		ids:       make([]uint32, 0, total),
	}
	raw := make([]float32, 0, total)
	maxImpact := float32(0)
	for newID, old := range order {
		ix.terms[b.terms[old]] = uint32(newID)
		ix.postStart = append(ix.postStart, uint32(len(ix.ids)))
		ids, tfs := b.postings[old], b.tfs[old]
		w := idf(n, len(ids))
		for i, id := range ids {
			packed := tfs[i]
			freq := [3]float64{float64(packed & 0xffff), float64((packed >> 16) & 0xff), float64(packed >> 24)}
			var tf float64
			for f := range 3 {
				if freq[f] == 0 || weights[f] == 0 {
					continue
				}
				norm := 1 - b.r.B + b.r.B*float64(b.lens[id][f])/avg[f]
				tf += weights[f] * freq[f] / norm
			}
			impact := float32(w * tf * (b.r.K1 + 1) / (b.r.K1 + tf))
			ix.ids = append(ix.ids, id)
			raw = append(raw, impact)
			maxImpact = max(maxImpact, impact)
		}
		b.postings[old], b.tfs[old] = nil, nil
	}
	ix.postStart = append(ix.postStart, uint32(len(ix.ids)))
	ix.scale = max(maxImpact, math.SmallestNonzeroFloat32) / 65535
	ix.impacts = make([]uint16, len(raw))
	for i, v := range raw {
		q := math.Round(float64(v / ix.scale))
		ix.impacts[i] = uint16(max(1, min(q, 65535)))
	}
	ix.byPath = make(map[string]int32, len(ix.docs))
	for i, d := range ix.docs {
		ix.byPath[d.Path] = int32(i)
	}
	ix.hdr.TextBytes = b.textOff
	return ix
}
