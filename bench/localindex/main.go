//go:build linux

// Command localindex measures the local index at scale: indexing speed,
// search latency for natural-language queries, and memory while serving.
//
// It runs in three steps, each its own process so that memory figures are
// those of a server, not of the generator:
//
//	go run ./bench/localindex gen   -dir /tmp/li -chunks 100000   # corpus + queries
//	go run ./bench/localindex build -dir /tmp/li [-plain]         # index, MB/s
//	go run ./bench/localindex query -dir /tmp/li [-plain]         # p50/p99, RSS
//
// The corpus is synthetic English-like text: a Zipf-distributed vocabulary
// of 50,000 words mixed with real stopwords, in Markdown files of ten
// ~1 KB sections, so each section becomes one chunk. Queries are 5-8
// consecutive words of the corpus, stopwords included, as an agent would
// write them.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/knowledge-mcp/knowledge-mcp/bench/synth"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: localindex gen|build|query -dir DIR [-chunks N] [-plain]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dir := fs.String("dir", "", "working folder")
	chunks := fs.Int("chunks", 100000, "gen: number of ~1 KB sections (chunks)")
	nq := fs.Int("queries", 2000, "gen: number of queries")
	plain := fs.Bool("plain", false, "build/query: the plain-BM25 index instead of the default ranking")
	fs.Parse(os.Args[2:])
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "-dir is required")
		os.Exit(2)
	}
	name := "default"
	if *plain {
		name = "plain"
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(*dir, *chunks, *nq)
	case "build":
		err = build(*dir, name)
	case "query":
		err = query(*dir, name)
	default:
		err = fmt.Errorf("unknown step %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "localindex:", err)
		os.Exit(1)
	}
}

func gen(dir string, nChunks, nQueries int) error {
	r := rand.New(rand.NewPCG(1, 2))
	words := synth.New(r, 50000)
	corpus := filepath.Join(dir, "corpus")
	os.RemoveAll(corpus)
	var sections []string
	const perFile = 10
	for f := 0; f*perFile < nChunks; f++ {
		var b strings.Builder
		fmt.Fprintf(&b, "# %s %s\n\n", words.Word(), words.Term())
		for s := 0; s < perFile && f*perFile+s < nChunks; s++ {
			fmt.Fprintf(&b, "## %s %s\n\n", words.Term(), words.Term())
			var sec strings.Builder
			for sec.Len() < 950 {
				sec.WriteString(words.Word())
				if r.IntN(12) == 0 {
					sec.WriteString(". ")
				} else {
					sec.WriteByte(' ')
				}
			}
			b.WriteString(sec.String())
			b.WriteString("\n\n")
			if len(sections) < 20000 {
				sections = append(sections, sec.String())
			}
		}
		p := filepath.Join(corpus, fmt.Sprintf("d%03d", f/1000), fmt.Sprintf("doc%05d.md", f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	qf, err := os.Create(filepath.Join(dir, "queries.txt"))
	if err != nil {
		return err
	}
	defer qf.Close()
	for range nQueries {
		words := strings.Fields(strings.ReplaceAll(sections[r.IntN(len(sections))], ".", ""))
		n := 5 + r.IntN(4)
		start := r.IntN(max(1, len(words)-n))
		fmt.Fprintln(qf, strings.Join(words[start:min(len(words), start+n)], " "))
	}
	fmt.Printf("generated %d chunks in %s, %d queries\n", nChunks, corpus, nQueries)
	return nil
}

func ranking(name string) *local.Ranking {
	r := local.DefaultRanking()
	if name == "plain" {
		r = local.PlainBM25()
	}
	return &r
}

func build(dir, name string) error {
	// A fresh build, then an incremental one with nothing changed.
	if err := os.Remove(local.IndexPath(filepath.Join(dir, "data"), name)); err != nil && !os.IsNotExist(err) {
		return err
	}
	for range 2 {
		if err := buildOnce(dir, name); err != nil {
			return err
		}
	}
	return nil
}

func buildOnce(dir, name string) error {
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	st, err := local.Build(context.Background(), local.BuildOptions{Dir: filepath.Join(dir, "corpus"), Name: name, DataDir: filepath.Join(dir, "data"), Ranking: ranking(name)})
	if err != nil {
		return err
	}
	d := time.Since(start)
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	info, _ := os.Stat(st.Path)
	fmt.Printf("build %-7s: %d files, %d chunks, %.1f MB in %s = %.1f MB/s wall (CPU %s = %.1f MB per CPU-second); index file %.1f MB; added %d unchanged %d\n",
		name, st.Documents, st.Chunks, float64(st.Bytes)/1e6, d.Round(time.Millisecond), float64(st.Bytes)/1e6/d.Seconds(),
		cpu.Round(time.Millisecond), float64(st.Bytes)/1e6/cpu.Seconds(), float64(info.Size())/1e6, st.Added, st.Unchanged)
	return nil
}

func query(dir, name string) error {
	data, err := os.ReadFile(filepath.Join(dir, "queries.txt"))
	if err != nil {
		return err
	}
	queries := strings.Split(strings.TrimSpace(string(data)), "\n")
	store := local.NewStore(nil)
	start := time.Now()
	if err := store.AddIndexFile(name, local.IndexPath(filepath.Join(dir, "data"), name), ""); err != nil {
		return err
	}
	if err := store.Ready(context.Background()); err != nil {
		return err
	}
	load := time.Since(start)
	ctx := context.Background()
	// Warm up, then measure every query once, sequentially.
	for _, q := range queries[:min(200, len(queries))] {
		store.Search(ctx, kb.Query{Text: q, KnowledgeBaseID: name, MaxResults: 10})
	}
	// Wall time, and this thread's CPU time, which the other processes of
	// a shared machine do not inflate.
	runtime.LockOSThread()
	lat := make([]time.Duration, 0, len(queries))
	cpu := make([]time.Duration, 0, len(queries))
	empty := 0
	for _, q := range queries {
		c0 := threadCPU()
		t0 := time.Now()
		res, err := store.Search(ctx, kb.Query{Text: q, KnowledgeBaseID: name, MaxResults: 10})
		lat = append(lat, time.Since(t0))
		cpu = append(cpu, threadCPU()-c0)
		if err != nil {
			return err
		}
		if len(res.Results) == 0 {
			empty++
		}
	}
	slices.Sort(lat)
	slices.Sort(cpu)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	cpct := func(p float64) time.Duration { return cpu[min(len(cpu)-1, int(p*float64(len(cpu))))] }
	runtime.GC()
	debug.FreeOSMemory()
	rss := rssMB()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(store)
	fmt.Printf("query %-7s: CPU per query p50 %s p90 %s p99 %s max %s\n", name, cpct(0.50).Round(time.Microsecond),
		cpct(0.90).Round(time.Microsecond), cpct(0.99).Round(time.Microsecond), cpu[len(cpu)-1].Round(time.Microsecond))
	fmt.Printf("query %-7s: load %s; %d queries top-10: p50 %s p90 %s p99 %s max %s; %d empty; RSS %.1f MB (Go heap in use %.1f MB)\n",
		name, load.Round(time.Millisecond), len(lat), pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond),
		pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond), empty, rss, float64(ms.HeapInuse)/1e6)
	store.Close()
	return nil
}

// rssMB reads the resident set size from /proc (Linux).
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kbytes float64
		if n, _ := fmt.Sscanf(sc.Text(), "VmRSS: %f kB", &kbytes); n == 1 {
			return kbytes / 1024
		}
	}
	return -1
}

// threadCPU is the CPU time of the calling OS thread (Linux).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}
