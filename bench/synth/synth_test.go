package synth

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestWordsDeterministicAndMixed(t *testing.T) {
	draw := func() []string {
		w := New(rand.New(rand.NewPCG(1, 2)), 1000)
		var out []string
		for range 2000 {
			out = append(out, w.Word())
		}
		return out
	}
	a, b := draw(), draw()
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different text")
	}
	stop := 0
	for _, x := range a {
		if slices.Contains(stopwords, x) {
			stop++
		}
	}
	if stop < 600 || stop > 1000 {
		t.Errorf("%d of 2000 words are stopwords, want about 40%%", stop)
	}
	if v := vocabulary(rand.New(rand.NewPCG(3, 4)), 500); len(v) != 500 || len(slices.Compact(slices.Sorted(slices.Values(v)))) != 500 {
		t.Errorf("vocabulary: %d words, want 500 distinct", len(v))
	}
}
