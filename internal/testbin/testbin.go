// Package testbin builds the knowledge-mcp binary once per test process and
// runs it as a real server on a free loopback port, for tests that exercise
// the program as users run it.
package testbin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Path returns the path of a freshly built knowledge-mcp binary.
func Path(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "knowledge-mcp-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "knowledge-mcp")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/knowledge-mcp")
		cmd.Dir = moduleRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Server is a running `knowledge-mcp serve` process.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:43127 (no path).
	URL string
	cmd *exec.Cmd

	mu     sync.Mutex
	stderr bytes.Buffer
	// grew is closed and replaced at each line written to stderr.
	grew   chan struct{}
	exited chan struct{}
	err    error
}

// Start runs `knowledge-mcp serve` with args on a free loopback port and
// waits until it listens. env entries (KEY=VALUE) are added to the
// environment. The process is stopped when the test ends.
func Start(t testing.TB, env []string, args ...string) *Server {
	t.Helper()
	cmd := exec.Command(Path(t), append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "HOST=127.0.0.1", "PORT=0")
	cmd.Env = append(cmd.Env, env...)
	s := &Server{cmd: cmd, exited: make(chan struct{}), grew: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	urls := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			close(s.grew)
			s.grew = make(chan struct{})
			s.mu.Unlock()
			var entry struct {
				Msg string `json:"msg"`
				URL string `json:"url"`
			}
			if json.Unmarshal([]byte(line), &entry) == nil && entry.URL != "" && strings.HasPrefix(entry.Msg, "serving") {
				select {
				case urls <- strings.TrimSuffix(entry.URL, "/mcp"):
				default:
				}
			}
		}
	}()
	go func() {
		s.err = cmd.Wait()
		pw.Close()
		// Every line the process wrote is in s.stderr before Wait or the
		// cleanup sees it exit: its last lines (the drain) are read by then.
		<-scanned
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.Signal(syscall.SIGKILL)
		<-s.exited
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.Stderr())
		}
	})
	select {
	case s.URL = <-urls:
	case <-s.exited:
		t.Fatalf("server exited before listening: %v\n%s", s.err, s.Stderr())
	case <-time.After(15 * time.Second):
		t.Fatalf("server did not listen within 15s:\n%s", s.Stderr())
	}
	return s
}

// Stderr returns what the server has logged so far.
func (s *Server) Stderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// WaitLog waits until the server has logged text, and returns the log so
// far. It fails the test when the server exits or d passes first.
func (s *Server) WaitLog(t testing.TB, text string, d time.Duration) string {
	t.Helper()
	timeout := time.After(d)
	for {
		s.mu.Lock()
		log, grew := s.stderr.String(), s.grew
		s.mu.Unlock()
		if strings.Contains(log, text) {
			return log
		}
		select {
		case <-grew:
		case <-s.exited:
			if log := s.Stderr(); strings.Contains(log, text) {
				return log
			}
			t.Fatalf("server exited and never logged %q:\n%s", text, s.Stderr())
		case <-timeout:
			t.Fatalf("server did not log %q within %s:\n%s", text, d, s.Stderr())
		}
	}
}

// PID returns the server's process id (to read its memory from /proc).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Signal sends sig to the server process.
func (s *Server) Signal(sig os.Signal) {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(sig)
	}
}

// Wait waits up to d for the process to exit and returns its exit code, or
// -1 if it is still running.
func (s *Server) Wait(d time.Duration) int {
	select {
	case <-s.exited:
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		return -1
	}
}

// PostJSON sends body to /mcp the way Postman does (Content-Type only) plus
// extra headers, and returns the status and body.
func (s *Server) PostJSON(t testing.TB, body string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	headers = append([]string{"Content-Type", "application/json"}, headers...) // even with an empty body
	resp, data := Call(t, http.MethodPost, s.URL+"/mcp", body, headers...)
	return resp.StatusCode, resp.Header, data
}

// Call sends one HTTP request and returns the response with its body read.
// A non-empty body is sent as application/json; headers are name, value
// pairs, applied after that ("Host" sets the request's Host).
func Call(t testing.TB, method, url, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if strings.EqualFold(headers[i], "Host") {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return resp, data
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$`)

// Metric returns the value of the sample of name in a Prometheus text
// exposition whose labels include every label, value pair given, summed
// over the other labels; 0 when there is none.
func Metric(exposition, name string, labels ...string) float64 {
	var sum float64
	for _, line := range strings.Split(exposition, "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(m[2], labels[i]+`="`+labels[i+1]+`"`) {
				ok = false
				break
			}
		}
		if v, err := strconv.ParseFloat(m[3], 64); ok && err == nil {
			sum += v
		}
	}
	return sum
}
