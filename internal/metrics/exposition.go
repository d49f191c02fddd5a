package metrics

import (
	"bufio"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// This file is the small part of a Prometheus client that knowledge-mcp
// needs: counters and histograms with up to three labels, one gauge, and
// the text exposition format (version 0.0.4) with families sorted by name,
// label pairs sorted by name and series sorted by their labels, as
// github.com/prometheus/client_golang writes it. Linking that client cost
// ~10 ms and ~160 page faults at every start of the binary (its package
// init, procfs and protobuf); this costs nothing until it is used.

// maxLabels is the most labels a family of ours has.
const maxLabels = 3

// labelValues is one series' label values, in the family's label order.
type labelValues [maxLabels]string

// family is a metric family: its series by label values.
type family[S any] struct {
	name, help, typ string
	labels          []string
	// order lists label indexes sorted by label name, the order of the
	// label pairs in the exposition.
	order   []int
	newS    func() *S
	mu      sync.RWMutex
	series  map[labelValues]*S
	writeFn func(w *bufio.Writer, f *family[S], lv labelValues, s *S)
}

func newFamily[S any](name, help, typ string, labels []string, newS func() *S, write func(*bufio.Writer, *family[S], labelValues, *S)) *family[S] {
	if len(labels) > maxLabels {
		panic("metrics: too many labels for " + name)
	}
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(labels[a], labels[b]) })
	f := &family[S]{name: Namespace + "_" + name, help: help, typ: typ, labels: labels, order: order, newS: newS, series: map[labelValues]*S{}, writeFn: write}
	if len(labels) == 0 {
		f.series[labelValues{}] = newS() // exposed from the start, as 0
	}
	return f
}

// with returns the series of the label values, creating it at first use.
func (f *family[S]) with(values ...string) *S {
	var lv labelValues
	copy(lv[:], values)
	f.mu.RLock()
	s := f.series[lv]
	f.mu.RUnlock()
	if s != nil {
		return s
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if s = f.series[lv]; s == nil {
		s = f.newS()
		f.series[lv] = s
	}
	return s
}

func (f *family[S]) familyName() string { return f.name }

// write writes the family, its series sorted by label pairs.
func (f *family[S]) write(w *bufio.Writer) {
	type entry struct {
		lv labelValues
		s  *S
	}
	f.mu.RLock()
	entries := make([]entry, 0, len(f.series))
	for lv, s := range f.series {
		entries = append(entries, entry{lv, s})
	}
	f.mu.RUnlock()
	if len(entries) == 0 && len(f.labels) > 0 {
		return // a labelled family with no series yet is not exposed
	}
	slices.SortFunc(entries, func(a, b entry) int {
		for _, i := range f.order {
			if c := strings.Compare(a.lv[i], b.lv[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	writeHeader(w, f.name, f.help, f.typ)
	for _, e := range entries {
		f.writeFn(w, f, e.lv, e.s)
	}
}

// writeLabels writes {name="value",...} with extra pairs (such as le)
// last; nothing when there are no pairs.
func (f *family[S]) writeLabels(w *bufio.Writer, lv labelValues, extra ...string) {
	if len(f.labels) == 0 && len(extra) == 0 {
		return
	}
	w.WriteByte('{')
	sep := false
	pair := func(name, value string) {
		if sep {
			w.WriteByte(',')
		}
		sep = true
		w.WriteString(name)
		w.WriteString(`="`)
		writeEscaped(w, value, true)
		w.WriteByte('"')
	}
	for _, i := range f.order {
		pair(f.labels[i], lv[i])
	}
	for i := 0; i+1 < len(extra); i += 2 {
		pair(extra[i], extra[i+1])
	}
	w.WriteByte('}')
}

// counter is a monotonically increasing count.
type counter struct{ n atomic.Uint64 }

func (c *counter) Inc() { c.n.Add(1) }

func newCounterFamily(name, help string, labels ...string) *family[counter] {
	return newFamily(name, help, "counter", labels, func() *counter { return new(counter) },
		func(w *bufio.Writer, f *family[counter], lv labelValues, c *counter) {
			writeSample(w, f.name, "", func() { f.writeLabels(w, lv) }, float64(c.n.Load()))
		})
}

// gauge is a value that goes up and down.
type gauge struct{ bits atomic.Uint64 }

// Add adds delta to the gauge.
func (g *gauge) Add(delta float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}

func (g *gauge) value() float64 { return math.Float64frombits(g.bits.Load()) }

func newGaugeFamily(name, help string) *family[gauge] {
	return newFamily(name, help, "gauge", nil, func() *gauge { return new(gauge) },
		func(w *bufio.Writer, f *family[gauge], lv labelValues, g *gauge) {
			writeSample(w, f.name, "", nil, g.value())
		})
}

// histogram counts observations in buckets, Prometheus style: the
// exposition's buckets are cumulative, and _count equals the +Inf bucket.
type histogram struct {
	upper []float64
	// counts[i] counts observations in (upper[i-1], upper[i]]; the last
	// counts those above every bound.
	counts []atomic.Uint64
	sum    gauge
}

// Observe records v.
func (h *histogram) Observe(v float64) {
	i, _ := slices.BinarySearch(h.upper, v)
	h.counts[i].Add(1)
	h.sum.Add(v)
}

func newHistogramFamily(name, help string, upper []float64, labels ...string) *family[histogram] {
	les := make([]string, len(upper))
	for i, u := range upper {
		les[i] = formatFloat(u)
	}
	return newFamily(name, help, "histogram", labels,
		func() *histogram { return &histogram{upper: upper, counts: make([]atomic.Uint64, len(upper)+1)} },
		func(w *bufio.Writer, f *family[histogram], lv labelValues, h *histogram) {
			var cum uint64
			for i := range h.upper {
				cum += h.counts[i].Load()
				writeSample(w, f.name, "_bucket", func() { f.writeLabels(w, lv, "le", les[i]) }, float64(cum))
			}
			cum += h.counts[len(h.upper)].Load()
			writeSample(w, f.name, "_bucket", func() { f.writeLabels(w, lv, "le", "+Inf") }, float64(cum))
			writeSample(w, f.name, "_sum", func() { f.writeLabels(w, lv) }, h.sum.value())
			writeSample(w, f.name, "_count", func() { f.writeLabels(w, lv) }, float64(cum))
		})
}

// writeHeader writes a family's HELP and TYPE lines.
func writeHeader(w *bufio.Writer, name, help, typ string) {
	w.WriteString("# HELP ")
	w.WriteString(name)
	w.WriteByte(' ')
	writeEscaped(w, help, false)
	w.WriteString("\n# TYPE ")
	w.WriteString(name)
	w.WriteByte(' ')
	w.WriteString(typ)
	w.WriteByte('\n')
}

// writeSample writes one line: name, suffix, labels (when labels is not
// nil) and value.
func writeSample(w *bufio.Writer, name, suffix string, labels func(), v float64) {
	w.WriteString(name)
	w.WriteString(suffix)
	if labels != nil {
		labels()
	}
	w.WriteByte(' ')
	w.WriteString(formatFloat(v))
	w.WriteByte('\n')
}

// writeEscaped escapes backslash and newline, and double quotes in label
// values, as the text format requires.
func writeEscaped(w *bufio.Writer, s string, quote bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			w.WriteString(`\\`)
		case c == '\n':
			w.WriteString(`\n`)
		case c == '"' && quote:
			w.WriteString(`\"`)
		default:
			w.WriteByte(c)
		}
	}
}

// formatFloat formats a sample value as the text format does.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, +1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
