package bedrock_test

import (
	"context"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock/awsfake"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
)

// loadFixture puts a kbtest fixture into the fake as Bedrock would hold it:
// one S3 data source per knowledge base, passages split at blank lines,
// each with its document's metadata, and the documents in the bucket.
func loadFixture(fake *awsfake.Fake, fx kbtest.Fixture) {
	for _, k := range fx.KnowledgeBases {
		bucket := "fixture-" + strings.ToLower(k.ID)
		ds := "DS" + strings.ToUpper(k.ID)
		fk := awsfake.KnowledgeBase{ID: k.ID, Name: k.Name, Description: k.Description,
			DataSources: []awsfake.DataSource{{ID: ds, Name: "documents", Type: "S3", BucketARN: "arn:aws:s3:::" + bucket}}}
		for _, d := range k.Documents {
			uri := "s3://" + bucket + "/" + d.Path
			for _, p := range strings.Split(d.Text, "\n\n") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				meta := map[string]any{bedrock.DataSourceKey: ds}
				for key, v := range d.Metadata {
					meta[key] = v
				}
				fk.Chunks = append(fk.Chunks, awsfake.Chunk{Text: p, Metadata: meta,
					Location: map[string]any{"type": "S3", "s3Location": map[string]any{"uri": uri}}})
			}
			fake.PutObject(bucket, d.Path, awsfake.Object{ContentType: "text/markdown", Body: []byte(d.Text)})
		}
		fake.AddKnowledgeBase(fk)
	}
}

// TestConformance runs the backend conformance suite on Bedrock through the
// fake AWS services.
func TestConformance(t *testing.T) {
	fx := kbtest.DefaultFixture()
	kbtest.Run(t, func(t *testing.T) kb.Backend {
		fake := awsfake.New()
		t.Cleanup(fake.Close)
		loadFixture(fake, fx)
		for k, v := range fake.Env() {
			t.Setenv(k, v)
		}
		s := settings()
		s.KnowledgeBaseIDs = nil
		for _, k := range fx.KnowledgeBases {
			s.KnowledgeBaseIDs = append(s.KnowledgeBaseIDs, k.ID)
		}
		s.ModelARN = "anthropic.claude-3-haiku-20240307-v1:0"
		s.MaxConcurrency = 8
		return bedrock.New(context.Background(), s, testLogger(t))
	}, fx)
}
