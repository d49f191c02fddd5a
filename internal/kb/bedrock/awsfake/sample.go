package awsfake

// Sample knowledge bases, data sources and objects, shared by the backend's
// tests and the binary's end-to-end tests.
const (
	// SampleKB is a vector knowledge base tagged for discovery, with
	// chunks of every location type.
	SampleKB = "KBDOCS0001"
	// SampleHRKB is a second knowledge base, tagged.
	SampleHRKB = "KBHRPOL002"
	// SampleUntaggedKB is not tagged: discovery must skip it.
	SampleUntaggedKB = "KBSECRET03"
	// SampleBucket holds the documents of SampleKB's S3 data source.
	SampleBucket = "kmcp-docs-bucket"
	// SampleTagKey is the discovery tag of the sample.
	SampleTagKey = "mcp-multirag-kb"
	// SampleS3DataSource and SampleWebDataSource are SampleKB's data sources.
	SampleS3DataSource  = "DSS3000001"
	SampleWebDataSource = "DSWEB00002"
)

// Seed loads the sample into f.
func Seed(f *Fake) {
	meta := func(ds string, kv ...any) map[string]any {
		m := map[string]any{"x-amz-bedrock-kb-data-source-id": ds, "x-amz-bedrock-kb-chunk-id": "chunk-" + ds}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	f.AddKnowledgeBase(KnowledgeBase{
		ID: SampleKB, Name: "product-docs", Description: "Product documentation and runbooks",
		Tags: map[string]string{SampleTagKey: "true", "team": "docs"},
		DataSources: []DataSource{
			{ID: SampleS3DataSource, Name: "docs-bucket", Type: "S3", BucketARN: "arn:aws:s3:::" + SampleBucket},
			{ID: SampleWebDataSource, Name: "public-site", Type: "WEB"},
			{ID: "DSCONF0003", Name: "wiki", Type: "CONFLUENCE"},
		},
		Chunks: []Chunk{
			{Text: "Kangaroos hop across the outback. The deployment guide explains rollback.",
				Location: map[string]any{"type": "S3", "s3Location": map[string]any{"uri": "s3://" + SampleBucket + "/guides/deploy.md"}},
				Metadata: meta(SampleS3DataSource, "team", "platform", "year", 2024.0, "tags", []any{"deploy", "ops"}, "title", "Deployment guide")},
			{Text: "Rollback restores the previous task definition when the circuit breaker trips.",
				Location: map[string]any{"type": "S3", "s3Location": map[string]any{"uri": "s3://" + SampleBucket + "/guides/rollback.txt"}},
				Metadata: meta(SampleS3DataSource, "team", "platform", "year", 2021.0)},
			{Text: "The public site describes rollback for customers.",
				Location: map[string]any{"type": "WEB", "webLocation": map[string]any{"url": "https://example.com/docs/rollback"}},
				Metadata: meta(SampleWebDataSource, "team", "marketing", "year", 2025.0)},
			{Text: "Confluence page on rollback drills.",
				Location: map[string]any{"type": "CONFLUENCE", "confluenceLocation": map[string]any{"url": "https://wiki.example.com/display/OPS/Rollback"}},
				Metadata: meta("DSCONF0003")},
			{Text: "Salesforce case about rollback of an order.",
				Location: map[string]any{"type": "SALESFORCE", "salesforceLocation": map[string]any{"url": "https://example.my.salesforce.com/500XX"}},
				Metadata: meta("DSSF000004")},
			{Text: "SharePoint rollback checklist.",
				Location: map[string]any{"type": "SHAREPOINT", "sharePointLocation": map[string]any{"url": "https://example.sharepoint.com/sites/ops/rollback.docx"}},
				Metadata: meta("DSSP000005")},
			{Text: "Custom connector rollback note.",
				Location: map[string]any{"type": "CUSTOM", "customDocumentLocation": map[string]any{"id": "doc-42"}},
				Metadata: meta("DSCU000006")},
			{Text: "Kendra indexed rollback FAQ.",
				Location: map[string]any{"type": "KENDRA", "kendraDocumentLocation": map[string]any{"uri": "https://kendra.example.com/faq/rollback"}},
				Metadata: meta("DSKE000007")},
			{Text: "service=checkout\nchange=rollback", ContentType: "ROW",
				Location: map[string]any{"type": "SQL", "sqlLocation": map[string]any{"query": "SELECT service, rollbacks FROM deploys"}},
				Metadata: nil},
		},
	})
	f.AddKnowledgeBase(KnowledgeBase{
		ID: SampleHRKB, Name: "hr-policies", Description: "HR policies",
		Tags:        map[string]string{SampleTagKey: "true"},
		DataSources: []DataSource{{ID: "DSHR000001", Name: "hr-bucket", Type: "S3", BucketARN: "arn:aws:s3:::kmcp-hr-bucket"}},
		Chunks: []Chunk{{Text: "Vacation policy: twenty five days of leave.",
			Location: map[string]any{"type": "S3", "s3Location": map[string]any{"uri": "s3://kmcp-hr-bucket/vacation.md"}},
			Metadata: meta("DSHR000001")}},
	})
	f.AddKnowledgeBase(KnowledgeBase{
		ID: SampleUntaggedKB, Name: "secrets", Tags: map[string]string{SampleTagKey: "True"},
		Chunks: []Chunk{{Text: "Secret rollback codes.", Metadata: meta("DSX")}},
	})
	f.PutObject(SampleBucket, "guides/deploy.md", Object{ContentType: "text/markdown", Body: []byte("# Deployment guide\n\nKangaroos hop across the outback. The deployment guide explains rollback.\n")})
	f.PutObject(SampleBucket, "guides/rollback.txt", Object{ContentType: "binary/octet-stream", Body: []byte("Rollback restores the previous task definition when the circuit breaker trips.\n")})
	f.PutObject(SampleBucket, "guides/manual.pdf", Object{ContentType: "application/pdf", Body: []byte("%PDF-1.7 binary")})
	f.PutObject(SampleBucket, "guides/empty.txt", Object{ContentType: "text/plain"})
	f.PutObject("other-bucket", "secret.txt", Object{ContentType: "text/plain", Body: []byte("not for you")})
}
