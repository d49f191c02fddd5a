// Command benchrun measures MCP servers side by side on loopback: it starts
// every contender, checks its answer, warms it, runs wrk against each in
// alternating rounds (A B C D, A B C D, …) with the same tools/call, and
// measures idle and loaded RSS, server CPU per request, cold start (exec to
// first correct tools/call answer) and binary size. It writes the results as
// JSON and as the generated section of BENCHMARKS.md.
//
// bench/run.sh installs wrk, builds the contenders and runs this; run that.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/bench/harness"
)

// simpleAddRequest is the Postman connectivity request (simpleadd 10 + 20,
// no initialize first), as Postman sends it.
const simpleAddRequest = `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`

// contender is one server under test.
type contender struct {
	name, label string
	binary      string // measured for size; empty for node
	// accept is the Accept header sent; empty sends none.
	accept  string
	command func(addr string) *exec.Cmd
}

// Accept headers: what MCP clients send (the spec requires both types), and
// what a plain JSON client such as Postman or curl sends.
const (
	acceptMCP  = "application/json, text/event-stream"
	acceptJSON = "application/json"
)

type config struct {
	binDir, tsDir, outDir, markdown string
	rounds, threads, coldStarts     int
	conns                           []int
	duration, warmup                time.Duration
	only                            map[string]bool
	kmcpEnv                         []string
	workload                        string
	render                          string
	searchQuery                     string
	searchQueries                   string
	command                         string
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(2)
	}
	if cfg.render != "" {
		err = render(cfg)
	} else {
		err = run(context.Background(), cfg, logger)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	var cfg config
	var conns, only string
	var kmcpEnv stringList
	fs.StringVar(&cfg.binDir, "bin", "bench/results/tmp/bin", "directory with the built contenders")
	fs.StringVar(&cfg.tsDir, "ts", "bench/ts", "directory of the TypeScript SDK server (npm ci done)")
	fs.StringVar(&cfg.outDir, "out", "bench/results", "directory for results (mcp-server.json; raw wrk output under tmp/)")
	fs.StringVar(&cfg.markdown, "markdown", "BENCHMARKS.md", "file whose generated section is replaced; empty to skip")
	fs.IntVar(&cfg.rounds, "rounds", 3, "alternating rounds")
	fs.IntVar(&cfg.threads, "threads", 2, "wrk threads")
	fs.IntVar(&cfg.coldStarts, "cold-starts", 7, "cold starts per contender (interleaved)")
	fs.StringVar(&conns, "conns", "32,4", "comma-separated connection counts")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of each wrk run")
	fs.DurationVar(&cfg.warmup, "warmup", 3*time.Second, "warm-up run per contender (discarded)")
	fs.StringVar(&only, "only", "", "comma-separated contender names to run (default all)")
	fs.Var(&kmcpEnv, "kmcp-env", "KEY=VALUE for knowledge-mcp serve (repeatable)")
	fs.StringVar(&cfg.workload, "workload", "simpleadd", "simpleadd, or search (knowledge-mcp only; see -kmcp-env)")
	fs.StringVar(&cfg.searchQuery, "search-query", "how to configure the server", "query of the search workload")
	fs.StringVar(&cfg.searchQueries, "search-queries", "", "file of queries, one a line, sent in turn by the search workload")
	fs.StringVar(&cfg.command, "command", "bash bench/run.sh", "the command shown in the report")
	fs.StringVar(&cfg.render, "render", "", "only re-render the report from this results JSON (no measuring)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	for _, c := range strings.Split(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("-conns: bad connection count %q", c)
		}
		cfg.conns = append(cfg.conns, n)
	}
	if only != "" {
		cfg.only = map[string]bool{}
		for _, n := range strings.Split(only, ",") {
			cfg.only[strings.TrimSpace(n)] = true
		}
	}
	cfg.kmcpEnv = kmcpEnv
	if cfg.rounds < 1 || cfg.threads < 1 || cfg.coldStarts < 0 {
		return cfg, errors.New("-rounds and -threads must be ≥ 1, -cold-starts ≥ 0")
	}
	if cfg.workload != "simpleadd" && cfg.workload != "search" {
		return cfg, fmt.Errorf("-workload: %q is neither simpleadd nor search", cfg.workload)
	}
	return cfg, nil
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// contenders lists the servers in the order they run within a round.
func contenders(cfg config) []contender {
	bin := func(name string) string { return filepath.Join(cfg.binDir, name) }
	kmcp := func(addr string) *exec.Cmd {
		host, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command(bin("knowledge-mcp"), "serve")
		// Default settings, request logging on (to /dev/null): what users run.
		cmd.Env = append(os.Environ(), "HOST="+host, "PORT="+port)
		cmd.Env = append(cmd.Env, cfg.kmcpEnv...)
		return cmd
	}
	return []contender{
		{"raw", "raw net/http JSON-RPC handler (ceiling)", bin("rawserver"), acceptMCP, func(addr string) *exec.Cmd {
			return exec.Command(bin("rawserver"), addr)
		}},
		{"knowledge-mcp", "knowledge-mcp serve, JSON answer (Accept: application/json)", bin("knowledge-mcp"), acceptJSON, kmcp},
		{"knowledge-mcp-sse", "knowledge-mcp serve, SSE answer (Accept: both, as MCP clients send)", bin("knowledge-mcp"), acceptMCP, kmcp},
		{"gosdk-patched", "go-sdk plain stateless JSON handler, patched go-sdk", bin("gosdk-patched"), acceptMCP, func(addr string) *exec.Cmd {
			return exec.Command(bin("gosdk-patched"), addr)
		}},
		{"gosdk", "go-sdk v1.8.0 plain stateless JSON handler (untuned)", bin("gosdk"), acceptMCP, func(addr string) *exec.Cmd {
			return exec.Command(bin("gosdk"), addr)
		}},
		{"ts", "MCP TypeScript SDK 1.32.2 (express, stateless, JSON)", "", acceptMCP, func(addr string) *exec.Cmd {
			_, port, _ := net.SplitHostPort(addr)
			cmd := exec.Command("node", "server.mjs", port)
			cmd.Dir = cfg.tsDir
			return cmd
		}},
	}
}

// workload is the request every contender answers, and its check.
type workload struct {
	// bodies are the requests, sent in turn; the first one checks readiness.
	bodies []string
	// describe is what the report says of the request.
	describe string
	check    func([]byte) error
	// only, when set, restricts the workload to these contenders.
	only []string
}

func newWorkload(cfg config) (workload, error) {
	if cfg.workload == "search" {
		// search_knowledge_base through MCP, on whatever knowledge base
		// knowledge-mcp serves: the built-in documentation by default, or
		// an index given with -kmcp-env KB=/path/to/index.kbi (see
		// BENCHMARKS.md for the 100k-chunk run against the engine's own p99).
		queries := []string{cfg.searchQuery}
		source := fmt.Sprintf("the query %q", cfg.searchQuery)
		if cfg.searchQueries != "" {
			b, err := os.ReadFile(cfg.searchQueries)
			if err != nil {
				return workload{}, fmt.Errorf("-search-queries: %w", err)
			}
			queries = nil
			for _, line := range strings.Split(string(b), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					queries = append(queries, line)
				}
			}
			if len(queries) == 0 {
				return workload{}, fmt.Errorf("-search-queries: %s holds no query", cfg.searchQueries)
			}
			source = fmt.Sprintf("%d queries from %s, in turn", len(queries), cfg.searchQueries)
		}
		w := workload{check: harness.CheckSearchResult, only: []string{"knowledge-mcp", "knowledge-mcp-sse"}}
		for i, q := range queries {
			body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
				"params": map[string]any{"name": "search_knowledge_base", "arguments": map[string]any{"query": q}}})
			if err != nil {
				return workload{}, err
			}
			w.bodies = append(w.bodies, string(body))
		}
		w.describe = "`search_knowledge_base` with " + source + "; first: `" + w.bodies[0] + "`"
		return w, nil
	}
	return workload{bodies: []string{simpleAddRequest}, describe: "`" + simpleAddRequest + "`", check: func(b []byte) error {
		return harness.CheckToolResult(b, map[string]any{"sum": 30})
	}}, nil
}

// server is a started contender.
type server struct {
	contender
	cmd  *exec.Cmd
	url  string
	exit chan error
}

func start(ctx context.Context, c contender) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := c.command(addr)
	cmd.Stdout, cmd.Stderr = nil, nil // /dev/null: logs are part of the work, not of the report
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", c.name, err)
	}
	s := &server{contender: c, cmd: cmd, url: "http://" + addr + "/mcp", exit: make(chan error, 1)}
	go func() { s.exit <- cmd.Wait() }()
	return s, nil
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exit:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exit
	}
}

// waitReady polls until the server answers the workload correctly and
// returns the time from exec to that answer.
func (s *server) waitReady(ctx context.Context, w workload, started time.Time, timeout time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := started.Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exit:
			s.exit <- err
			return 0, fmt.Errorf("%s exited before answering: %v", s.name, err)
		default:
		}
		body, err := post(ctx, client, s.url, w.bodies[0], s.accept)
		if err == nil {
			if err = w.check(body); err == nil {
				return time.Since(started), nil
			}
			return 0, fmt.Errorf("%s answered wrongly: %w", s.name, err)
		}
		lastErr = err
		time.Sleep(200 * time.Microsecond)
	}
	return 0, fmt.Errorf("%s did not answer within %s: %v", s.name, timeout, lastErr)
}

func post(ctx context.Context, client *http.Client, url, body, accept string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
	}
	return b, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func run(ctx context.Context, cfg config, logger *slog.Logger) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed: run bench/run.sh, which installs it (apt-get install wrk)")
	}
	w, err := newWorkload(cfg)
	if err != nil {
		return err
	}
	var list []contender
	for _, c := range contenders(cfg) {
		if (cfg.only == nil || cfg.only[c.name]) && (w.only == nil || contains(w.only, c.name)) {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		return errors.New("no contender selected")
	}
	tmp := filepath.Join(cfg.outDir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	scripts := map[string]string{}
	for _, c := range list {
		scripts[c.name] = filepath.Join(tmp, "request_"+c.name+".lua")
		if err := os.WriteFile(scripts[c.name], []byte(harness.WrkScriptRotating(w.bodies, c.accept)), 0o644); err != nil {
			return err
		}
	}

	report := &harness.Report{
		Date: time.Now(), Command: cfg.command, Request: w.describe, Duration: cfg.duration, Threads: cfg.threads,
		Machine: machine(), Ceiling: "raw", Reference: "ts",
	}
	infos := map[string]*harness.ContenderInfo{}
	for _, c := range list {
		info := &harness.ContenderInfo{Name: c.name, Label: c.label}
		if c.binary != "" {
			if st, err := os.Stat(c.binary); err == nil {
				info.BinaryBytes = st.Size()
			}
		}
		infos[c.name] = info
	}

	// Cold starts first, interleaved, while nothing else of ours runs.
	for i := range cfg.coldStarts {
		for _, c := range list {
			d, rss, err := coldStart(ctx, c, w)
			if err != nil {
				return fmt.Errorf("cold start %d: %w", i+1, err)
			}
			infos[c.name].ColdStartMS = append(infos[c.name].ColdStartMS, float64(d)/float64(time.Millisecond))
			infos[c.name].ColdStartRSSKB = append(infos[c.name].ColdStartRSSKB, float64(rss))
		}
	}
	logger.Info("cold starts done")

	servers := make([]*server, 0, len(list))
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, c := range list {
		s, err := start(ctx, c)
		if err != nil {
			return err
		}
		servers = append(servers, s)
		if _, err := s.waitReady(ctx, w, time.Now(), 20*time.Second); err != nil {
			return err
		}
	}
	time.Sleep(time.Second)
	for _, s := range servers {
		rss, err := harness.RSS(s.cmd.Process.Pid)
		if err != nil {
			return fmt.Errorf("idle RSS of %s: %w", s.name, err)
		}
		infos[s.name].IdleRSSKB = rss
	}
	for _, s := range servers {
		if _, err := runWrk(ctx, cfg, s, scripts[s.name], cfg.conns[0], cfg.warmup, filepath.Join(tmp, "warmup_"+s.name+".txt")); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	for round := 1; round <= cfg.rounds; round++ {
		for _, conns := range cfg.conns {
			for _, s := range servers {
				out := filepath.Join(tmp, fmt.Sprintf("wrk_r%d_c%d_%s.txt", round, conns, s.name))
				ticks0, err := harness.CPUTicks(s.cmd.Process.Pid)
				if err != nil {
					return err
				}
				res, err := runWrk(ctx, cfg, s, scripts[s.name], conns, cfg.duration, out)
				if err != nil {
					return err
				}
				ticks1, err := harness.CPUTicks(s.cmd.Process.Pid)
				if err != nil {
					return err
				}
				rss, err := harness.RSS(s.cmd.Process.Pid)
				if err != nil {
					return err
				}
				r := harness.Run{Round: round, Conns: conns, Contender: s.name, WrkResult: res, RSSKB: rss, CPUTicks: ticks1 - ticks0}
				report.Runs = append(report.Runs, r)
				logger.Info("run", "round", round, "conns", conns, "contender", s.name, "rps", int(res.RPS),
					"p50", res.P50, "p99", res.P99, "errors", res.Non2xx+res.SocketErrors)
				time.Sleep(500 * time.Millisecond)
			}
		}
	}
	// Still correct after the load?
	for _, s := range servers {
		if _, err := s.waitReady(ctx, w, time.Now(), 5*time.Second); err != nil {
			return fmt.Errorf("after the load: %w", err)
		}
	}
	for _, c := range list {
		report.Contenders = append(report.Contenders, *infos[c.name])
	}
	return write(cfg, report)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func runWrk(ctx context.Context, cfg config, s *server, script string, conns int, d time.Duration, out string) (harness.WrkResult, error) {
	threads := min(cfg.threads, conns)
	cmd := exec.CommandContext(ctx, "wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+strconv.Itoa(int(d.Seconds()))+"s", "--latency", "-s", script, s.url)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	_ = os.WriteFile(out, buf.Bytes(), 0o644)
	if err != nil {
		return harness.WrkResult{}, fmt.Errorf("wrk against %s: %w: %s", s.name, err, buf.String())
	}
	res, err := harness.ParseWrk(buf.String())
	if err != nil {
		return res, fmt.Errorf("wrk against %s: %w", s.name, err)
	}
	return res, nil
}

// coldStart execs c and returns the time to its first correct answer and
// its RSS then.
func coldStart(ctx context.Context, c contender, w workload) (time.Duration, int64, error) {
	started := time.Now()
	s, err := start(ctx, c)
	if err != nil {
		return 0, 0, err
	}
	defer s.stop()
	d, err := s.waitReady(ctx, w, started, 20*time.Second)
	if err != nil {
		return 0, 0, err
	}
	rss, err := harness.RSS(s.cmd.Process.Pid)
	return d, rss, err
}

func machine() harness.Machine {
	m := harness.Machine{CPUs: runtime.NumCPU(), CPUModel: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	version := func(name string, args ...string) {
		// wrk -v prints its version and exits with status 1.
		out, _ := exec.Command(name, args...).CombinedOutput()
		if len(out) == 0 {
			return
		}
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		line, _, _ = strings.Cut(line, " [") // wrk: "wrk debian/4.1.0-3+b2 [epoll] Copyright…"
		m.Versions = append(m.Versions, line)
	}
	version("go", "version")
	if v, err := exec.Command("node", "--version").Output(); err == nil {
		m.Versions = append(m.Versions, "node "+strings.TrimSpace(string(v)))
	}
	version("wrk", "-v")
	return m
}

// render rewrites the report and BENCHMARKS.md from saved results.
func render(cfg config) error {
	b, err := os.ReadFile(cfg.render)
	if err != nil {
		return err
	}
	var report harness.Report
	if err := json.Unmarshal(b, &report); err != nil {
		return fmt.Errorf("%s: %w", cfg.render, err)
	}
	return write(cfg, &report)
}

func write(cfg config, report *harness.Report) error {
	rows, err := report.Summarize()
	if err != nil {
		return err
	}
	targets := harness.Targets{
		Subject: "knowledge-mcp", Conns: 32, MinXCeiling: 0.5, MaxP99: 5 * time.Millisecond, MinXReference: 10,
		MaxIdleRSSKB: 20_000_000 / 1024, MaxColdStartMS: 15, MaxImageBytes: 20e6,
	}
	if v := os.Getenv("BENCH_IMAGE_BYTES"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			targets.ImageBytes, targets.ImageSizeSource = n, "FROM scratch + stripped binary, buildah"
		}
	}
	var met []harness.Target
	if cfg.workload == "simpleadd" {
		met = targets.Evaluate(report, rows)
	}
	md := report.Markdown(rows, met)
	name := "mcp-server"
	if cfg.workload != "simpleadd" {
		name += "-" + cfg.workload
	}
	js, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.outDir, name+".json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.outDir, name+".md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Println(md)
	if cfg.markdown == "" || cfg.workload != "simpleadd" || cfg.only != nil {
		return nil
	}
	doc, err := os.ReadFile(cfg.markdown)
	if err != nil {
		return err
	}
	updated, err := harness.ReplaceSection(string(doc), md)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.markdown, err)
	}
	return os.WriteFile(cfg.markdown, []byte(updated), 0o644)
}
