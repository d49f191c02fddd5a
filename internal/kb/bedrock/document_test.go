package bedrock_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock/awsfake"
)

// TestGetDocument reads text documents of the knowledge base's bucket and
// refuses, with a reason, everything else.
func TestGetDocument(t *testing.T) {
	tests := []struct {
		name          string
		mutate        func(*bedrock.Options)
		kbID, uri     string
		wantText      string
		wantMIME      string
		wantSize      int64
		wantTruncated bool
		wantErr       error
		wantMsg       string
		wantGets      int
	}{
		{name: "markdown", uri: "s3://kmcp-docs-bucket/guides/deploy.md", wantMIME: "text/markdown",
			wantText: "# Deployment guide\n\nKangaroos hop across the outback. The deployment guide explains rollback.\n", wantSize: 94, wantGets: 1},
		{name: "generic S3 type, text by extension", kbID: awsfake.SampleKB, uri: "s3://kmcp-docs-bucket/guides/rollback.txt", wantMIME: "text/plain",
			wantText: "Rollback restores the previous task definition when the circuit breaker trips.\n", wantSize: 79, wantGets: 1},
		{name: "capped", mutate: func(s *bedrock.Options) { s.MaxDocumentBytes = 18 }, uri: "s3://kmcp-docs-bucket/guides/deploy.md",
			wantMIME: "text/markdown", wantText: "# Deployment guide", wantSize: 94, wantTruncated: true, wantGets: 1},
		{name: "empty object", uri: "s3://kmcp-docs-bucket/guides/empty.txt", wantMIME: "text/plain", wantGets: 1},
		{name: "binary type", uri: "s3://kmcp-docs-bucket/guides/manual.pdf", wantErr: kb.ErrInvalidArgument, wantMsg: "application/pdf", wantGets: 1},
		{name: "missing object", uri: "s3://kmcp-docs-bucket/guides/nope.md", wantErr: kb.ErrNotFound, wantMsg: "NoSuchKey", wantGets: 1},
		{name: "web location", uri: "https://example.com/docs/rollback", wantErr: kb.ErrInvalidArgument, wantMsg: "s3:// locations only"},
		{name: "custom location", uri: "custom:doc-42", wantErr: kb.ErrInvalidArgument, wantMsg: "a custom: location"},
		{name: "bucket only", uri: "s3://kmcp-docs-bucket/", wantErr: kb.ErrInvalidArgument, wantMsg: "s3://BUCKET/KEY"},
		{name: "bucket of no data source", uri: "s3://other-bucket/secret.txt", wantErr: kb.ErrPermission, wantMsg: "kmcp-docs-bucket"},
		{name: "operator's bucket list", mutate: func(s *bedrock.Options) { s.DocumentBuckets = []string{"other-bucket"} },
			uri: "s3://other-bucket/secret.txt", wantMIME: "text/plain", wantText: "not for you", wantSize: 11, wantGets: 1},
		{name: "knowledge base not served", kbID: awsfake.SampleUntaggedKB, uri: "s3://kmcp-docs-bucket/guides/deploy.md", wantErr: kb.ErrNotFound, wantMsg: "not served"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := startFake(t)
			b := newBackend(t, tt.mutate)
			doc, err := b.GetDocument(context.Background(), tt.kbID, tt.uri)
			if got := fake.Calls(awsfake.OpGetObject); got != tt.wantGets {
				t.Errorf("GetObject requests = %d, want %d", got, tt.wantGets)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("err = %v, want %v mentioning %q", err, tt.wantErr, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if doc.Text != tt.wantText || doc.MIMEType != tt.wantMIME || doc.SizeBytes != tt.wantSize || doc.Truncated != tt.wantTruncated || doc.URI != tt.uri {
				t.Errorf("document = %+v", doc)
			}
			if tt.wantGets > 0 && tt.wantSize > 0 {
				if rng := fake.Requests(awsfake.OpGetObject)[0].Header.Get("Range"); !strings.HasPrefix(rng, "bytes=0-") {
					t.Errorf("Range = %q: the read is not capped", rng)
				}
			}
			noProblems(t, fake)
		})
	}
}

// TestGetDocumentAccessDenied names s3:GetObject, the object ARN and the
// task role.
func TestGetDocumentAccessDenied(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, nil)
	fake.Fail(awsfake.OpGetObject, awsfake.S3AccessDenied)
	_, err := b.GetDocument(context.Background(), "", "s3://kmcp-docs-bucket/guides/deploy.md")
	if !errors.Is(err, kb.ErrPermission) {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{"s3:GetObject", "arn:aws:s3:::kmcp-docs-bucket/guides/deploy.md", "ECS task role", "kms:Decrypt"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not mention %q: %v", s, err)
		}
	}
}

// TestListDocuments pages through the documents of the S3 data source
// (crawled sources are skipped) with the cursor the backend gives.
func TestListDocuments(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, nil)
	var uris []string
	cursor, pages := "", 0
	for {
		docs, next, err := b.ListDocuments(context.Background(), "", cursor, 1)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, d := range docs {
			if d.KnowledgeBaseID != awsfake.SampleKB {
				t.Errorf("document %+v", d)
			}
			uris = append(uris, d.URI)
		}
		if next == "" {
			break
		}
		cursor = next
		if pages > 10 {
			t.Fatal("listing does not end")
		}
	}
	want := []string{"s3://kmcp-docs-bucket/guides/deploy.md", "s3://kmcp-docs-bucket/guides/rollback.txt"}
	if strings.Join(uris, " ") != strings.Join(want, " ") {
		t.Errorf("documents = %q, want %q", uris, want)
	}
	for _, r := range fake.Requests(awsfake.OpListKnowledgeBaseDocuments) {
		if r.Path != "/knowledgebases/KBDOCS0001/datasources/DSS3000001/documents" {
			t.Errorf("listed %s: only the S3 data source can be listed", r.Path)
		}
	}
	if _, _, err := b.ListDocuments(context.Background(), "", "garbage", 10); !errors.Is(err, kb.ErrInvalidArgument) {
		t.Errorf("bad cursor: %v", err)
	}
	if _, _, err := b.ListDocuments(context.Background(), awsfake.SampleUntaggedKB, "", 10); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("knowledge base not served: %v", err)
	}
	noProblems(t, fake)
}
