//go:build soak && linux

package hostile

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

var soakFor = flag.Duration("soak", 3*time.Minute, "how long the soak floods the server")

// TestSoak floods a served knowledge base with searches, batches of
// searches and slow bodies at once, while a prober times good calls; it
// reports their p50/p99 and the server's RSS, and fails when a good call
// fails or peak RSS passes 480 MiB. Outside CI (build tag soak):
//
//	go test -tags soak -run TestSoak -timeout 30m ./test/hostile -soak 3m -v
func TestSoak(t *testing.T) {
	dir := t.TempDir()
	para := strings.Repeat("signing keys rotate every quarter and the rotation is logged ", 40) + "\n\n"
	for i := range 200 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc%03d.md", i)), []byte(fmt.Sprintf("# Doc %d\n\n", i)+strings.Repeat(para, 20)), 0o644)
	}
	s := testbin.Start(t, []string{"MAX_CONCURRENT_REQUESTS=64", "READ_TIMEOUT=10s"}, "--kb", "soak="+dir)
	search := `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"search_knowledge_base","arguments":{"query":"signing keys rotation","max_results":50}}}`
	calls := make([]string, 10)
	for i := range calls {
		calls[i] = fmt.Sprintf(search, i+1)
	}
	batch := "[" + strings.Join(calls, ",") + "]"
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sent, slowConns atomic.Int64
	client := &http.Client{Timeout: 30 * time.Second}
	post := func(body string) int {
		resp, err := client.Post(s.URL+"/mcp", "application/json", strings.NewReader(body))
		if err != nil {
			return 0
		}
		resp.Body.Close()
		sent.Add(1)
		return resp.StatusCode
	}
	flood := func(body string) {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				post(body)
			}
		}
	}
	for range 8 {
		wg.Add(2)
		go flood(fmt.Sprintf(search, 1))
		go flood(batch)
	}
	// Slow bodies: connections that send a byte every second.
	u, _ := url.Parse(s.URL)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := net.Dial("tcp", u.Host)
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				slowConns.Add(1)
				fmt.Fprintf(c, "POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", u.Host)
				for range 15 {
					if _, err := c.Write([]byte("{")); err != nil {
						break
					}
					select {
					case <-stop:
						c.Close()
						return
					case <-time.After(time.Second):
					}
				}
				c.Close()
			}
		}()
	}
	// The prober: one good call at a time, timed.
	var latencies []time.Duration
	failures := 0
	deadline := time.Now().Add(*soakFor)
	var rss []int64
	for time.Now().Before(deadline) {
		start := time.Now()
		status, _, body := s.PostJSON(t, fmt.Sprintf(add, "1"))
		latencies = append(latencies, time.Since(start))
		if status != 200 || !strings.Contains(string(body), `"sum":30`) {
			failures++
		}
		if len(latencies)%20 == 0 {
			rss = append(rss, currentRSS(t, s.PID()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(float64(len(latencies)-1)*p)] }
	peak := peakRSS(t, s.PID())
	t.Logf("soak %s: %d flood requests, %d slow connections; good calls: %d, %d failed (503 counts as failed), p50 %s, p99 %s, max %s; RSS samples (MiB) %v, peak %d MiB",
		*soakFor, sent.Load(), slowConns.Load(), len(latencies), failures, pct(0.5), pct(0.99), latencies[len(latencies)-1], mib(rss), peak>>20)
	if peak > 480<<20 {
		t.Errorf("peak RSS %d MiB, want under 480 MiB", peak>>20)
	}
}

func mib(v []int64) []int64 {
	out := make([]int64, len(v))
	for i, b := range v {
		out[i] = b >> 20
	}
	return out
}

// currentRSS returns the process's resident memory now.
func currentRSS(t *testing.T, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		t.Fatal(err)
	}
	var size, res int64
	fmt.Sscan(string(data), &size, &res)
	return res * int64(os.Getpagesize())
}
