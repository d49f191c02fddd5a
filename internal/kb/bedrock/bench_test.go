package bedrock_test

import (
	"context"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// BenchmarkSearch measures one search through the real SDK (serialization,
// SigV4 signing, HTTP over loopback, deserialization, mapping) against the
// fake, which answers in microseconds: the backend's own cost per call.
func BenchmarkSearch(b *testing.B) {
	startFakeB(b)
	backend := newBackendB(b)
	ctx := context.Background()
	if _, err := backend.Search(ctx, kb.Query{Text: "rollback", MaxResults: 5}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := backend.Search(ctx, kb.Query{Text: "rollback", MaxResults: 5}); err != nil {
			b.Fatal(err)
		}
	}
}
