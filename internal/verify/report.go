package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Status is the outcome of one check.
type Status string

// The outcomes of a check, from best to worst; Skip means the check could not
// or need not run (its summary says why).
const (
	Pass Status = "pass"
	Skip Status = "skip"
	Warn Status = "warn"
	Fail Status = "fail"
)

// rank orders statuses so that a check keeps its worst finding.
func (s Status) rank() int {
	switch s {
	case Pass:
		return 0
	case Skip:
		return 1
	case Warn:
		return 2
	case Fail:
		return 3
	}
	return 0
}

// Diagnosis names the cause of a failure pattern and what to do about it.
type Diagnosis struct {
	// Pitfall is the deployment pitfall ("P1" to "P9", docs/troubleshooting.md) this is, or empty
	// when the cause is not one of them.
	Pitfall string `json:"pitfall,omitempty"`
	// Pattern is a stable identifier of what was seen, for pipelines.
	Pattern string `json:"pattern"`
	// Cause says what is wrong.
	Cause string `json:"cause"`
	// Fix says what to change.
	Fix string `json:"fix"`
}

// Check is one numbered check of a report with its evidence and diagnoses.
type Check struct {
	// ID is a stable short name ("tls", "postman", ...).
	ID string `json:"id"`
	// Title is what the check looks at, for people.
	Title string `json:"title"`
	// Status is the worst finding of the check.
	Status Status `json:"status"`
	// Summary is one line on the outcome.
	Summary string `json:"summary"`
	// Evidence lists what was sent and answered, one item a line.
	Evidence []string `json:"evidence,omitempty"`
	// Diagnoses maps what went wrong to causes and fixes.
	Diagnoses []Diagnosis `json:"diagnoses,omitempty"`
	// Metrics are the check's measurements, for pipelines (the latency
	// check's p50_ms, p95_ms, max_ms, calls, errors).
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Duration is how long the check took.
	Duration time.Duration `json:"duration_ns"`
}

// raise lowers the check's status to s when s is worse, and keeps summary
// as the summary of the worst finding so far.
func (c *Check) raise(s Status, summary string) {
	if c.Status == "" || s.rank() > c.Status.rank() || (s == c.Status && c.Summary == "") {
		c.Status = s
		c.Summary = summary
	}
}

// diagnose adds diagnoses not already present.
func (c *Check) diagnose(ds ...Diagnosis) {
	for _, d := range ds {
		dup := false
		for _, have := range c.Diagnoses {
			if have.Pattern == d.Pattern {
				dup = true
				break
			}
		}
		if !dup {
			c.Diagnoses = append(c.Diagnoses, d)
		}
	}
}

// NewCheck returns a check that has found nothing yet; Finish settles it.
func NewCheck(id, title string) *Check { return &Check{ID: id, Title: title} }

// Add records a finding: evidence lines, the status it deserves, its summary
// and any diagnoses. The check keeps its worst finding's status and summary.
// A warning or failure that does not become the summary (an equal or worse
// one came first) is kept in the evidence, so no finding is lost.
func (c *Check) Add(s Status, summary string, ds ...Diagnosis) {
	before := c.Summary
	c.raise(s, summary)
	if (s == Warn || s == Fail) && c.Summary == before && summary != before {
		c.Evidencef("also %s: %s", s, summary)
	}
	c.diagnose(ds...)
}

// Evidencef appends one line of evidence.
func (c *Check) Evidencef(format string, args ...any) {
	c.Evidence = append(c.Evidence, fmt.Sprintf(format, args...))
}

// Report is the outcome of a verify run: every check in order.
type Report struct {
	// Target is the URL or template file that was checked.
	Target string `json:"target"`
	// Kind is "endpoint" or "template".
	Kind string `json:"kind"`
	// Started is when the run began.
	Started time.Time `json:"started"`
	// Duration is how long the run took.
	Duration time.Duration `json:"duration_ns"`
	// Checks are the checks in the order they ran.
	Checks []*Check `json:"checks"`
	// Counts is the number of checks with each status.
	Counts map[Status]int `json:"counts"`
	// OK is true when no check failed.
	OK bool `json:"ok"`
}

// Step is one check to run: its ID, title and the function that fills it in.
type Step struct {
	ID, Title string
	Run       func(*Check)
}

// RunSteps runs the steps in order, timing each and appending its check; a
// step that records nothing passes.
func (r *Report) RunSteps(steps []Step) {
	for _, s := range steps {
		c := NewCheck(s.ID, s.Title)
		start := time.Now()
		s.Run(c)
		c.Duration = time.Since(start)
		if c.Status == "" {
			c.Status = Pass
		}
		r.Checks = append(r.Checks, c)
	}
}

// Finish computes the counts and OK from the checks.
func (r *Report) Finish() {
	r.Counts = map[Status]int{Pass: 0, Warn: 0, Fail: 0, Skip: 0}
	r.OK = true
	for _, c := range r.Checks {
		if c.Status == "" {
			c.Status = Pass
		}
		r.Counts[c.Status]++
		if c.Status == Fail {
			r.OK = false
		}
	}
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	for _, c := range r.Checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// Check returns the check with the given ID, or nil.
func (r *Report) Check(id string) *Check {
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	return nil
}

// ANSI colours for the human report.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiGrey   = "\x1b[90m"
)

func (s Status) colour() string {
	switch s {
	case Pass:
		return ansiGreen
	case Warn:
		return ansiYellow
	case Fail:
		return ansiRed
	}
	return ansiGrey
}

// WriteText writes the human report: one row per check, then its evidence
// and diagnoses indented beneath. colour adds ANSI colours (for a terminal).
func (r *Report) WriteText(w io.Writer, colour bool) error {
	paint := func(code, s string) string {
		if !colour {
			return s
		}
		return code + s + ansiReset
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n\n", paint(ansiBold, "knowledge-mcp verify"), r.Target)
	width := len("CHECK")
	for _, c := range r.Checks {
		width = max(width, len(c.ID))
	}
	fmt.Fprintf(&b, " %-2s  %-*s  %-6s %s\n", "#", width, "CHECK", "STATUS", "SUMMARY")
	firstSeen := map[string]int{} // diagnosis pattern → check number that explained it
	for i, c := range r.Checks {
		label := fmt.Sprintf("%-6s", strings.ToUpper(string(c.Status)))
		fmt.Fprintf(&b, " %-2d  %-*s  %s %s\n", i+1, width, c.ID, paint(c.Status.colour(), label), c.Summary)
		indent := strings.Repeat(" ", 6+width)
		for _, e := range c.Evidence {
			fmt.Fprintf(&b, "%s%s %s\n", indent, paint(ansiGrey, "·"), e)
		}
		for _, d := range c.Diagnoses {
			tag := "cause"
			if d.Pitfall != "" {
				tag = "cause " + d.Pitfall
			}
			if n, ok := firstSeen[d.Pattern]; ok {
				fmt.Fprintf(&b, "%s%s the same as under check %d, with its fix\n", indent, paint(ansiBold, tag+":"), n)
				continue
			}
			firstSeen[d.Pattern] = i + 1
			fmt.Fprintf(&b, "%s%s %s\n", indent, paint(ansiBold, tag+":"), d.Cause)
			fmt.Fprintf(&b, "%s%s %s\n", indent, paint(ansiBold, "fix:"), d.Fix)
		}
	}
	verdict := paint(ansiGreen+ansiBold, "OK")
	if !r.OK {
		verdict = paint(ansiRed+ansiBold, "FAILED")
	}
	fmt.Fprintf(&b, "\n%s: %d passed, %s, %d failed, %d skipped (%s)\n", verdict,
		r.Counts[Pass], plural(r.Counts[Warn], "warning", "warnings"), r.Counts[Fail], r.Counts[Skip], r.Duration.Round(time.Millisecond))
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// plural writes a count with the noun's singular or plural form.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
