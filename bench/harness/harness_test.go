package harness

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{[]float64{5}, 50, 5},
		{[]float64{5}, 99, 5},
		{[]float64{3, 1, 2}, 50, 2},
		{[]float64{4, 1, 3, 2}, 50, 2.5},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, 1},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 100, 10},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9.1},
		{[]float64{10, 20}, 25, 12.5},
	}
	for _, tt := range tests {
		got, err := Percentile(tt.xs, tt.p)
		if err != nil || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Percentile(%v, %v) = %v, %v; want %v", tt.xs, tt.p, got, err, tt.want)
		}
	}
	if _, err := Percentile(nil, 50); !errors.Is(err, ErrNoSamples) {
		t.Errorf("Percentile(nil) error = %v, want ErrNoSamples", err)
	}
	for _, p := range []float64{-1, 101, math.NaN()} {
		if _, err := Percentile([]float64{1}, p); err == nil {
			t.Errorf("Percentile(p=%v) accepted", p)
		}
	}
	xs := []float64{3, 1, 2}
	if _, err := Median(xs); err != nil || xs[0] != 3 {
		t.Errorf("Median modified its input: %v", xs)
	}
}

func TestParseWrk(t *testing.T) {
	tests := []struct {
		file string
		want WrkResult
	}{
		{"wrk_latency.txt", WrkResult{RPS: 3409.31, Requests: 10459, P50: 8490 * time.Microsecond, P99: 72320 * time.Microsecond}},
		{"wrk_errors.txt", WrkResult{RPS: 23.98, Requests: 240, P50: 1020 * time.Millisecond, P99: 2 * time.Minute, Non2xx: 7, SocketErrors: 16}},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseWrk(string(b))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.file, got, tt.want)
		}
	}
}

func TestParseWrkRejectsIncompleteOutput(t *testing.T) {
	b, err := os.ReadFile("testdata/wrk_refused.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseWrk(string(b))
	if err == nil || !strings.Contains(err.Error(), "Requests/sec") {
		t.Errorf("ParseWrk of a failed run: error %v, want one naming the missing Requests/sec", err)
	}
	noLatency := "  100 requests in 1.00s, 1KB read\nRequests/sec:    100.00\n"
	if _, err := ParseWrk(noLatency); err == nil || !strings.Contains(err.Error(), "--latency") {
		t.Errorf("ParseWrk without --latency: error %v, want a hint to use --latency", err)
	}
	if _, err := ParseWrk("Requests/sec: lots\n"); err == nil {
		t.Error("ParseWrk accepted a non-numeric rate")
	}
}

func TestParseWrkDuration(t *testing.T) {
	tests := map[string]time.Duration{
		"361.00us": 361 * time.Microsecond, "6.28ms": 6280 * time.Microsecond, "1.50s": 1500 * time.Millisecond,
		"2.00m": 2 * time.Minute, "1.00h": time.Hour, "0.00us": 0,
	}
	for in, want := range tests {
		got, err := ParseWrkDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseWrkDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12", "ms", "-1ms", "1.2.3ms", "5ns"} {
		if _, err := ParseWrkDuration(bad); err == nil {
			t.Errorf("ParseWrkDuration(%q) accepted", bad)
		}
	}
}

func TestWrkScript(t *testing.T) {
	s := WrkScript(`{"q":"a \"b\" \\ c`+"\n"+`"}`, "application/json")
	for _, want := range []string{
		`wrk.method = "POST"`,
		`wrk.body = "{\"q\":\"a \\\"b\\\" \\\\ c\010\"}"`,
		`wrk.headers["Content-Type"] = "application/json"`,
		`wrk.headers["Accept"] = "application/json"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(WrkScript("{}", ""), "Accept") {
		t.Error("an empty accept still sets an Accept header")
	}
}

func TestParseProc(t *testing.T) {
	status, err := os.ReadFile("testdata/proc_status.txt")
	if err != nil {
		t.Fatal(err)
	}
	if kb, err := ParseVmRSS(string(status)); err != nil || kb != 1748 {
		t.Errorf("ParseVmRSS = %d, %v; want 1748", kb, err)
	}
	if _, err := ParseVmRSS("Name:\tzombie\nState:\tZ\n"); err == nil {
		t.Error("ParseVmRSS accepted a status without VmRSS")
	}
	// Field 2 may hold spaces and parentheses; utime and stime are fields 14 and 15.
	stat := "4657 (my (odd) cmd) S 4652 4652 12603 0 -1 4194304 124 0 0 0 150 25 0 0 20 0 1 0 292796 3133440 394"
	if ticks, err := ParseCPUTicks(stat); err != nil || ticks != 175 {
		t.Errorf("ParseCPUTicks = %d, %v; want 175", ticks, err)
	}
	if _, err := ParseCPUTicks("4657 (cat) S 1 2"); err == nil {
		t.Error("ParseCPUTicks accepted a short stat line")
	}
	if rss, err := RSS(os.Getpid()); err != nil || rss <= 0 {
		t.Errorf("RSS(self) = %d, %v", rss, err)
	}
}

func TestCheckToolResult(t *testing.T) {
	sum30 := map[string]any{"sum": 30}
	tests := []struct {
		name, body string
		want       map[string]any
		wantErr    string
	}{
		{"json", `{"jsonrpc":"2.0","id":"test-1","result":{"content":[{"type":"text","text":"30"}],"structuredContent":{"sum":30}}}`, sum30, ""},
		{"sse", "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"test-1\",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"30\"}],\"structuredContent\":{\"sum\":30}}}\n\n", sum30, ""},
		{"sse with keep-alive comment", ": keepalive\n\nevent: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{}],\"structuredContent\":{\"sum\":30}}}\r\n\r\n", sum30, ""},
		{"wrong sum", `{"jsonrpc":"2.0","id":1,"result":{"content":[{}],"structuredContent":{"sum":31}}}`, sum30, "sum = 31"},
		{"tool error", `{"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[{"type":"text","text":"bad"}]}}`, sum30, "tool error"},
		{"rpc error", `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"nope"}}`, sum30, "JSON-RPC error"},
		{"not json", `Bad Request`, sum30, "not JSON-RPC"},
		{"no structured content", `{"jsonrpc":"2.0","id":1,"result":{"content":[{}]}}`, nil, "structuredContent"},
		{"any structured content", `{"jsonrpc":"2.0","id":1,"result":{"content":[{}],"structuredContent":{"results":[]}}}`, nil, ""},
	}
	for _, tt := range tests {
		err := CheckToolResult([]byte(tt.body), tt.want)
		if tt.wantErr == "" && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
}

// testReport has two rounds of three contenders at one connection count,
// with the ceiling twice as fast in round 2 (drift that ratios must absorb).
func testReport() *Report {
	ms := time.Millisecond
	run := func(round int, name string, rps float64, p99 time.Duration, rss int64) Run {
		return Run{Round: round, Conns: 32, Contender: name, RSSKB: rss, CPUTicks: 100,
			WrkResult: WrkResult{RPS: rps, Requests: int64(rps * 10), P50: p99 / 4, P99: p99}}
	}
	return &Report{
		Date: time.Date(2026, 11, 24, 17, 0, 0, 0, time.UTC), Command: "bash bench/run.sh", Request: "{}",
		Duration: 10 * time.Second, Threads: 2, Ceiling: "raw", Reference: "ts",
		Machine: Machine{CPUs: 2, CPUModel: "AMD EPYC", Kernel: "6.18", Versions: []string{"go1.26.8"}, LoadAvg: "1 1 1"},
		Contenders: []ContenderInfo{
			{Name: "raw", Label: "raw", IdleRSSKB: 6000, BinaryBytes: 6e6},
			{Name: "knowledge-mcp", Label: "kmcp", IdleRSSKB: 10000, BinaryBytes: 9e6, ColdStartMS: []float64{9, 5, 7}, ColdStartRSSKB: []float64{9000, 9100, 9200}},
			{Name: "ts", Label: "ts", IdleRSSKB: 80000},
		},
		Runs: []Run{
			run(1, "raw", 40000, 6*ms, 13000), run(1, "knowledge-mcp", 20000, 4*ms, 15000), run(1, "ts", 2000, 50*ms, 150000),
			run(2, "raw", 80000, 6*ms, 14000), run(2, "knowledge-mcp", 40000, 6*ms, 16000), run(2, "ts", 2000, 60*ms, 160000),
		},
	}
}

func TestSummarize(t *testing.T) {
	r := testReport()
	rows, err := r.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	k := rows[1]
	if k.Contender != "knowledge-mcp" || k.RPS != 30000 || k.XCeiling != 0.5 || k.XReference != 15 ||
		k.P99 != 5*time.Millisecond || k.MaxRSSKB != 16000 || k.Rounds != 2 {
		t.Errorf("knowledge-mcp row %+v", k)
	}
	// 100 ticks = 1 s of CPU over 200,000 and 400,000 requests: 5 µs and 2.5 µs.
	if k.CPUPerRequest != 3750*time.Nanosecond {
		t.Errorf("CPU per request %v, want 3.75µs", k.CPUPerRequest)
	}
	if rows[0].XCeiling != 1 {
		t.Errorf("the ceiling's own ratio is %v", rows[0].XCeiling)
	}
	if _, err := (&Report{}).Summarize(); err == nil {
		t.Error("Summarize of no runs succeeded")
	}
}

func TestTargetsAndMarkdown(t *testing.T) {
	r := testReport()
	rows, err := r.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	targets := Targets{Subject: "knowledge-mcp", Conns: 32, MinXCeiling: 0.5, MaxP99: 5 * time.Millisecond,
		MinXReference: 10, MaxIdleRSSKB: 20_000_000 / 1024, MaxColdStartMS: 15, MaxImageBytes: 20e6,
		ImageBytes: 25e6, ImageSizeSource: "test"}.Evaluate(r, rows)
	met := map[string]bool{}
	for _, tg := range targets {
		met[tg.What] = tg.Met
	}
	want := map[string]bool{
		"req/s vs the ceiling, 32 connections": true, "p99 latency, 32 connections": true,
		"req/s vs the TypeScript SDK server": true, "idle RSS": true,
		"cold start (exec → first tools/call answered), median": true, "container image (test)": false,
	}
	for what, w := range want {
		if got, ok := met[what]; !ok || got != w {
			t.Errorf("target %q met = %v (present %v), want %v", what, got, ok, w)
		}
	}
	md := r.Markdown(rows, targets)
	for _, s := range []string{
		"| kmcp | 30000 | 0.500 | 15.0× | 1.25 ms | 5 ms | 3.8 µs | 16.4 MB | 0 |",
		"| kmcp | 10.2 MB | 7.0 ms (5.0–9.0, n=3) | 9.3 MB | 9.0 MB |",
		"| container image (test) | ≤ 20.0 MB | 25.0 MB | **no** |",
		"2 × AMD EPYC", "`bash bench/run.sh`",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
}

func TestReplaceSection(t *testing.T) {
	doc := "# B\n\nintro\n" + SectionBegin + "\nold\n" + SectionEnd + "\n\nafter\n"
	got, err := ReplaceSection(doc, "\nnew table\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# B\n\nintro\n" + SectionBegin + "\nnew table\n" + SectionEnd + "\n\nafter\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"no markers", SectionEnd + SectionBegin, SectionBegin + SectionEnd + SectionBegin + SectionEnd} {
		if _, err := ReplaceSection(bad, "x"); err == nil {
			t.Errorf("ReplaceSection(%q) succeeded", bad)
		}
	}
}

func TestWrkScriptRotating(t *testing.T) {
	s := WrkScriptRotating([]string{`{"q":"a"}`, `{"q":"b"}`}, "application/json")
	for _, want := range []string{`"{\"q\":\"a\"}",`, `"{\"q\":\"b\"}",`, "function request()", "wrk.format(nil, nil, nil, bodies[i])",
		`wrk.headers["Accept"] = "application/json"`} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %s:\n%s", want, s)
		}
	}
	if one := WrkScriptRotating([]string{"{}"}, ""); one != WrkScript("{}", "") {
		t.Errorf("one body should be the plain script, got:\n%s", one)
	}
}

func TestCheckSearchResult(t *testing.T) {
	ok := `{"jsonrpc":"2.0","id":"s","result":{"content":[{"type":"text","text":"0 passages"}],"structuredContent":{"query":"x","results":[]}}}`
	if err := CheckSearchResult([]byte(ok)); err != nil {
		t.Errorf("empty results rejected: %v", err)
	}
	bad := `{"jsonrpc":"2.0","id":"s","result":{"content":[{"type":"text","text":"?"}],"structuredContent":{"query":"x"}}}`
	if err := CheckSearchResult([]byte(bad)); err == nil || !strings.Contains(err.Error(), "results") {
		t.Errorf("missing results: error %v", err)
	}
}
