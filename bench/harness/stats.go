// Package harness is the logic of the MCP server benchmark (bench/run.sh):
// parsing the load generator's output, the statistics over rounds, process
// measurements from /proc, response checks, and the report it writes. The
// orchestration that starts servers and runs wrk is bench/cmd/benchrun.
package harness

import (
	"errors"
	"math"
	"slices"
)

// ErrNoSamples is returned by the statistics when there is nothing to summarize.
var ErrNoSamples = errors.New("no samples")

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of xs by linear
// interpolation between the closest ranks (the method of numpy's default and
// of most spreadsheets). xs is not modified.
func Percentile(xs []float64, p float64) (float64, error) {
	if len(xs) == 0 {
		return 0, ErrNoSamples
	}
	if p < 0 || p > 100 || math.IsNaN(p) {
		return 0, errors.New("percentile must be within [0, 100]")
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(rank))
	hi := int(math.Ceil(rank))
	frac := rank - float64(lo)
	return s[lo] + (s[hi]-s[lo])*frac, nil
}

// Median returns the middle value of xs (the mean of the two middle values
// for an even count).
func Median(xs []float64) (float64, error) {
	return Percentile(xs, 50)
}

// Max returns the largest value of xs.
func Max(xs []float64) (float64, error) {
	if len(xs) == 0 {
		return 0, ErrNoSamples
	}
	return slices.Max(xs), nil
}
