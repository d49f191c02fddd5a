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
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/bench/retrieval"
	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

var chunkBytes int

func main() {
	htmlDir := flag.String("html", "", "the python3.11-doc HTML folder (…/share/doc/python3.11/html)")
	work := flag.String("work", "", "working folder (default: a temporary one)")
	flag.IntVar(&chunkBytes, "chunk-bytes", 0, "chunk size (0: the index's default)")
	slice := flag.String("slice", "", "write the committed test slice (the language reference pages and their queries) to this folder and exit")
	gridSpec := flag.String("grid", "", "tune: ranking variants TITLE,HEADING,B,PROXIMITY;… evaluated on the index-term queries")
	flag.Parse()
	if *htmlDir == "" {
		fmt.Fprintln(os.Stderr, "usage: pydocs-eval -html DIR; get DIR with: apt-get download python3.11-doc && dpkg-deb -x python3.11-doc_*.deb py")
		os.Exit(2)
	}
	if *slice != "" {
		if err := retrieval.WriteSlice(*htmlDir, *slice, []string{"reference/"}); err != nil {
			fmt.Fprintln(os.Stderr, "pydocs-eval:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*htmlDir, *work, *gridSpec); err != nil {
		fmt.Fprintln(os.Stderr, "pydocs-eval:", err)
		os.Exit(1)
	}
}

func run(htmlDir, work, gridSpec string) error {
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
	queries, rels, err := retrieval.Judgments(corpus, queries, ingest.ChunkOptions{MaxBytes: chunkBytes})
	if err != nil {
		return err
	}
	if gridSpec != "" {
		return grid(ctx, corpus, filepath.Join(work, "grid"), queries, rels, gridSpec)
	}
	start := time.Now()
	store, stats, err := retrieval.BuildBoth(ctx, corpus, filepath.Join(work, "data"), ingest.ChunkOptions{MaxBytes: chunkBytes})
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
func grid(ctx context.Context, corpus, data string, queries []retrieval.Query, rels [][]retrieval.ChunkKey, spec string) error {
	for _, v := range strings.Split(spec, ";") {
		r := local.DefaultRanking()
		if _, err := fmt.Sscanf(v, "%g,%g,%g,%g,%g,%g", &r.TitleWeight, &r.HeadingWeight, &r.B, &r.Proximity, &r.Coord, &r.K1); err != nil {
			return fmt.Errorf("variant %q: %w", v, err)
		}
		st, err := local.Build(ctx, local.BuildOptions{Dir: corpus, Name: "grid", DataDir: data, Ranking: &r, Chunk: ingest.ChunkOptions{MaxBytes: chunkBytes}})
		if err != nil {
			return err
		}
		store := local.NewStore(nil)
		if err := store.AddIndexFile("grid", st.Path, ""); err != nil {
			return err
		}
		all, err := retrieval.Evaluate(ctx, store, "grid", queries, rels, false, "")
		if err != nil {
			return err
		}
		agent, err := retrieval.Evaluate(ctx, store, "grid", queries, rels, true, "")
		if err != nil {
			return err
		}
		fmt.Printf("%-20s terms %s | agent nDCG@10 %.3f\n", v, all, agent.NDCG10)
		store.Close()
	}
	return nil
}
