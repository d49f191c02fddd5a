package awsfake

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	kbPath         = regexp.MustCompile(`^/knowledgebases/([^/]+)$`)
	dataSourcesDir = regexp.MustCompile(`^/knowledgebases/([^/]+)/datasources/$`)
	dataSourcePath = regexp.MustCompile(`^/knowledgebases/([^/]+)/datasources/([^/]+)$`)
	documentsPath  = regexp.MustCompile(`^/knowledgebases/([^/]+)/datasources/([^/]+)/documents$`)
)

// stamp is the fixed time the fake reports for creation and updates.
var stamp = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339)

func (f *Fake) routeAgent(r *http.Request) (string, handlerFunc, bool) {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && p == "/knowledgebases/":
		return OpListKnowledgeBases, func(r *http.Request, body map[string]any) (any, error) { return f.listKnowledgeBases(body) }, true
	case r.Method == http.MethodGet && kbPath.MatchString(p):
		id := kbPath.FindStringSubmatch(p)[1]
		return OpGetKnowledgeBase, func(*http.Request, map[string]any) (any, error) { return f.getKnowledgeBase(id) }, true
	case r.Method == http.MethodPost && dataSourcesDir.MatchString(p):
		id := dataSourcesDir.FindStringSubmatch(p)[1]
		return OpListDataSources, func(r *http.Request, body map[string]any) (any, error) { return f.listDataSources(id, body) }, true
	case r.Method == http.MethodPost && documentsPath.MatchString(p):
		m := documentsPath.FindStringSubmatch(p)
		return OpListKnowledgeBaseDocuments, func(r *http.Request, body map[string]any) (any, error) { return f.listDocuments(m[1], m[2], body) }, true
	case r.Method == http.MethodGet && dataSourcePath.MatchString(p):
		m := dataSourcePath.FindStringSubmatch(p)
		return OpGetDataSource, func(*http.Request, map[string]any) (any, error) { return f.getDataSource(m[1], m[2]) }, true
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/tags/"):
		arn, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/tags/"))
		if err != nil {
			return "", nil, false
		}
		return OpListTagsForResource, func(*http.Request, map[string]any) (any, error) { return f.listTags(arn) }, true
	}
	return "", nil, false
}

// page cuts items to one page of a list operation, following nextToken.
func (f *Fake) page(n int, body map[string]any) (start, end int, next string, err error) {
	size := f.PageSize
	if m, ok := body["maxResults"].(float64); ok {
		if m < 1 || m > 1000 {
			return 0, 0, "", validation("Value '%v' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000", m)
		}
		size = min(size, int(m))
	}
	if tok, ok := body["nextToken"].(string); ok {
		start, err = strconv.Atoi(strings.TrimPrefix(tok, "list-"))
		if err != nil || !strings.HasPrefix(tok, "list-") || start > n {
			return 0, 0, "", validation("Value '%s' at 'nextToken' failed to satisfy constraint: invalid token", tok)
		}
	}
	end = min(start+size, n)
	if end < n {
		next = fmt.Sprintf("list-%d", end)
	}
	return start, end, next, nil
}

func (f *Fake) listKnowledgeBases(body map[string]any) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	start, end, next, err := f.page(len(f.kbOrder), body)
	if err != nil {
		return nil, err
	}
	summaries := []any{}
	for _, id := range f.kbOrder[start:end] {
		k := f.kbs[id]
		summaries = append(summaries, map[string]any{
			"knowledgeBaseId": k.ID, "name": k.Name, "description": k.Description, "status": k.Status, "updatedAt": stamp,
		})
	}
	out := map[string]any{"knowledgeBaseSummaries": summaries}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func (f *Fake) getKnowledgeBase(id string) (any, error) {
	k, err := f.knowledgeBase(id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"knowledgeBase": map[string]any{
		"knowledgeBaseId":  k.ID,
		"knowledgeBaseArn": f.KnowledgeBaseARN(k.ID),
		"name":             k.Name,
		"description":      k.Description,
		"status":           k.Status,
		"roleArn":          fmt.Sprintf("arn:aws:iam::%s:role/service-role/AmazonBedrockExecutionRoleForKnowledgeBase", f.Account),
		"createdAt":        stamp,
		"updatedAt":        stamp,
		"knowledgeBaseConfiguration": map[string]any{
			"type": k.Type,
		},
	}}, nil
}

func (f *Fake) listDataSources(id string, body map[string]any) (any, error) {
	k, err := f.knowledgeBase(id)
	if err != nil {
		return nil, err
	}
	start, end, next, err := f.page(len(k.DataSources), body)
	if err != nil {
		return nil, err
	}
	summaries := []any{}
	for _, ds := range k.DataSources[start:end] {
		summaries = append(summaries, map[string]any{
			"dataSourceId": ds.ID, "knowledgeBaseId": k.ID, "name": ds.Name, "status": statusOr(ds.Status), "updatedAt": stamp,
		})
	}
	out := map[string]any{"dataSourceSummaries": summaries}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func statusOr(s string) string {
	if s == "" {
		return "AVAILABLE"
	}
	return s
}

func (f *Fake) getDataSource(kbID, dsID string) (any, error) {
	k, err := f.knowledgeBase(kbID)
	if err != nil {
		return nil, err
	}
	for _, ds := range k.DataSources {
		if ds.ID != dsID {
			continue
		}
		conf := map[string]any{"type": ds.Type}
		if ds.Type == "S3" {
			conf["s3Configuration"] = map[string]any{"bucketArn": ds.BucketARN}
		}
		return map[string]any{"dataSource": map[string]any{
			"dataSourceId": ds.ID, "knowledgeBaseId": k.ID, "name": ds.Name, "status": statusOr(ds.Status),
			"createdAt": stamp, "updatedAt": stamp, "dataSourceConfiguration": conf,
		}}, nil
	}
	return nil, notFound("Data source %s does not exist in knowledge base %s", dsID, kbID)
}

func (f *Fake) listTags(arn string) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.kbs {
		if f.KnowledgeBaseARN(k.ID) == arn {
			tags := map[string]string{}
			for key, v := range k.Tags {
				tags[key] = v
			}
			return map[string]any{"tags": tags}, nil
		}
	}
	return nil, notFound("Resource %s does not exist", arn)
}

// listDocuments lists the documents of one data source: the distinct S3
// and custom locations of its chunks.
func (f *Fake) listDocuments(kbID, dsID string, body map[string]any) (any, error) {
	k, err := f.knowledgeBase(kbID)
	if err != nil {
		return nil, err
	}
	var ds *DataSource
	for i := range k.DataSources {
		if k.DataSources[i].ID == dsID {
			ds = &k.DataSources[i]
		}
	}
	if ds == nil {
		return nil, notFound("Data source %s does not exist in knowledge base %s", dsID, kbID)
	}
	if ds.Type != "S3" && ds.Type != "CUSTOM" {
		return nil, validation("ListKnowledgeBaseDocuments supports S3 and CUSTOM data sources, not %s", ds.Type)
	}
	var docs []any
	seen := map[string]bool{}
	for _, c := range k.Chunks {
		if c.Metadata["x-amz-bedrock-kb-data-source-id"] != dsID || c.Location == nil {
			continue
		}
		var ident map[string]any
		if s3, ok := c.Location["s3Location"].(map[string]any); ok {
			ident = map[string]any{"dataSourceType": "S3", "s3": map[string]any{"uri": s3["uri"]}}
		} else if cu, ok := c.Location["customDocumentLocation"].(map[string]any); ok {
			ident = map[string]any{"dataSourceType": "CUSTOM", "custom": map[string]any{"id": cu["id"]}}
		} else {
			continue
		}
		key := fmt.Sprint(ident)
		if seen[key] {
			continue
		}
		seen[key] = true
		docs = append(docs, map[string]any{"knowledgeBaseId": kbID, "dataSourceId": dsID, "identifier": ident, "status": "INDEXED", "updatedAt": stamp})
	}
	start, end, next, err := f.page(len(docs), body)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"documentDetails": append([]any{}, docs[start:end]...)}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}
