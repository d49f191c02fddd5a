//go:build linux

package hostile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

const (
	initialize  = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"hostile","version":"1"}}}`
	initialized = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	add         = `{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`
)

// runStdio runs `knowledge-mcp stdio` with input on a stdin that closes as
// soon as input is written, and returns its stdout, stderr and exit code.
func runStdio(t *testing.T, input string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testbin.Path(t), append([]string{"stdio"}, args...)...)
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("stdio did not exit after its input ended:\n%s", stderr.String())
	}
	code := 0
	if err != nil {
		code = cmd.ProcessState.ExitCode()
	}
	return stdout.String(), stderr.String(), code
}

// ids returns the ids of the answers in out, sorted (answers to calls
// handled at once may come in any order), with "error" appended for an
// error answer.
func ids(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var msg struct {
			ID    json.RawMessage `json:"id"`
			Error json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", line, err)
		}
		id := string(msg.ID)
		if msg.Error != nil {
			id += " error"
		}
		got = append(got, id)
	}
	slices.Sort(got)
	return got
}

// stdio answers every request read before stdin closed, then exits 0; it
// printed nothing in 4 of 5 runs when stdin closed at once.
func TestStdioStdinClosesAtOnce(t *testing.T) {
	input := strings.Join([]string{initialize, initialized, fmt.Sprintf(add, "2"), fmt.Sprintf(add, `"three"`)}, "\n") + "\n"
	for i := range 15 {
		out, stderr, code := runStdio(t, input)
		if got := strings.Join(ids(t, out), ","); got != `"three",1,2` || code != 0 {
			t.Fatalf("run %d: answers %s, exit %d; want \"three\",1,2 and exit 0\nstderr:\n%s", i, got, code, stderr)
		}
	}
}

// A bad line gets a JSON-RPC error and stdio goes on; it exited 1 with no
// answer.
func TestStdioBadLines(t *testing.T) {
	bad := []string{`{"jsonrpc":`, "\x00\x00\x00", `{"jsonrpc":"2.0","id":1.5,"method":"ping"}`, strings.Repeat("[", 5000) + strings.Repeat("]", 5000)}
	input := strings.Join(append(append([]string{initialize, initialized}, bad...), fmt.Sprintf(add, "9")), "\n") + "\n"
	out, stderr, code := runStdio(t, input)
	if got := strings.Join(ids(t, out), ","); got != "1,9,null error,null error,null error,null error" || code != 0 {
		t.Fatalf("answers %s, exit %d; want an error for each bad line, then 9, exit 0\nstdout:\n%s\nstderr:\n%s", got, code, out, stderr)
	}
	if n := strings.Count(stderr, "bad message answered with an error"); n != len(bad) {
		t.Errorf("%d bad lines logged, want %d:\n%s", n, len(bad), stderr)
	}
}

// index skips a named pipe reached through a symlink, and finishes; it hung
// forever and ignored SIGTERM. It also stops on SIGTERM.
func TestIndexNamedPipe(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Symlink("pipe.fifo", filepath.Join(dir, "pipe.md"))
	os.WriteFile(filepath.Join(dir, "good.md"), []byte("# Good\n\nrotate the signing keys\n"), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testbin.Path(t), "index", dir, "--kb", "pipes", "--data-dir", t.TempDir())
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil || err != nil {
		t.Fatalf("index: %v (deadline: %v)\n%s", err, ctx.Err(), out)
	}
	if !strings.Contains(string(out), "skipped: pipe.md: not a regular file (a named pipe)") {
		t.Errorf("index output does not name the skipped pipe:\n%s", out)
	}
}

// peakRSS returns the process's peak resident memory in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// stillServes requires /healthz and a good call to answer within a short
// deadline.
func stillServes(t *testing.T, s *testbin.Server) {
	t.Helper()
	if resp, body := testbin.Call(t, http.MethodGet, s.URL+"/healthz", ""); resp.StatusCode != 200 {
		t.Errorf("/healthz afterwards: %d %s", resp.StatusCode, body)
	}
	status, _, body := s.PostJSON(t, fmt.Sprintf(add, "1"))
	if status != 200 || !strings.Contains(string(body), `"sum":30`) {
		t.Errorf("a good call afterwards: %d %s", status, body)
	}
}

// A flood of search batches and get_document calls on large documents,
// at once, keeps the server's peak memory bounded: a 31 KB batch of 200
// searches took 1.6 GB, 64 reads of a 14 MB document 2.2 GB.
func TestServeMemoryUnderFlood(t *testing.T) {
	dir := t.TempDir()
	para := strings.Repeat("signing keys rotate every quarter and the rotation is logged ", 40) + "\n\n"
	for i := range 40 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc%02d.md", i)), []byte(fmt.Sprintf("# Doc %d\n\n", i)+strings.Repeat(para, 30)), 0o644)
	}
	big := filepath.Join(dir, "big.md")
	os.WriteFile(big, []byte("# Big\n\nsigning keys\n"), 0o644)
	// 64 calls at once: the batches of 10 searches take 10 slots each.
	s := testbin.Start(t, []string{"MAX_CONCURRENT_REQUESTS=64"}, "--kb", "flood="+dir)
	// After indexing, the big document grows to 16 MB.
	os.WriteFile(big, []byte("# Big\n\n"+strings.Repeat(para, 16<<20/len(para))), 0o644)

	search := `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"search_knowledge_base","arguments":{"query":"signing keys rotation","max_results":100}}}`
	calls := make([]string, 10)
	for i := range calls {
		calls[i] = fmt.Sprintf(search, i+1)
	}
	batch := "[" + strings.Join(calls, ",") + "]"
	getDoc := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_document","arguments":{"uri":"kb://flood/big.md"}}}`
	tooBig := "[" + strings.Repeat(fmt.Sprintf(search, 1)+",", 199) + fmt.Sprintf(search, 2) + "]"

	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 48 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := batch
			switch i % 3 {
			case 1:
				body = getDoc
			case 2:
				body = tooBig
			}
			status, _, _ := s.PostJSON(t, body)
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[400] != 16 || statuses[200] < 10 {
		t.Errorf("statuses %v: want the 16 batches of 200 refused with 400, at least 10 calls served", statuses)
	}
	stillServes(t, s)
	// Under the 512 MiB of a default Fargate task.
	const bound = 480 << 20
	if got := peakRSS(t, s.PID()); got > bound {
		t.Errorf("peak RSS %d MiB, want under %d MiB", got>>20, bound>>20)
	} else {
		t.Logf("peak RSS %d MiB (bound %d MiB); statuses %v", got>>20, bound>>20, statuses)
	}
}

// POST /mcp/anything with a foreign Host is not MCP: it answered 200.
func TestServeMCPOnlyOnItsPaths(t *testing.T) {
	s := testbin.Start(t, nil)
	resp, body := testbin.Call(t, http.MethodPost, s.URL+"/mcp/anything", fmt.Sprintf(add, "1"), "Host", "evil.com", "Accept", "application/json, text/event-stream")
	if resp.StatusCode == 200 || strings.Contains(string(body), `"sum"`) {
		t.Errorf("POST /mcp/anything with Host evil.com: %d %s", resp.StatusCode, body)
	}
	resp, body = testbin.Call(t, http.MethodPost, s.URL+"/mcp", fmt.Sprintf(add, "1"), "Host", "evil.com")
	if resp.StatusCode != 403 {
		t.Errorf("POST /mcp with Host evil.com: %d %s, want 403", resp.StatusCode, body)
	}
	stillServes(t, s)
}
