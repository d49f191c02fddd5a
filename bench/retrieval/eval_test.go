package retrieval

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
)

// Floors for the committed slice (the language reference of the Python 3.11
// documentation and its index entries). They sit a little under what the
// ranking reaches, so a regression fails the build. Regenerate the slice
// with: go run ./bench/retrieval/cmd/pydocs-eval -html DIR -slice bench/retrieval/testdata/pydocs
const (
	floorNDCG      = 0.64
	floorAgentNDCG = 0.58
	// The ranking must beat plain BM25 on the same chunks by this much.
	floorGain = 0.035
)

// sliceQueries reads the committed query slice of the Python docs set.
func sliceQueries(t *testing.T, dir string) []Query {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, SliceQueries))
	if err != nil {
		t.Fatalf("slice missing: %v", err)
	}
	var queries []Query
	if err := json.Unmarshal(data, &queries); err != nil {
		t.Fatal(err)
	}
	return queries
}

func TestRetrievalQualitySlice(t *testing.T) {
	dir := filepath.Join("testdata", "pydocs")
	queries := sliceQueries(t, dir)
	corpus := filepath.Join(dir, "corpus")
	queries, rels, err := Judgments(corpus, queries, ingest.ChunkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) < 200 {
		t.Fatalf("only %d judged queries in the slice", len(queries))
	}
	ctx := context.Background()
	store, stats, err := BuildBoth(ctx, corpus, t.TempDir(), ingest.ChunkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	def, err := Evaluate(ctx, store, "default", queries, rels, false, "")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Evaluate(ctx, store, "plain", queries, rels, false, "")
	if err != nil {
		t.Fatal(err)
	}
	agent, err := Evaluate(ctx, store, "default", queries, rels, true, "")
	if err != nil {
		t.Fatal(err)
	}
	agentPlain, err := Evaluate(ctx, store, "plain", queries, rels, true, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("slice: %d chunks, %d queries", stats[0].Chunks, len(queries))
	t.Logf("index terms:    default %s | plain BM25 %s", def, plain)
	t.Logf("agent phrasing: default %s | plain BM25 %s", agent, agentPlain)
	if def.NDCG10 < floorNDCG {
		t.Errorf("nDCG@10 %.3f fell below the floor %.2f", def.NDCG10, floorNDCG)
	}
	if def.NDCG10 < plain.NDCG10+floorGain {
		t.Errorf("nDCG@10 %.3f does not beat plain BM25 %.3f by %.2f", def.NDCG10, plain.NDCG10, floorGain)
	}
	if agent.NDCG10 < floorAgentNDCG {
		t.Errorf("agent-phrased nDCG@10 %.3f fell below the floor %.2f", agent.NDCG10, floorAgentNDCG)
	}
}
