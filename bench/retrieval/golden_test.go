package retrieval

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/pydocs/golden_scores.txt from the current index")

// goldenQueries is how many slice queries the score snapshot covers per
// ranking and phrasing.
const goldenQueries = 120

// TestIndexScoresUnchanged pins the exact ranking of the index: the top 10
// chunks and their scores (printed exactly, float64 round-trip) for the
// first slice queries, with the default ranking and plain BM25, index
// terms and agent phrasing. Speed work on the builder (tokenizer, term
// dictionary, postings) must leave every line identical; a deliberate
// ranking change regenerates the file with
// go test ./bench/retrieval/ -run TestIndexScoresUnchanged -update-golden
func TestIndexScoresUnchanged(t *testing.T) {
	dir := filepath.Join("testdata", "pydocs")
	queries := sliceQueries(t, dir)
	if len(queries) < goldenQueries {
		t.Fatalf("only %d queries in the slice, want %d", len(queries), goldenQueries)
	}
	queries = queries[:goldenQueries]
	ctx := context.Background()
	store, _, err := BuildBoth(ctx, filepath.Join(dir, "corpus"), t.TempDir(), ingest.ChunkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	var got bytes.Buffer
	results := 0
	for _, name := range []string{"default", "plain"} {
		for _, agent := range []bool{false, true} {
			for _, q := range queries {
				text := q.Text
				if agent {
					text = q.Agent()
				}
				res, err := store.Search(ctx, kb.Query{KnowledgeBaseID: name, Text: text, MaxResults: 10})
				if err != nil {
					t.Fatalf("%s %q: %v", name, text, err)
				}
				fmt.Fprintf(&got, "%s\t%q\n", name, text)
				for _, r := range res.Results {
					fmt.Fprintf(&got, "\t%s#%d\t%s\n", r.DocumentID, r.ChunkIndex, strconv.FormatFloat(r.Score, 'g', -1, 64))
					results++
				}
			}
		}
	}
	if results < goldenQueries*10 {
		t.Fatalf("only %d results for %d queries: the snapshot would prove little", results, 4*goldenQueries)
	}
	path := filepath.Join(dir, "golden_scores.txt")
	if *updateGolden {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d results)", path, results)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden scores missing (generate with -update-golden): %v", err)
	}
	if bytes.Equal(got.Bytes(), want) {
		return
	}
	g, w := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
	diffs := 0
	for i := 0; i < max(len(g), len(w)) && diffs < 10; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("line %d:\n got  %s\n want %s", i+1, gl, wl)
			diffs++
		}
	}
	t.Errorf("search results or scores differ from %s", path)
}
