package s3source_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

// syntheticIndex builds an index of knowledge base name with about
// chunks chunks: files of ten
// sections, each section one chunk of varied words.
func syntheticIndex(b *testing.B, name string, chunks int) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "corpus")
	words := strings.Fields("deploy index search chunk bucket refresh replica version checksum latency throughput cache policy role task service cluster region endpoint request")
	for f := 0; f < (chunks+9)/10; f++ {
		var sb strings.Builder
		fmt.Fprintf(&sb, "# Document %d\n\n", f)
		for s := range 10 {
			fmt.Fprintf(&sb, "## Section %d.%d\n\n", f, s)
			for w := range 60 {
				sb.WriteString(words[(f*7+s*13+w*w)%len(words)])
				sb.WriteString(fmt.Sprintf("%d ", (f+w)%97))
			}
			sb.WriteString("\n\n")
		}
		p := filepath.Join(dir, fmt.Sprintf("d%03d", f/1000), fmt.Sprintf("doc%d.md", f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	stats, err := local.Build(context.Background(), local.BuildOptions{Dir: dir, Name: name, DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("index of %d documents, %d chunks", stats.Documents, stats.Chunks)
	return stats.Path
}

// BenchmarkServeReadyFromS3 measures the time from starting
// `knowledge-mcp serve --kb s3://…` to /readyz answering 200, the index
// served by gofakes3 on loopback: process start, first download, checksum
// verification and load.
func BenchmarkServeReadyFromS3(b *testing.B) {
	for _, chunks := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("chunks=%d", chunks), func(b *testing.B) {
			e := newS3Env(b)
			v := e.publish(b, syntheticIndex(b, "bench", chunks), "bench.kbi")
			var total time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				srv := testbin.Start(b, []string{"KNOWLEDGE_MCP_DATA=" + b.TempDir()}, "--kb", "s3://"+testBucket+"/bench.kbi")
				for {
					resp, _ := testbin.Call(b, "GET", srv.URL+"/readyz", "")
					if resp.StatusCode == http.StatusOK {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				total += time.Since(start)
				srv.Signal(syscall.SIGKILL)
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-ready")
			b.ReportMetric(float64(v.Size)/1e6, "index-MB")
		})
	}
}

// BenchmarkUnchangedRefresh measures one refresh of an unchanged index:
// the conditional GET answered 304. bytes-on-wire counts both directions
// on the connection; the CPU includes gofakes3's, in the same process.
func BenchmarkUnchangedRefresh(b *testing.B) {
	e := newS3Env(b)
	e.publish(b, syntheticIndex(b, "handbook", 10_000), testKey)
	m := newMirror(b, e, nil)
	if _, err := m.Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	e.wire.Store(0)
	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for range b.N {
		if changed, err := m.Sync(context.Background()); err != nil || changed {
			b.Fatalf("Sync = %v, %v", changed, err)
		}
	}
	b.StopTimer()
	var after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) / time.Duration(b.N)
	b.ReportMetric(float64(cpu.Microseconds()), "cpu-µs/op")
	b.ReportMetric(float64(e.wire.Load())/float64(b.N), "bytes-on-wire/op")
}
