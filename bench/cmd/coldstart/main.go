//go:build linux

// Command coldstart measures what every new AgentCore Runtime session may
// cost: the time from exec of `knowledge-mcp serve`, configured as in a
// Runtime (test/agentcore's environment), to its first tools/call answered,
// and the resident set at that moment. It runs the built-in documentation
// and, with -index, a local index file (bench/localindex builds a
// 100k-chunk one):
//
//	go run ./bench/localindex gen -dir /tmp/li -chunks 100000
//	go run ./bench/localindex build -dir /tmp/li
//	go run ./bench/cmd/coldstart -n 10 -index /tmp/li/data/default.kbi
//
// The platform's own share (microVM start, image pull) is not in these
// numbers: nothing here runs on AWS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/bench/harness"
	"github.com/knowledge-mcp/knowledge-mcp/test/agentcore"
)

func main() {
	n := flag.Int("n", 10, "cold starts per scenario")
	index := flag.String("index", "", "a local index file (.kbi) to measure besides the built-in documentation")
	bin := flag.String("bin", "", "the knowledge-mcp binary; default: built from ./cmd/knowledge-mcp")
	flag.Parse()
	if err := run(*n, *index, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

// scenario is one server configuration and the query its first call asks.
type scenario struct {
	name  string
	env   []string
	query string
}

func run(n int, index, bin string) error {
	if n < 1 {
		return errors.New("-n must be at least 1")
	}
	if bin == "" {
		dir, err := os.MkdirTemp("", "coldstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "knowledge-mcp")
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/knowledge-mcp")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	scenarios := []scenario{{name: "built-in documentation", query: "deploy to AgentCore Runtime"}}
	if index != "" {
		info, err := os.Stat(index)
		if err != nil {
			return fmt.Errorf("-index: %w", err)
		}
		scenarios = append(scenarios, scenario{name: fmt.Sprintf("local index %s (%.0f MB)", filepath.Base(index), float64(info.Size())/1e6),
			env: []string{"KB=" + index}, query: "the of and ka lo mi"})
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("exec → first tools/call answered, %d cold starts per scenario; load average at start: %s", n, load)
	fmt.Println("| scenario | median | p90 | min | max | RSS at first answer (median) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, sc := range scenarios {
		var ms, rss []float64
		for range n {
			d, kb, err := coldStart(bin, sc)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
			ms = append(ms, float64(d)/float64(time.Millisecond))
			rss = append(rss, float64(kb))
		}
		med, _ := harness.Median(ms)
		p90, _ := harness.Percentile(ms, 90)
		lo, _ := harness.Percentile(ms, 0)
		hi, _ := harness.Max(ms)
		mrss, _ := harness.Median(rss)
		fmt.Printf("| %s | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.1f MB |\n", sc.name, med, p90, lo, hi, mrss/1024)
	}
	return nil
}

// coldStart starts the server and calls search_knowledge_base until it
// answers; it returns the time since exec and the RSS (KB) then.
func coldStart(bin string, sc scenario) (time.Duration, int64, error) {
	port, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), agentcore.Env...)
	cmd.Env = append(cmd.Env, "HOST=127.0.0.1", "PORT="+strconv.Itoa(port), "LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, sc.env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_knowledge_base","arguments":{"query":%q}}}`, sc.query)
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/mcp"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		req.Host = agentcore.PlatformHost
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set(agentcore.RuntimeSessionHeader, "coldstart-session-0000000000000000000000")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"result"`) || strings.Contains(string(data), `"isError":true`) {
				return 0, 0, fmt.Errorf("first tools/call: HTTP %d: %.300s", resp.StatusCode, data)
			}
			d := time.Since(started)
			rss, err := harness.RSS(cmd.Process.Pid)
			return d, rss, err
		}
		if ctx.Err() != nil {
			return 0, 0, fmt.Errorf("no answer within 60s: %w", err)
		}
		time.Sleep(time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
