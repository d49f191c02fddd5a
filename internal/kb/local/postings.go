package local

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
)

// chunkInput is a chunk handed to the builder. Its term ids may be
// computed beforehand by a [tokenizer] on another goroutine; nil ids are
// computed by the builder.
type chunkInput struct {
	heading []string
	text    string
	page    int32
	// body and head are the term ids of text and of the heading path.
	body, head []uint32
	analyzed   bool
}

// dictionary assigns term ids. Tokenizers on several goroutines share it;
// it is only locked when a word is new to a tokenizer.
type dictionary struct {
	mu    sync.Mutex
	ids   map[string]uint32
	terms []string
}

func (d *dictionary) id(term string) uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.ids[term]; ok {
		return id
	}
	id := uint32(len(d.terms))
	term = strings.Clone(term)
	d.ids[term] = id
	d.terms = append(d.terms, term)
	return id
}

// tokenizer turns text into term ids. One per goroutine.
type tokenizer struct {
	d *dictionary
	a *analyzer
	// words maps a word as written to its term id, or -1 for a dropped
	// stopword: one map lookup per word.
	words map[string]int32
	// hot is a direct-mapped cache in front of words, indexed by a cheap
	// hash of a word's length and a few of its bytes: frequent words
	// (and stopwords) are found there without hashing the whole word.
	hot [hotSize]hotEntry
}

const hotSize = 1 << 14

// hotEntry holds a word of up to 27 bytes inline, so a lookup touches
// only the table, not a string somewhere on the heap.
type hotEntry struct {
	id int32
	n  uint8
	b  [27]byte
}

// hotSlot hashes a word (FNV-1a).
func hotSlot(w string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(w); i++ {
		h ^= uint32(w[i])
		h *= 16777619
	}
	return h & (hotSize - 1)
}

func newTokenizer(d *dictionary, r Ranking) *tokenizer {
	return &tokenizer{d: d, a: newAnalyzer(r), words: map[string]int32{}}
}

// ids appends the term ids of text to dst.
func (t *tokenizer) ids(text string, dst []uint32) []uint32 {
	scanWords(text, func(word string, ascii bool, _, _ int) {
		var slot *hotEntry
		if len(word) <= len(slot.b) {
			slot = &t.hot[hotSlot(word)]
			if int(slot.n) == len(word) && string(slot.b[:slot.n]) == word {
				if slot.id >= 0 {
					dst = append(dst, uint32(slot.id))
				}
				return
			}
		}
		id, ok := t.words[word]
		if !ok {
			id = -1
			if term, keep := t.a.term(word, ascii); keep {
				id = int32(t.d.id(term))
			}
			if len(t.words) < 1<<21 {
				word = strings.Clone(word)
				t.words[word] = id
			}
		}
		if slot != nil {
			slot.id, slot.n = id, uint8(copy(slot.b[:], word))
		}
		if id >= 0 {
			dst = append(dst, uint32(id))
		}
	})
	return dst
}

// analyze fills the term ids of chunks.
func (t *tokenizer) analyze(chunks []chunkInput) {
	for i := range chunks {
		c := &chunks[i]
		c.body = t.ids(c.text, nil)
		c.head = t.ids(strings.Join(c.heading, " "), nil)
		c.analyzed = true
	}
}

// builder accumulates documents into postings and streams chunk texts to
// a writer. finish computes BM25F impacts and returns a ready index.
type builder struct {
	r       Ranking
	dict    *dictionary
	tok     *tokenizer
	text    io.Writer
	textOff int64

	docs   []docEntry
	chunks []chunkEntry

	// postings holds, per term id, its postings as uvarint pairs: the
	// chunk id less the term's previous one, then the packed field
	// frequencies (two or three bytes a posting instead of eight).
	// last is the term's last chunk id, df its number of postings.
	postings [][]byte
	last     []uint32
	df       []uint32
	lens     [][3]uint16
	total    [3]float64

	// tf holds the packed field frequencies of the current chunk by term
	// id; tfTouched lists the ids set.
	tf        []uint32
	tfTouched []uint32
}

// Field numbers in lengths.
const (
	fieldBody = iota
	fieldHeading
	fieldTitle
)

func newBuilder(r Ranking, text io.Writer) *builder {
	d := &dictionary{ids: map[string]uint32{}}
	return &builder{r: r, dict: d, tok: newTokenizer(d, r), text: text}
}

// addDoc adds a document and its chunks.
func (b *builder) addDoc(d docEntry, chunks []chunkInput) error {
	d.FirstChunk = int32(len(b.chunks))
	d.NumChunks = int32(len(chunks))
	docID := int32(len(b.docs))
	b.docs = append(b.docs, d)
	title := b.tok.ids(d.Title, nil)
	for i, c := range chunks {
		if !c.analyzed {
			b.tok.analyze(chunks[i : i+1])
			c = chunks[i]
		}
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
		b.chunks = append(b.chunks, chunkEntry{Doc: docID, Index: int32(i), TextOff: b.textOff, HeadLen: int32(len(head)), TextLen: int32(len(c.text)), Page: c.page})
		b.textOff += int64(len(head) + len(c.text))

		var l [3]uint16
		l[fieldBody] = uint16(min(len(c.body), 0xffff))
		l[fieldHeading] = uint16(min(len(c.head), 0xffff))
		l[fieldTitle] = uint16(min(len(title), 0xffff))
		b.count(c.body, 0, 0xffff)
		b.count(c.head, 16, 0xff)
		b.count(title, 24, 0xff)
		for f := range 3 {
			b.total[f] += float64(l[f])
		}
		b.lens = append(b.lens, l)
		for _, id := range b.tfTouched {
			p := binary.AppendUvarint(b.postings[id], uint64(chunkID-b.last[id]))
			b.postings[id] = binary.AppendUvarint(p, uint64(b.tf[id]))
			b.last[id] = chunkID
			b.df[id]++
			b.tf[id] = 0
		}
		b.tfTouched = b.tfTouched[:0]
	}
	return nil
}

// count adds term ids to the current chunk's packed frequencies: the
// field's counter sits at bit shift and saturates at limit (body 16 bits,
// heading and title 8 bits each, in one uint32).
func (b *builder) count(ids []uint32, shift uint, limit uint32) {
	for _, id := range ids {
		for int(id) >= len(b.tf) {
			b.tf = append(b.tf, 0)
			b.postings = append(b.postings, nil)
			b.last = append(b.last, 0)
			b.df = append(b.df, 0)
		}
		f := b.tf[id]
		if f == 0 {
			b.tfTouched = append(b.tfTouched, id)
		}
		if (f>>shift)&limit < limit {
			b.tf[id] = f + 1<<shift
		}
	}
}

// eachPosting calls fn with the chunk id and packed field frequencies of
// each posting of a term, in chunk order.
func eachPosting(p []byte, fn func(chunk, packed uint32)) {
	chunk := uint32(0)
	for len(p) > 0 {
		d, n := binary.Uvarint(p)
		f, m := binary.Uvarint(p[n:])
		p = p[n+m:]
		chunk += uint32(d)
		fn(chunk, uint32(f))
	}
}

// scorer computes BM25F impacts: idf × saturated weighted frequency, the
// whole per-term score, so a query only adds numbers.
type scorer struct {
	b       *builder
	n       int
	avg     [3]float64
	weights [3]float64
}

// idf is the inverse document frequency of a term with df postings.
func (s *scorer) idf(df uint32) float64 { return idf(s.n, int(df)) }

// impact is a posting's score, w its term's idf.
func (s *scorer) impact(w float64, chunk, packed uint32) float32 {
	r := s.b.r
	freq := [3]float64{float64(packed & 0xffff), float64((packed >> 16) & 0xff), float64(packed >> 24)}
	var tf float64
	for f := range 3 {
		if freq[f] == 0 || s.weights[f] == 0 {
			continue
		}
		norm := 1 - r.B + r.B*float64(s.b.lens[chunk][f])/s.avg[f]
		tf += s.weights[f] * freq[f] / norm
	}
	return float32(w * tf * (r.K1 + 1) / (r.K1 + tf))
}

// quantize turns an impact into the uint16 the index stores.
func quantize(v, scale float32) uint16 {
	q := math.Round(float64(v / scale))
	return uint16(max(1, min(q, 65535)))
}

// finish computes the impacts and returns the index with its postings in
// memory. Terms are sorted so the file is deterministic.
func (b *builder) finish(h header) *index {
	ix, p := b.finishStreamed(h)
	ix.ids = make([]uint32, 0, p.total)
	ix.impacts = make([]uint16, 0, p.total)
	for _, old := range p.order {
		w := p.s.idf(b.df[old])
		eachPosting(b.postings[old], func(chunk, packed uint32) {
			ix.ids = append(ix.ids, chunk)
			ix.impacts = append(ix.impacts, quantize(p.s.impact(w, chunk, packed), ix.scale))
		})
		b.postings[old] = nil
	}
	return ix
}

// streamedPostings writes a builder's postings to an index file without
// making the index's ids and impacts arrays: the builder's compact
// postings are the only copy, and each term's are released once its
// impacts are written.
type streamedPostings struct {
	b     *builder
	s     *scorer
	order []uint32 // builder term ids in the order of the index's terms
	total int
	scale float32
}

// finishStreamed is finish without the postings arrays: it scores every
// posting once for the largest impact, which sets the quantization scale,
// and returns the index, lacking ids and impacts, and what writes them
// (scoring each posting again, the same way).
func (b *builder) finishStreamed(h header) (*index, *streamedPostings) {
	s := &scorer{b: b, n: len(b.chunks), weights: [3]float64{1, b.r.HeadingWeight, b.r.TitleWeight}}
	for f := range 3 {
		s.avg[f] = max(b.total[f]/float64(max(s.n, 1)), 1)
	}
	terms := b.dict.terms
	for len(b.postings) < len(terms) {
		b.postings = append(b.postings, nil)
		b.last = append(b.last, 0)
		b.df = append(b.df, 0)
	}
	order := make([]uint32, 0, len(terms))
	for i := range terms {
		if b.df[i] > 0 { // a term seen only in a skipped file has none
			order = append(order, uint32(i))
		}
	}
	slices.SortFunc(order, func(x, y uint32) int { return strings.Compare(terms[x], terms[y]) })

	ix := &index{
		hdr:       h,
		docs:      b.docs,
		chunks:    b.chunks,
		terms:     make(map[string]uint32, len(order)),
		postStart: make([]uint32, 0, len(order)+1),
	}
	total := 0
	maxImpact := float32(0)
	for newID, old := range order {
		ix.terms[terms[old]] = uint32(newID)
		ix.postStart = append(ix.postStart, uint32(total))
		total += int(b.df[old])
		w := s.idf(b.df[old])
		eachPosting(b.postings[old], func(chunk, packed uint32) {
			maxImpact = max(maxImpact, s.impact(w, chunk, packed))
		})
	}
	ix.postStart = append(ix.postStart, uint32(total))
	ix.scale = max(maxImpact, math.SmallestNonzeroFloat32) / 65535
	ix.byPath = make(map[string]int32, len(ix.docs))
	for i, d := range ix.docs {
		ix.byPath[d.Path] = int32(i)
	}
	ix.hdr.TextBytes = b.textOff
	return ix, &streamedPostings{b: b, s: s, order: order, total: total, scale: ix.scale}
}

// writeIDs writes the ids section: every posting's chunk id, term by term.
func (p *streamedPostings) writeIDs(w io.Writer) error {
	buf := make([]uint32, 0, 1<<14)
	var err error
	for _, old := range p.order {
		eachPosting(p.b.postings[old], func(chunk, _ uint32) {
			if len(buf) == cap(buf) && err == nil {
				err = writeUint32s(w, buf)
				buf = buf[:0]
			}
			buf = append(buf, chunk)
		})
		if err != nil {
			return err
		}
	}
	return writeUint32s(w, buf)
}

// writeImpacts writes the impacts section and releases each term's
// postings once written; it runs after writeIDs, once.
func (p *streamedPostings) writeImpacts(w io.Writer) error {
	buf := make([]uint16, 0, 1<<15)
	var err error
	for _, old := range p.order {
		weight := p.s.idf(p.b.df[old])
		eachPosting(p.b.postings[old], func(chunk, packed uint32) {
			if len(buf) == cap(buf) && err == nil {
				err = writeUint16s(w, buf)
				buf = buf[:0]
			}
			buf = append(buf, quantize(p.s.impact(weight, chunk, packed), p.scale))
		})
		if err != nil {
			return err
		}
		p.b.postings[old] = nil
	}
	return writeUint16s(w, buf)
}
