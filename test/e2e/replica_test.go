//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// replica is one `knowledge-mcp serve` process on a loopback port. Its JSON
// log lines (stderr) are kept in memory and in artifacts/logs/NAME.log.
type replica struct {
	name string
	port int
	env  []string
	t    testing.TB
	// bin is the program it runs: binary, or fixturesBinary.
	bin string

	mu      sync.Mutex
	lines   []logLine
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
	ready   chan struct{}
}

// logLine is the part of a server log line the tests read.
type logLine struct {
	Msg       string `json:"msg"`
	Level     string `json:"level"`
	RequestID string `json:"request_id"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
	MCPMethod string `json:"mcp_method"`
	Tool      string `json:"tool"`
	// Run is which start of the replica wrote the line (1 for the first).
	Run int `json:"-"`
}

// startReplica starts `knowledge-mcp serve` on 127.0.0.1:port with the
// given environment (KEY=VALUE) and waits until it serves. It is stopped
// when the test ends.
func startReplica(t testing.TB, name string, port int, env ...string) *replica {
	t.Helper()
	r := &replica{name: name, port: port, env: env, t: t, bin: binary}
	r.start()
	t.Cleanup(r.stop)
	return r
}

// startFixturesReplica starts a replica of the binary built with
// -tags conformance that also serves the conformance suite's fixtures.
func startFixturesReplica(t testing.TB, name string, port int, env ...string) *replica {
	t.Helper()
	r := &replica{name: name, port: port, env: append(slices.Clone(env), "CONFORMANCE_FIXTURES=1"), t: t, bin: fixturesBinary}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) start() {
	t := r.t
	t.Helper()
	logFile, err := os.OpenFile(filepath.Join(artifacts, "logs", r.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("replica %s log: %v", r.name, err)
	}
	cmd := exec.Command(r.bin, "serve")
	cmd.SysProcAttr = dieWithParent()
	cmd.Env = append(os.Environ(), "HOST=127.0.0.1", fmt.Sprintf("PORT=%d", r.port), "LOG_LEVEL=info")
	cmd.Env = append(cmd.Env, r.env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting replica %s: %v", r.name, err)
	}
	r.mu.Lock()
	r.cmd = cmd
	run := 1
	if r.exited != nil {
		run = r.runs() + 1
	}
	r.exited = make(chan struct{})
	r.ready = make(chan struct{})
	exited, ready := r.exited, r.ready
	r.mu.Unlock()

	copied := make(chan struct{})
	go func() {
		defer close(copied)
		r.readLog(io.TeeReader(stderr, logFile), run, ready)
	}()
	go func() {
		<-copied
		err := cmd.Wait()
		logFile.Close()
		r.mu.Lock()
		r.exitErr = err
		r.mu.Unlock()
		close(exited)
	}()

	select {
	case <-ready:
	case <-exited:
		t.Fatalf("replica %s exited before serving: %v\n%s", r.name, r.exitError(), r.logText())
	case <-time.After(15 * time.Second):
		t.Fatalf("replica %s did not start serving within 15s\n%s", r.name, r.logText())
	}
	resp, err := http.Get(r.baseURL() + "/healthz")
	if err != nil {
		t.Fatalf("replica %s /healthz: %v", r.name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("replica %s /healthz answered %d", r.name, resp.StatusCode)
	}
}

// runs is how many times the replica was started; r.mu is held.
func (r *replica) runs() int {
	n := 0
	for _, l := range r.lines {
		n = max(n, l.Run)
	}
	return max(n, 1)
}

// readLog keeps every JSON line of the server's stderr and closes ready at
// the "serving" line.
func (r *replica) readLog(stderr io.Reader, run int, ready chan struct{}) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	announced := false
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			l = logLine{Msg: sc.Text()}
		}
		l.Run = run
		r.mu.Lock()
		r.lines = append(r.lines, l)
		r.mu.Unlock()
		if !announced && strings.HasPrefix(l.Msg, "serving MCP") {
			announced = true
			close(ready)
		}
	}
}

func (r *replica) baseURL() string { return fmt.Sprintf("http://127.0.0.1:%d", r.port) }

// endpoint is the replica's own /mcp URL, bypassing the proxy.
func (r *replica) endpoint() string { return r.baseURL() + "/mcp" }

// requests returns the replica's request log lines for /mcp POSTs so far.
func (r *replica) requests() []logLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []logLine
	for _, l := range r.lines {
		if l.Msg == "request" && l.Method == http.MethodPost && strings.HasPrefix(l.Path, "/mcp") {
			out = append(out, l)
		}
	}
	return out
}

// hasLog reports whether a line with this message prefix was logged in the
// given run (0: any).
func (r *replica) hasLog(prefix string, run int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.lines {
		if strings.HasPrefix(l.Msg, prefix) && (run == 0 || l.Run == run) {
			return true
		}
	}
	return false
}

func (r *replica) logText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, l := range r.lines[max(0, len(r.lines)-30):] {
		fmt.Fprintf(&b, "  %s %s %s %d %s %s\n", l.Level, l.Msg, l.Path, l.Status, l.MCPMethod, l.Tool)
	}
	return b.String()
}

func (r *replica) exitError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.exitErr
}

// signal sends sig to the replica's process.
func (r *replica) signal(sig syscall.Signal) {
	r.t.Helper()
	r.mu.Lock()
	cmd := r.cmd
	r.mu.Unlock()
	if err := cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal %v to replica %s: %v", sig, r.name, err)
	}
}

// wait waits for the process to exit and returns its exit status (-1 when
// killed by a signal).
func (r *replica) wait(timeout time.Duration) (int, error) {
	r.mu.Lock()
	exited := r.exited
	r.mu.Unlock()
	select {
	case <-exited:
	case <-time.After(timeout):
		return 0, fmt.Errorf("replica %s still running after %s", r.name, timeout)
	}
	err := r.exitError()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exitErr):
		return exitErr.ExitCode(), nil
	default:
		return 0, err
	}
}

// running reports whether the current process has not exited.
func (r *replica) running() bool {
	r.mu.Lock()
	exited := r.exited
	r.mu.Unlock()
	select {
	case <-exited:
		return false
	default:
		return true
	}
}

// restart starts the replica again on the same port, after it exited.
func (r *replica) restart() {
	r.t.Helper()
	if r.running() {
		r.t.Fatalf("replica %s: restart while running", r.name)
	}
	r.start()
}

// stop ends the replica: SIGTERM, then SIGKILL after 10s.
func (r *replica) stop() {
	if !r.running() {
		return
	}
	r.mu.Lock()
	cmd := r.cmd
	r.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if _, err := r.wait(10 * time.Second); err != nil {
		_ = cmd.Process.Kill()
		_, _ = r.wait(5 * time.Second)
	}
}
