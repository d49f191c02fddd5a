// Package synth makes the English-like synthetic text of the index
// benchmarks: pseudo-words drawn from a Zipf law, with real stopwords mixed
// in, so that ranking and postings behave as on prose. The same seed gives
// the same text.
package synth

import (
	"math/rand/v2"
	"strings"
)

var stopwords = strings.Fields("the of and to a in is it that for on with as was by be this are or from at an not have has but which can you if will all when so one their there more what how your do its may only into these also than any should then each would such other them about use used")

// Words draws words from a vocabulary of pseudo-words.
type Words struct {
	r     *rand.Rand
	vocab []string
	zipf  *rand.Zipf
}

// New returns Words over a vocabulary of n distinct pseudo-words, drawn
// with r (which the caller may go on using).
func New(r *rand.Rand, n int) *Words {
	vocab := vocabulary(r, n)
	return &Words{r: r, vocab: vocab, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))}
}

// Term returns a vocabulary word, never a stopword: for titles and headings.
func (w *Words) Term() string { return w.vocab[w.zipf.Uint64()] }

// Word returns the next word of running text: a stopword 40% of the time.
func (w *Words) Word() string {
	if w.r.Float64() < 0.4 {
		return stopwords[w.r.IntN(len(stopwords))]
	}
	return w.Term()
}

// vocabulary returns n distinct pseudo-words built from syllables.
func vocabulary(r *rand.Rand, n int) []string {
	syll := strings.Fields("ka lo mi ne ta ri su po de ga fe bi zo lu ve ha ni ro sa te co ma pu di ge")
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
