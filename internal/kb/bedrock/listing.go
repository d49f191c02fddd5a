package bedrock

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

var _ kb.DocumentLister = (*Backend)(nil)

// documentListingTypes are the data source types whose documents
// ListKnowledgeBaseDocuments can enumerate; crawled sources (web,
// Confluence, SharePoint, Salesforce) are skipped.
var documentListingTypes = []string{"S3", "CUSTOM"}

// absentStatuses are document statuses that mean the document is not (or
// no longer) searchable.
var absentStatuses = []string{"DELETING", "DELETE_IN_PROGRESS", "NOT_FOUND"}

// ListDocuments lists the documents of a served knowledge base, data source
// after data source, through bedrock-agent ListKnowledgeBaseDocuments. The
// cursor is "INDEX|TOKEN": the data source to continue with and its
// nextToken.
func (b *Backend) ListDocuments(ctx context.Context, knowledgeBaseID, cursor string, limit int) ([]kb.DocumentInfo, string, error) {
	if limit < 1 {
		limit = 100
	}
	ctx, cancel := b.withDeadline(ctx)
	defer cancel()
	id, err := b.resolveKnowledgeBase(ctx, knowledgeBaseID)
	if err != nil {
		return nil, "", err
	}
	start, token, err := parseCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	si, err := b.catalog.dataSources(ctx, id)
	if err != nil {
		return nil, "", fmt.Errorf("list documents of %s: %w", id, err)
	}
	var docs []kb.DocumentInfo
	for i := start; i < len(si.sources); i++ {
		ds := si.sources[i]
		if !slices.Contains(documentListingTypes, ds.Type) {
			token = ""
			continue
		}
		for {
			if len(docs) >= limit {
				return docs, formatCursor(i, token), nil
			}
			in := &bedrockagent.ListKnowledgeBaseDocumentsInput{
				KnowledgeBaseId: aws.String(id), DataSourceId: aws.String(ds.ID),
				MaxResults: aws.Int32(int32(min(limit-len(docs), 1000))),
			}
			if token != "" {
				in.NextToken = aws.String(token)
			}
			out, err := call(ctx, b, action{Action: "bedrock:ListKnowledgeBaseDocuments", Resource: b.knowledgeBaseARN(id), KnowledgeBaseID: id},
				func(ctx context.Context) (*bedrockagent.ListKnowledgeBaseDocumentsOutput, error) {
					return b.agent.ListKnowledgeBaseDocuments(ctx, in)
				})
			if err != nil {
				return nil, "", fmt.Errorf("list documents of %s, data source %s: %w", id, ds.ID, err)
			}
			for _, d := range out.DocumentDetails {
				if slices.Contains(absentStatuses, string(d.Status)) || d.Identifier == nil {
					continue
				}
				var uri string
				switch {
				case d.Identifier.S3 != nil:
					uri = aws.ToString(d.Identifier.S3.Uri)
				case d.Identifier.Custom != nil:
					uri = "custom:" + aws.ToString(d.Identifier.Custom.Id)
				}
				if uri == "" {
					continue
				}
				docs = append(docs, kb.DocumentInfo{KnowledgeBaseID: id, URI: uri, Title: path.Base(uri), MIMEType: mimeFor("", uri)})
			}
			token = aws.ToString(out.NextToken)
			if token == "" {
				break
			}
		}
	}
	return docs, "", nil
}

func formatCursor(i int, token string) string { return strconv.Itoa(i) + "|" + token }

func parseCursor(cursor string) (int, string, error) {
	if cursor == "" {
		return 0, "", nil
	}
	n, token, ok := strings.Cut(cursor, "|")
	i, err := strconv.Atoi(n)
	if !ok || err != nil || i < 0 {
		return 0, "", fmt.Errorf("cursor: %w: %q is not a cursor this server gave; start again without one", kb.ErrInvalidArgument, cursor)
	}
	return i, token, nil
}
