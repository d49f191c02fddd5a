package verify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Latency thresholds: a p95 above latencyWarnP95 is slow for a cheap call;
// a call near CloudFront's default origin response timeout (30s) will be cut.
const (
	latencyWarnP95 = 2 * time.Second
	latencyWarnMax = 25 * time.Second
)

// Latency summarizes the durations of the latency check's calls.
type Latency struct {
	Calls  int           `json:"calls"`
	Errors int           `json:"errors"`
	P50    time.Duration `json:"p50_ns"`
	P95    time.Duration `json:"p95_ns"`
	Max    time.Duration `json:"max_ns"`
}

// summarize computes the percentiles of ds (nearest rank).
func summarize(ds []time.Duration, errors int) Latency {
	l := Latency{Calls: len(ds) + errors, Errors: errors}
	if len(ds) == 0 {
		return l
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	l.P50, l.P95, l.Max = rank(0.50), rank(0.95), s[len(s)-1]
	return l
}

// checkLatency is check 7: --calls sequential cheap calls over the session.
func (d *doctor) checkLatency(ctx context.Context, c *Check) {
	if d.session == nil {
		c.Add(Skip, "skipped: "+errNoSession.Error())
		return
	}
	name, call := "tools/list", func(ctx context.Context) error {
		_, err := d.session.ListTools(ctx, nil)
		return err
	}
	if d.offersSimple {
		name, call = "simpleadd", func(ctx context.Context) error {
			res, err := d.session.CallTool(ctx, &mcp.CallToolParams{Name: "simpleadd", Arguments: map[string]any{"a": 1, "b": 2}})
			if err == nil && res.IsError {
				err = fmt.Errorf("tool error: %s", resultText(res))
			}
			return err
		}
	}
	var ds []time.Duration
	var errs []error
	for range d.opts.Calls {
		cctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
		start := time.Now()
		err := call(cctx)
		took := time.Since(start)
		cancel()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ds = append(ds, took)
	}
	l := summarize(ds, len(errs))
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	c.Metrics = map[string]float64{"calls": float64(l.Calls), "errors": float64(l.Errors),
		"p50_ms": ms(l.P50), "p95_ms": ms(l.P95), "max_ms": ms(l.Max)}
	summary := fmt.Sprintf("%d × %s: p50 %s, p95 %s, max %s", l.Calls, name, round(l.P50), round(l.P95), round(l.Max))
	switch {
	case len(errs) > 0:
		c.Evidencef("first error: %v", errs[0])
		var ds []Diagnosis
		if d.sessionID != "" && len(errs) < l.Calls {
			// Some calls of one session fail and others not: requests land
			// on replicas that do not know the session.
			ds = append(ds, diagStateful)
		}
		c.Add(Fail, fmt.Sprintf("%d of %d calls failed (%s)", len(errs), l.Calls, summary), ds...)
	case l.Max > latencyWarnMax:
		c.Add(Warn, summary+": near CloudFront's 30s origin response timeout")
	case l.P95 > latencyWarnP95:
		c.Add(Warn, summary+": slow for a cheap call")
	default:
		c.Add(Pass, summary)
	}
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
