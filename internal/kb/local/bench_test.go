package local

import (
	"context"
	"os"
	"strings"
	"testing"
)

// BenchmarkBuild indexes the folder in $KMCP_BENCH_DIR (see bench/localindex).
func BenchmarkBuild(b *testing.B) {
	dir := os.Getenv("KMCP_BENCH_DIR")
	if dir == "" {
		b.Skip("set KMCP_BENCH_DIR to a folder to index (go run ./bench/localindex gen)")
	}
	for b.Loop() {
		data := b.TempDir()
		if _, err := Build(context.Background(), BuildOptions{Dir: dir, Name: "bench", DataDir: data}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch runs the queries of $KMCP_BENCH_QUERIES against the
// index file $KMCP_BENCH_INDEX (see bench/localindex).
func BenchmarkSearch(b *testing.B) {
	path, qfile := os.Getenv("KMCP_BENCH_INDEX"), os.Getenv("KMCP_BENCH_QUERIES")
	if path == "" || qfile == "" {
		b.Skip("set KMCP_BENCH_INDEX and KMCP_BENCH_QUERIES (go run ./bench/localindex gen/build)")
	}
	ix, err := openIndexFile(path)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := os.ReadFile(qfile)
	queries := strings.Split(strings.TrimSpace(string(data)), "\n")
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := ix.search(queries[i%len(queries)], 10, nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkBuildEmbeddedDocs builds the built-in documentation index, the
// work a server does at start without --kb.
func BenchmarkBuildEmbeddedDocs(b *testing.B) {
	fsys := os.DirFS("../../../docs")
	for b.Loop() {
		if _, err := buildFS("docs", "", fsys); err != nil {
			b.Fatal(err)
		}
	}
}
