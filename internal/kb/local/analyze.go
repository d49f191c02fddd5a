package local

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// Ranking holds the analysis and scoring settings an index is built with.
// They are stored in the index so that queries are analyzed the same way.
type Ranking struct {
	// K1 and B are BM25's term-frequency saturation and length
	// normalisation.
	K1, B float64
	// TitleWeight and HeadingWeight weigh a term in the document title and
	// in the chunk's heading path against one in the body (BM25F).
	TitleWeight, HeadingWeight float64
	// Stem applies the Snowball English stemmer ("configured" matches
	// "configuring").
	Stem bool
	// Stopwords drops common English words from queries ("how do I") and
	// from the index.
	Stopwords bool
	// Proximity adds a bonus to candidates where query terms occur close
	// together; 0 turns it off.
	Proximity float64
	// Coord multiplies the score of a chunk holding every query term by
	// 1+Coord (and proportionally less for fewer terms); 0 turns it off.
	Coord float64
}

// DefaultRanking is what the local index uses: BM25F over title, heading
// path and body, stemming, stopwords and a proximity bonus. The weights
// were chosen on the Python-docs evaluation (bench/results/notebook.md).
func DefaultRanking() Ranking {
	return Ranking{K1: 1.2, B: 0.75, TitleWeight: 2, HeadingWeight: 2, Stem: true, Stopwords: true, Proximity: 0.3}
}

// PlainBM25 is the baseline: BM25 (k1 1.2, b 0.75) over the body only, no
// stemming, no stopwords, no proximity; what SQLite FTS5's bm25() ranks.
func PlainBM25() Ranking {
	return Ranking{K1: 1.2, B: 0.75}
}

// analyzer turns text into index terms. It caches stems, so one analyzer
// must not be shared between goroutines.
type analyzer struct {
	stem, stop bool
	cache      map[string]string
}

func newAnalyzer(r Ranking) *analyzer {
	return &analyzer{stem: r.Stem, stop: r.Stopwords, cache: map[string]string{}}
}

// token is one term at a word position.
type token struct {
	term string
	pos  int
	// start and end are byte offsets in the analyzed text.
	start, end int
}

// tokens splits text into lower-cased words (runs of letters and digits),
// drops stopwords when configured and stems. Positions count every word,
// dropped ones included, so proximity stays true to the text.
func (a *analyzer) tokens(text string, dst []token) []token {
	pos := 0
	scanWords(text, func(word string, ascii bool, start, end int) {
		if term, ok := a.term(word, ascii); ok {
			dst = append(dst, token{term: term, pos: pos, start: start, end: end})
		}
		pos++
	})
	return dst
}

// scanWords calls fn for every word of text: a run of letters and digits.
// ascii reports a word of ASCII letters and digits only.
func scanWords(text string, fn func(word string, ascii bool, start, end int)) {
	i := 0
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if !isASCIIWordByte(c) {
				i++
				continue
			}
		} else {
			r, size := utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				i += size
				continue
			}
		}
		start := i
		ascii := true
		for i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf {
				if !isASCIIWordByte(c) {
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			ascii = false
			i += size
		}
		fn(text[start:i], ascii, start, i)
	}
}

func isASCIIWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// term normalizes one word; ok is false for a dropped stopword.
func (a *analyzer) term(word string, ascii bool) (string, bool) {
	if t, ok := a.cache[word]; ok {
		return t, t != ""
	}
	lower := word
	if ascii {
		for j := 0; j < len(word); j++ {
			if word[j] >= 'A' && word[j] <= 'Z' {
				lower = strings.ToLower(word)
				break
			}
		}
	} else {
		lower = strings.ToLower(word)
	}
	t := lower
	switch {
	case len(lower) > 64:
		t = lower[:64]
	case a.stop && english.IsStopWord(lower):
		t = ""
	case a.stem && len(lower) > 2 && ascii && !isNumber(lower):
		t = english.Stem(lower, true)
	}
	if len(a.cache) < 1<<20 {
		a.cache[strings.Clone(word)] = t
	}
	return t, t != ""
}

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
