package harness

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Run is one wrk run of one contender in one round.
type Run struct {
	Round     int    `json:"round"`
	Conns     int    `json:"conns"`
	Contender string `json:"contender"`
	WrkResult
	// RSSKB is the contender's resident set right after the run.
	RSSKB int64 `json:"rss_kb"`
	// CPUTicks is the CPU time the contender used during the run.
	CPUTicks int64 `json:"cpu_ticks"`
}

// ContenderInfo is what is measured of a contender outside the load runs.
type ContenderInfo struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	BinaryBytes int64  `json:"binary_bytes,omitempty"`
	IdleRSSKB   int64  `json:"idle_rss_kb"`
	// ColdStartMS holds exec-to-first-answered-tools/call times, one per try.
	ColdStartMS []float64 `json:"cold_start_ms"`
	// ColdStartRSSKB holds the resident set at that first answer.
	ColdStartRSSKB []float64 `json:"cold_start_rss_kb"`
}

// Machine describes where the benchmark ran.
type Machine struct {
	CPUs     int      `json:"cpus"`
	CPUModel string   `json:"cpu_model"`
	Kernel   string   `json:"kernel"`
	Versions []string `json:"versions"` // "go1.26.8", "node v20…", "wrk 4.1.0"
	LoadAvg  string   `json:"load_avg_at_start"`
}

// Report is the whole result of one benchmark run.
type Report struct {
	Date       time.Time       `json:"date"`
	Command    string          `json:"command"`
	Request    string          `json:"request"`
	Duration   time.Duration   `json:"duration_per_run_ns"`
	Threads    int             `json:"wrk_threads"`
	Machine    Machine         `json:"machine"`
	Ceiling    string          `json:"ceiling"`
	Reference  string          `json:"reference"`
	Contenders []ContenderInfo `json:"contenders"`
	Runs       []Run           `json:"runs"`
}

// Row summarizes one contender at one connection count over all rounds.
type Row struct {
	Contender string
	Conns     int
	Rounds    int
	// RPS is the median throughput over rounds.
	RPS float64
	// XCeiling is the median over rounds of RPS divided by the ceiling's RPS
	// in the same round (so that drift of the shared machine cancels out).
	XCeiling float64
	// XReference is the same against the reference contender (the TS SDK).
	XReference float64
	// P50 and P99 are the medians over rounds.
	P50, P99 time.Duration
	// CPUPerRequest is the median server CPU time per request.
	CPUPerRequest time.Duration
	// MaxRSSKB is the largest resident set seen after a run.
	MaxRSSKB int64
	// Failures sums non-2xx responses and socket errors.
	Failures int64
}

// Summarize returns one row per connection count and contender, in the
// order contenders are listed, connection counts in the order first run.
func (r *Report) Summarize() ([]Row, error) {
	var conns []int
	byKey := map[[2]any][]Run{}
	for _, run := range r.Runs {
		if !slices.Contains(conns, run.Conns) {
			conns = append(conns, run.Conns)
		}
		k := [2]any{run.Contender, run.Conns}
		byKey[k] = append(byKey[k], run)
	}
	rpsIn := func(contender string, conns, round int) (float64, bool) {
		for _, run := range byKey[[2]any{contender, conns}] {
			if run.Round == round {
				return run.RPS, true
			}
		}
		return 0, false
	}
	var rows []Row
	for _, c := range conns {
		for _, ci := range r.Contenders {
			runs := byKey[[2]any{ci.Name, c}]
			if len(runs) == 0 {
				continue
			}
			row := Row{Contender: ci.Name, Conns: c, Rounds: len(runs)}
			var rps, p50, p99, cpu, xc, xr []float64
			for _, run := range runs {
				rps = append(rps, run.RPS)
				p50 = append(p50, float64(run.P50))
				p99 = append(p99, float64(run.P99))
				if run.Requests > 0 {
					cpu = append(cpu, float64(run.CPUTicks)*float64(time.Second/ClockTicksPerSecond)/float64(run.Requests))
				}
				if base, ok := rpsIn(r.Ceiling, c, run.Round); ok && base > 0 {
					xc = append(xc, run.RPS/base)
				}
				if base, ok := rpsIn(r.Reference, c, run.Round); ok && base > 0 {
					xr = append(xr, run.RPS/base)
				}
				row.MaxRSSKB = max(row.MaxRSSKB, run.RSSKB)
				row.Failures += run.Non2xx + run.SocketErrors
			}
			row.RPS, _ = Median(rps)
			v, _ := Median(p50)
			row.P50 = time.Duration(v)
			v, _ = Median(p99)
			row.P99 = time.Duration(v)
			if v, err := Median(cpu); err == nil {
				row.CPUPerRequest = time.Duration(v)
			}
			row.XCeiling, _ = Median(xc)
			row.XReference, _ = Median(xr)
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no runs to summarize")
	}
	return rows, nil
}

// Target is one goal of the benchmark and whether a run met it.
type Target struct {
	What     string
	Goal     string
	Measured string
	Met      bool
}

// Targets are the performance goals set for knowledge-mcp (contender name
// subject).
type Targets struct {
	Subject         string
	Conns           int           // 32
	MinXCeiling     float64       // 0.5
	MaxP99          time.Duration // 5 ms
	MinXReference   float64       // 10
	MaxIdleRSSKB    int64         // 20 MB
	MaxColdStartMS  float64       // 15
	MaxImageBytes   int64         // 20 MB
	ImageBytes      int64         // 0 when not measured
	ImageSizeSource string
}

// Evaluate checks the targets against the report.
func (t Targets) Evaluate(r *Report, rows []Row) []Target {
	var out []Target
	for _, row := range rows {
		if row.Contender != t.Subject || row.Conns != t.Conns {
			continue
		}
		out = append(out,
			Target{fmt.Sprintf("req/s vs the ceiling, %d connections", t.Conns), fmt.Sprintf("≥ %.2f×", t.MinXCeiling),
				fmt.Sprintf("%.2f×", row.XCeiling), row.XCeiling >= t.MinXCeiling},
			Target{fmt.Sprintf("p99 latency, %d connections", t.Conns), "≤ " + FormatDuration(t.MaxP99),
				FormatDuration(row.P99), row.P99 <= t.MaxP99},
		)
		if r.Reference != "" && row.XReference > 0 {
			out = append(out, Target{"req/s vs the TypeScript SDK server", fmt.Sprintf("≥ %.0f×", t.MinXReference),
				fmt.Sprintf("%.1f×", row.XReference), row.XReference >= t.MinXReference})
		}
	}
	for _, ci := range r.Contenders {
		if ci.Name != t.Subject {
			continue
		}
		out = append(out, Target{"idle RSS", "≤ " + FormatKB(t.MaxIdleRSSKB), FormatKB(ci.IdleRSSKB), ci.IdleRSSKB <= t.MaxIdleRSSKB})
		if med, err := Median(ci.ColdStartMS); err == nil {
			out = append(out, Target{"cold start (exec → first tools/call answered), median",
				fmt.Sprintf("≤ %.0f ms", t.MaxColdStartMS), fmt.Sprintf("%.1f ms", med), med <= t.MaxColdStartMS})
		}
	}
	if t.ImageBytes > 0 {
		out = append(out, Target{"container image (" + t.ImageSizeSource + ")", "≤ " + FormatBytes(t.MaxImageBytes),
			FormatBytes(t.ImageBytes), t.ImageBytes <= t.MaxImageBytes})
	}
	return out
}

// FormatDuration prints a latency in ms with three significant decimals.
func FormatDuration(d time.Duration) string {
	return fmt.Sprintf("%.3g ms", float64(d)/float64(time.Millisecond))
}

// FormatKB prints a size given in kB (1024 bytes, as /proc reports it) in
// MB (10^6 bytes).
func FormatKB(kb int64) string { return FormatBytes(kb * 1024) }

// FormatBytes prints a size in MB (10^6 bytes).
func FormatBytes(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

// Markdown renders the report as the tables of BENCHMARKS.md.
func (r *Report) Markdown(rows []Row, targets []Target) string {
	var b strings.Builder
	label := map[string]string{}
	for _, ci := range r.Contenders {
		label[ci.Name] = ci.Label
	}
	fmt.Fprintf(&b, "Run %s on %d × %s (Linux %s), load average %s at start; %s.\n",
		r.Date.UTC().Format("2006-01-02 15:04 UTC"), r.Machine.CPUs, r.Machine.CPUModel, r.Machine.Kernel,
		r.Machine.LoadAvg, strings.Join(r.Machine.Versions, ", "))
	rounds := 0
	for _, row := range rows {
		rounds = max(rounds, row.Rounds)
	}
	fmt.Fprintf(&b, "Command: `%s`. %d alternating rounds of `wrk -t%d -d%s --latency` per connection count; "+
		"medians over rounds; ×ceiling and ×TS are medians of per-round ratios.\n\n",
		r.Command, rounds, r.Threads, r.Duration)
	fmt.Fprintf(&b, "Request: %s\n", r.Request)

	var conns []int
	for _, row := range rows {
		if !slices.Contains(conns, row.Conns) {
			conns = append(conns, row.Conns)
		}
	}
	for _, c := range conns {
		fmt.Fprintf(&b, "\n**%d connections**\n\n", c)
		b.WriteString("| contender | req/s | ×ceiling | ×TS | p50 | p99 | server CPU / req | RSS after load | errors |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, row := range rows {
			if row.Conns != c {
				continue
			}
			xc, xr := "–", "–"
			if row.XCeiling > 0 {
				xc = fmt.Sprintf("%.3f", row.XCeiling)
			}
			if row.XReference > 0 {
				xr = fmt.Sprintf("%.1f×", row.XReference)
			}
			fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %s | %s | %.1f µs | %s | %d |\n",
				label[row.Contender], row.RPS, xc, xr, FormatDuration(row.P50), FormatDuration(row.P99),
				float64(row.CPUPerRequest)/float64(time.Microsecond), FormatKB(row.MaxRSSKB), row.Failures)
		}
	}

	b.WriteString("\n**Memory, cold start, size**\n\n")
	b.WriteString("| contender | idle RSS | cold start median (min–max) | RSS at first answer | binary (stripped, CGO off) |\n")
	b.WriteString("|---|---:|---:|---:|---:|\n")
	for _, ci := range r.Contenders {
		cold, rssCold := "–", "–"
		if med, err := Median(ci.ColdStartMS); err == nil {
			lo, hi := slices.Min(ci.ColdStartMS), slices.Max(ci.ColdStartMS)
			cold = fmt.Sprintf("%.1f ms (%.1f–%.1f, n=%d)", med, lo, hi, len(ci.ColdStartMS))
		}
		if med, err := Median(ci.ColdStartRSSKB); err == nil {
			rssCold = FormatKB(int64(med))
		}
		bin := "–"
		if ci.BinaryBytes > 0 {
			bin = FormatBytes(ci.BinaryBytes)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", ci.Label, FormatKB(ci.IdleRSSKB), cold, rssCold, bin)
	}

	if len(targets) > 0 {
		b.WriteString("\n**Targets for knowledge-mcp**\n\n| target | goal | measured | met |\n|---|---|---|---|\n")
		for _, t := range targets {
			met := "yes"
			if !t.Met {
				met = "**no**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.What, t.Goal, t.Measured, met)
		}
	}
	return b.String()
}

// Section markers delimit the generated part of BENCHMARKS.md.
const (
	SectionBegin = "<!-- BEGIN mcp-server results: generated by bench/run.sh, do not edit by hand -->"
	SectionEnd   = "<!-- END mcp-server results -->"
)

// ReplaceSection puts content between the section markers of doc, keeping
// everything else. It fails when the markers are missing or out of order.
func ReplaceSection(doc, content string) (string, error) {
	i := strings.Index(doc, SectionBegin)
	j := strings.Index(doc, SectionEnd)
	if i < 0 || j < 0 || j < i {
		return "", fmt.Errorf("markers %q and %q not found in order", SectionBegin, SectionEnd)
	}
	if strings.Count(doc, SectionBegin) != 1 || strings.Count(doc, SectionEnd) != 1 {
		return "", fmt.Errorf("markers must appear exactly once")
	}
	return doc[:i+len(SectionBegin)] + "\n" + strings.TrimSpace(content) + "\n" + doc[j:], nil
}
