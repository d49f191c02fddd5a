// Command pydocs-eval measures the local index's ranking on the Python
// documentation against plain BM25 on the same chunks.
//
//	apt-get download python3.11-doc && dpkg-deb -x python3.11-doc_*.deb py
//	go run ./bench/retrieval/cmd/pydocs-eval -html py/usr/share/doc/python3.11/html
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/bench/retrieval"
	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
)

func main() {
	htmlDir := flag.String("html", "", "the python3.11-doc HTML folder (…/share/doc/python3.11/html)")
	work := flag.String("work", "", "working folder (default: a temporary one)")
	flag.Parse()
	if *htmlDir == "" {
		fmt.Fprintln(os.Stderr, "usage: pydocs-eval -html DIR; get DIR with: apt-get download python3.11-doc && dpkg-deb -x python3.11-doc_*.deb py")
		os.Exit(2)
	}
	if err := run(*htmlDir, *work); err != nil {
		fmt.Fprintln(os.Stderr, "pydocs-eval:", err)
		os.Exit(1)
	}
}

func run(htmlDir, work string) error {
	ctx := context.Background()
	if work == "" {
		dir, err := os.MkdirTemp("", "pydocs-eval-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		work = dir
	}
	corpus := filepath.Join(work, "corpus")
	pages, err := retrieval.CopyCorpus(htmlDir, corpus)
	if err != nil {
		return err
	}
	genindex, _ := filepath.Glob(filepath.Join(htmlDir, "genindex-*.html"))
	queries, err := retrieval.ParseGenindex(genindex)
	if err != nil {
		return err
	}
	queries, rels, err := retrieval.Judgments(corpus, queries, ingest.ChunkOptions{})
	if err != nil {
		return err
	}
	start := time.Now()
	store, stats, err := retrieval.BuildBoth(ctx, corpus, filepath.Join(work, "data"))
	if err != nil {
		return err
	}
	fmt.Printf("corpus: %d pages, %d chunks, %.1f MB of HTML; %d queries; two builds in %s\n",
		pages, stats[0].Chunks, float64(stats[0].Bytes)/1e6, len(queries), time.Since(start).Round(time.Millisecond))
	for _, agent := range []bool{false, true} {
		for _, kind := range []string{"", "concept", "name"} {
			for _, name := range []string{"default", "plain"} {
				m, err := retrieval.Evaluate(ctx, store, name, queries, rels, agent, kind)
				if err != nil {
					return err
				}
				phr := "index terms"
				if agent {
					phr = "agent phrasing"
				}
				k := kind
				if k == "" {
					k = "all"
				}
				fmt.Printf("%-14s %-8s %-8s %s\n", phr, k, name, m)
			}
		}
	}
	return nil
}

// grid evaluates ranking variants (for tuning DefaultRanking).
func grid(ctx context.Context, corpus, data string, queries []retrieval.Query, rels any) {}
