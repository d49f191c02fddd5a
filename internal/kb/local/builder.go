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

	// words maps a word as written to its term id, or -1 for a dropped
	// stopword: one map lookup per word.
	words map[string]int32
	// tf holds the packed field frequencies of the current chunk by term
	// id; tfTouched lists the ids set.
	tf        []uint32
	tfTouched []uint32
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
	return &builder{r: r, a: newAnalyzer(r), text: text, termIDs: map[string]uint32{}, words: map[string]int32{}}
}

// addDoc adds a document and its chunks.
func (b *builder) addDoc(d docEntry, chunks []chunkInput) error {
	d.FirstChunk = int32(len(b.chunks))
	d.NumChunks = int32(len(chunks))
	docID := int32(len(b.docs))
	b.docs = append(b.docs, d)
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

		var l [3]uint16
		l[fieldBody] = uint16(min(b.count(c.text, 1), 0xffff))
		l[fieldHeading] = uint16(min(b.count(strings.Join(c.heading, " "), 1<<16), 0xffff))
		l[fieldTitle] = uint16(min(b.count(d.Title, 1<<24), 0xffff))
		for f := range 3 {
			b.total[f] += float64(l[f])
		}
		b.lens = append(b.lens, l)
		for _, id := range b.tfTouched {
			packed := b.tf[id]
			b.tf[id] = 0
			body, heading, title := packed&0xffff, (packed>>16)&0xff, packed>>24
			b.postings[id] = append(b.postings[id], chunkID)
			b.tfs[id] = append(b.tfs[id], pack(body, heading, title))
		}
		b.tfTouched = b.tfTouched[:0]
	}
	return nil
}

// count adds the terms of text to the current chunk's frequencies, inc
// at a time (1 for the body, 1<<16 for headings, 1<<24 for the title, so
// one uint32 holds all three), and returns the number of terms.
func (b *builder) count(text string, inc uint32) int {
	n := 0
	scanWords(text, func(word string, ascii bool, _, _ int) {
		id, ok := b.words[word]
		if !ok {
			id = -1
			if term, keep := b.a.term(word, ascii); keep {
				id = int32(b.termID(term))
			}
			if len(b.words) < 1<<21 {
				b.words[strings.Clone(word)] = id
			}
		}
		if id < 0 {
			return
		}
		n++
		f := b.tf[id]
		if f == 0 {
			b.tfTouched = append(b.tfTouched, uint32(id))
		}
		// Saturate each field's counter instead of overflowing into the next.
		switch inc {
		case 1:
			if f&0xffff == 0xffff {
				return
			}
		case 1 << 16:
			if (f>>16)&0xff == 0xff {
				return
			}
		default:
			if f>>24 == 0xff {
				return
			}
		}
		b.tf[id] = f + inc
	})
	return n
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
	b.tf = append(b.tf, 0)
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
