package bedrock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// textExtensions are read as text when S3 does not say the type.
var textExtensions = []string{".txt", ".md", ".markdown", ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".xml", ".html", ".htm",
	".yaml", ".yml", ".rst", ".log", ".adoc", ".tex", ".ini", ".toml", ".sql", ".py", ".go", ".js", ".ts", ".java", ".sh"}

// GetDocument reads the text of an s3:// source document of a served
// knowledge base, up to MaxDocumentBytes (longer documents come back
// truncated and marked so). Only text types are read; other locations and
// binary documents get an error that says what to do instead.
func (b *Backend) GetDocument(ctx context.Context, knowledgeBaseID, uri string) (*kb.Document, error) {
	ctx, cancel := b.withDeadline(ctx)
	defer cancel()
	if strings.TrimSpace(knowledgeBaseID) != "" {
		id, err := b.resolveKnowledgeBase(ctx, knowledgeBaseID)
		if err != nil {
			return nil, err
		}
		knowledgeBaseID = id
	}
	bucket, key, err := parseS3URI(uri)
	if err != nil {
		return nil, err
	}
	if err := b.checkBucket(ctx, knowledgeBaseID, bucket); err != nil {
		return nil, err
	}
	limit := b.settings.MaxDocumentBytes
	resource := fmt.Sprintf("arn:%s:s3:::%s/%s", b.partition(), bucket, key)
	out, err := call(ctx, b, action{Action: "s3:GetObject", Resource: resource, Hint: "a bucket encrypted with a customer managed KMS key also needs kms:Decrypt on that key"},
		func(ctx context.Context) (*s3.GetObjectOutput, error) {
			return b.objects.GetObject(ctx, &s3.GetObjectInput{
				Bucket: aws.String(bucket),
				Key:    aws.String(key),
				Range:  aws.String(fmt.Sprintf("bytes=0-%d", limit-1)),
			})
		})
	if err != nil {
		if !errors.Is(err, kb.ErrInvalidArgument) || !strings.Contains(err.Error(), "InvalidRange") {
			return nil, fmt.Errorf("get document %s: %w", uri, err)
		}
		// An empty object has no byte 0: S3 answers InvalidRange.
		return &kb.Document{URI: uri, Title: path.Base(key), MIMEType: mimeFor("", key), Text: ""}, nil
	}
	defer out.Body.Close()
	mimeType := mimeFor(aws.ToString(out.ContentType), key)
	if !isText(mimeType) {
		return nil, fmt.Errorf("get document %s: %w: it is %s, and get_document returns text documents only; search_knowledge_base returns the passages Bedrock extracted from it",
			uri, kb.ErrInvalidArgument, mimeType)
	}
	data, err := io.ReadAll(io.LimitReader(out.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("get document %s: %w: reading the object failed: %v", uri, kb.ErrUnavailable, err)
	}
	size := int64(len(data))
	if total, ok := totalSize(aws.ToString(out.ContentRange)); ok {
		size = total
	}
	truncated := size > int64(len(data))
	if truncated {
		// Cut at a character boundary.
		for len(data) > 0 && !utf8.Valid(data) {
			data = data[:len(data)-1]
		}
	}
	if !utf8.Valid(data) || slices.Contains(data, 0) {
		return nil, fmt.Errorf("get document %s: %w: its content is not UTF-8 text although S3 calls it %s; get_document returns text documents only",
			uri, kb.ErrInvalidArgument, mimeType)
	}
	doc := &kb.Document{
		URI:       uri,
		Title:     path.Base(key),
		MIMEType:  mimeType,
		Text:      string(data),
		SizeBytes: size,
		Truncated: truncated,
	}
	if len(out.Metadata) > 0 || out.LastModified != nil {
		doc.Metadata = map[string]any{}
		for k, v := range out.Metadata {
			doc.Metadata[k] = v
		}
		if out.LastModified != nil {
			doc.Metadata["last_modified"] = out.LastModified.UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	return doc, nil
}

// parseS3URI splits s3://bucket/key.
func parseS3URI(uri string) (bucket, key string, err error) {
	uri = strings.TrimSpace(uri)
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		kind := "not an s3:// URI"
		if i := strings.Index(uri, ":"); i > 0 && !strings.Contains(uri[:i], "/") {
			kind = "a " + uri[:i] + ": location"
		}
		return "", "", fmt.Errorf("uri: %w: get_document on Bedrock reads s3:// locations only, and %q is %s; open web, Confluence, SharePoint or Salesforce URLs in their own systems, and use the passages search_knowledge_base returned for the rest",
			kb.ErrInvalidArgument, uri, kind)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" || key == "" || strings.HasSuffix(key, "/") {
		return "", "", fmt.Errorf("uri: %w: %q is not an object location; use s3://BUCKET/KEY as search results give it", kb.ErrInvalidArgument, uri)
	}
	return bucket, key, nil
}

// checkBucket allows the operator's buckets, else the buckets of the S3
// data sources of the knowledge base (or of every served one).
func (b *Backend) checkBucket(ctx context.Context, knowledgeBaseID, bucket string) error {
	if allowed := b.settings.DocumentBuckets; len(allowed) > 0 {
		if slices.Contains(allowed, bucket) {
			return nil
		}
		return fmt.Errorf("uri: %w: bucket %s is not one get_document may read (DOCUMENT_BUCKETS: %s)", kb.ErrPermission, bucket, strings.Join(allowed, ", "))
	}
	var ids []string
	if strings.TrimSpace(knowledgeBaseID) != "" {
		id, err := b.resolveKnowledgeBase(ctx, knowledgeBaseID)
		if err != nil {
			return err
		}
		ids = []string{id}
	} else {
		var err error
		if ids, err = b.catalog.allowed(ctx); err != nil {
			return err
		}
	}
	var buckets []string
	for _, id := range ids {
		si, err := b.catalog.dataSources(ctx, id)
		if err != nil {
			return fmt.Errorf("uri: finding the buckets of knowledge base %s: %w (or set DOCUMENT_BUCKETS)", id, err)
		}
		for _, bk := range si.buckets {
			if bk == bucket {
				return nil
			}
			buckets = append(buckets, bk)
		}
	}
	if len(buckets) == 0 {
		return fmt.Errorf("uri: %w: bucket %s is not a data source of the served knowledge bases, which have no S3 data source", kb.ErrPermission, bucket)
	}
	return fmt.Errorf("uri: %w: bucket %s is not a data source of the served knowledge bases (their buckets: %s); the operator can allow others with DOCUMENT_BUCKETS",
		kb.ErrPermission, bucket, strings.Join(buckets, ", "))
}

// mimeFor is S3's content type unless it is the generic binary one, then the
// type of the key's extension.
func mimeFor(contentType, key string) string {
	ct, _, _ := mime.ParseMediaType(contentType)
	switch ct {
	case "", "binary/octet-stream", "application/octet-stream":
		ext := strings.ToLower(path.Ext(key))
		switch ext {
		case ".md", ".markdown":
			return "text/markdown"
		case ".yaml", ".yml":
			return "application/yaml"
		case ".jsonl", ".ndjson":
			return "application/x-ndjson"
		}
		if t := mime.TypeByExtension(ext); t != "" {
			t, _, _ = mime.ParseMediaType(t)
			return t
		}
		if slices.Contains(textExtensions, ext) {
			return "text/plain"
		}
		if ct == "" {
			return "application/octet-stream"
		}
	}
	return ct
}

func isText(mimeType string) bool {
	switch {
	case strings.HasPrefix(mimeType, "text/"),
		strings.HasSuffix(mimeType, "+json"), strings.HasSuffix(mimeType, "+xml"):
		return true
	}
	switch mimeType {
	case "application/json", "application/xml", "application/yaml", "application/x-yaml", "application/x-ndjson",
		"application/javascript", "application/sql", "application/toml", "application/x-sh":
		return true
	}
	return false
}

// totalSize reads the total of a Content-Range "bytes 0-99/1234".
func totalSize(contentRange string) (int64, bool) {
	i := strings.LastIndex(contentRange, "/")
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(contentRange[i+1:], 10, 64)
	return n, err == nil
}
