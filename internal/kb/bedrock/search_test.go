package bedrock_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock/awsfake"
)

func mustFilter(t *testing.T, s string) *kb.Filter {
	t.Helper()
	f, err := kb.ParseFilter([]byte(s))
	if err != nil {
		t.Fatalf("filter %s: %v", s, err)
	}
	return f
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// TestSearchSendsEveryRetrieveOption checks the Retrieve request body the
// real SDK puts on the wire for each option, and what comes back.
func TestSearchSendsEveryRetrieveOption(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*bedrock.Options)
		query    func(t *testing.T) kb.Query
		wantConf string // retrievalConfiguration.vectorSearchConfiguration
		wantBody map[string]string
		wantURIs []string
	}{
		{
			name:     "defaults",
			query:    func(*testing.T) kb.Query { return kb.Query{Text: "rollback"} },
			wantConf: `{"numberOfResults":5}`,
		},
		{
			name:     "max results and search type",
			query:    func(*testing.T) kb.Query { return kb.Query{Text: "rollback", MaxResults: 2, SearchType: "semantic"} },
			wantConf: `{"numberOfResults":2,"overrideSearchType":"SEMANTIC"}`,
		},
		{
			name: "filter of every comparison passes through unchanged",
			query: func(t *testing.T) kb.Query {
				return kb.Query{Text: "rollback", Filter: mustFilter(t, `{"orAll":[
					{"andAll":[{"equals":{"key":"team","value":"platform"}},{"greaterThanOrEquals":{"key":"year","value":2024}}]},
					{"andAll":[{"notEquals":{"key":"team","value":"x"}},{"greaterThan":{"key":"year","value":2030}}]},
					{"andAll":[{"lessThan":{"key":"year","value":1}},{"lessThanOrEquals":{"key":"year","value":2}}]},
					{"andAll":[{"in":{"key":"team","value":["a","b"]}},{"notIn":{"key":"team","value":["c"]}}]},
					{"andAll":[{"startsWith":{"key":"team","value":"pla"}},{"listContains":{"key":"tags","value":"never"}}]},
					{"stringContains":{"key":"team","value":"nope"}}]}`)}
			},
			wantConf: `{"numberOfResults":5,"filter":{"orAll":[
					{"andAll":[{"equals":{"key":"team","value":"platform"}},{"greaterThanOrEquals":{"key":"year","value":2024}}]},
					{"andAll":[{"notEquals":{"key":"team","value":"x"}},{"greaterThan":{"key":"year","value":2030}}]},
					{"andAll":[{"lessThan":{"key":"year","value":1}},{"lessThanOrEquals":{"key":"year","value":2}}]},
					{"andAll":[{"in":{"key":"team","value":["a","b"]}},{"notIn":{"key":"team","value":["c"]}}]},
					{"andAll":[{"startsWith":{"key":"team","value":"pla"}},{"listContains":{"key":"tags","value":"never"}}]},
					{"stringContains":{"key":"team","value":"nope"}}]}}`,
			wantURIs: []string{"s3://kmcp-docs-bucket/guides/deploy.md"},
		},
		{
			name: "data source ids joined to the filter through andAll",
			query: func(t *testing.T) kb.Query {
				return kb.Query{Text: "rollback", DataSourceIDs: []string{awsfake.SampleS3DataSource, " ", awsfake.SampleWebDataSource},
					Filter: mustFilter(t, `{"greaterThan":{"key":"year","value":2022}}`)}
			},
			wantConf: `{"numberOfResults":5,"filter":{"andAll":[{"greaterThan":{"key":"year","value":2022}},
				{"in":{"key":"x-amz-bedrock-kb-data-source-id","value":["DSS3000001","DSWEB00002"]}}]}}`,
			wantURIs: []string{"s3://kmcp-docs-bucket/guides/deploy.md", "https://example.com/docs/rollback"},
		},
		{
			name: "one data source id alone",
			query: func(*testing.T) kb.Query {
				return kb.Query{Text: "rollback", DataSourceIDs: []string{awsfake.SampleWebDataSource}}
			},
			wantConf: `{"numberOfResults":5,"filter":{"equals":{"key":"x-amz-bedrock-kb-data-source-id","value":"DSWEB00002"}}}`,
			wantURIs: []string{"https://example.com/docs/rollback"},
		},
		{
			name:   "reranking asked for, model id placed in the reranker region",
			mutate: func(s *bedrock.Options) { s.RerankerModelARN = "amazon.rerank-v1:0"; s.RerankerRegion = "us-west-2" },
			query:  func(*testing.T) kb.Query { return kb.Query{Text: "rollback", MaxResults: 3, Rerank: ptr(true)} },
			wantConf: `{"numberOfResults":3,"rerankingConfiguration":{"type":"BEDROCK_RERANKING_MODEL","bedrockRerankingConfiguration":{
				"modelConfiguration":{"modelArn":"arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0"},"numberOfRerankedResults":3}}}`,
		},
		{
			name: "reranking by default, turned off by the caller",
			mutate: func(s *bedrock.Options) {
				s.RerankerModelARN = "arn:aws:bedrock:us-east-1::foundation-model/cohere.rerank-v3-5:0"
				s.RerankByDefault = true
			},
			query:    func(*testing.T) kb.Query { return kb.Query{Text: "rollback", Rerank: ptr(false)} },
			wantConf: `{"numberOfResults":5}`,
		},
		{
			name: "reranking by default with the operator's reranked count",
			mutate: func(s *bedrock.Options) {
				s.RerankerModelARN = "arn:aws:bedrock:us-east-1::foundation-model/cohere.rerank-v3-5:0"
				s.RerankByDefault = true
				s.RerankedResults = 2
			},
			query: func(*testing.T) kb.Query { return kb.Query{Text: "rollback"} },
			wantConf: `{"numberOfResults":5,"rerankingConfiguration":{"type":"BEDROCK_RERANKING_MODEL","bedrockRerankingConfiguration":{
				"modelConfiguration":{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/cohere.rerank-v3-5:0"},"numberOfRerankedResults":2}}}`,
		},
		{
			name: "implicit filtering from the operator",
			mutate: func(s *bedrock.Options) {
				s.ImplicitFilterModelARN = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"
				s.ImplicitFilter = []bedrock.MetadataAttribute{{Key: "team", Type: "STRING", Description: "owning team"}, {Key: "year", Type: "NUMBER", Description: "year written"}}
			},
			query: func(*testing.T) kb.Query { return kb.Query{Text: "rollback"} },
			wantConf: `{"numberOfResults":5,"implicitFilterConfiguration":{
				"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0",
				"metadataAttributes":[{"key":"team","type":"STRING","description":"owning team"},{"key":"year","type":"NUMBER","description":"year written"}]}}`,
		},
		{
			name:     "guardrail from the operator",
			mutate:   func(s *bedrock.Options) { s.GuardrailID = "gr-123"; s.GuardrailVersion = "DRAFT" },
			query:    func(*testing.T) kb.Query { return kb.Query{Text: "rollback"} },
			wantConf: `{"numberOfResults":5}`,
			wantBody: map[string]string{"guardrailConfiguration": `{"guardrailId":"gr-123","guardrailVersion":"DRAFT"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := startFake(t)
			b := newBackend(t, tt.mutate)
			res, err := b.Search(context.Background(), tt.query(t))
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			reqs := fake.Requests(awsfake.OpRetrieve)
			if len(reqs) != 1 {
				t.Fatalf("Retrieve calls = %d, want 1", len(reqs))
			}
			if reqs[0].Path != "/knowledgebases/"+awsfake.SampleKB+"/retrieve" {
				t.Errorf("path = %s", reqs[0].Path)
			}
			body := reqs[0].Body
			if got := body["retrievalQuery"]; !reflect.DeepEqual(got, jsonValue(t, `{"text":"rollback"}`)) {
				t.Errorf("retrievalQuery = %v", got)
			}
			got := body["retrievalConfiguration"].(map[string]any)["vectorSearchConfiguration"]
			if want := jsonValue(t, tt.wantConf); !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("vectorSearchConfiguration:\n got %s\nwant %s", g, w)
			}
			for k, v := range tt.wantBody {
				if !reflect.DeepEqual(body[k], jsonValue(t, v)) {
					t.Errorf("%s = %v, want %s", k, body[k], v)
				}
			}
			if tt.wantBody["guardrailConfiguration"] != "" && res.GuardrailAction != "NONE" {
				t.Errorf("guardrail action = %q, want NONE", res.GuardrailAction)
			}
			if tt.wantURIs != nil {
				var uris []string
				for _, r := range res.Results {
					uris = append(uris, r.URI)
				}
				if !reflect.DeepEqual(uris, tt.wantURIs) {
					t.Errorf("URIs = %q, want %q", uris, tt.wantURIs)
				}
			}
			noProblems(t, fake)
		})
	}
}

// TestSearchMapsEveryLocationType checks URI, type, score, title and
// metadata of results of every location type.
func TestSearchMapsEveryLocationType(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, nil)
	res, err := b.Search(context.Background(), kb.Query{Text: "rollback", MaxResults: 20})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"S3":         "s3://kmcp-docs-bucket/guides/deploy.md",
		"WEB":        "https://example.com/docs/rollback",
		"CONFLUENCE": "https://wiki.example.com/display/OPS/Rollback",
		"SALESFORCE": "https://example.my.salesforce.com/500XX",
		"SHAREPOINT": "https://example.sharepoint.com/sites/ops/rollback.docx",
		"CUSTOM":     "custom:doc-42",
		"KENDRA":     "https://kendra.example.com/faq/rollback",
		"SQL":        "sql:SELECT service, rollbacks FROM deploys",
	}
	got := map[string]kb.Result{}
	for _, r := range res.Results {
		if r.KnowledgeBaseID != awsfake.SampleKB {
			t.Errorf("result %s: knowledge base %q", r.URI, r.KnowledgeBaseID)
		}
		if r.Score <= 0 || r.Score > 1 {
			t.Errorf("result %s: score %v", r.URI, r.Score)
		}
		if _, seen := got[r.LocationType]; !seen {
			got[r.LocationType] = r
		}
	}
	for typ, uri := range want {
		r, ok := got[typ]
		if !ok {
			t.Errorf("no %s result", typ)
			continue
		}
		if r.URI != uri {
			t.Errorf("%s: URI %q, want %q", typ, r.URI, uri)
		}
	}
	sql := got["SQL"]
	if sql.ContentType != "ROW" || sql.Text != "service: checkout\nchange: rollback" {
		t.Errorf("SQL row: type %q text %q", sql.ContentType, sql.Text)
	}
	if r := got["WEB"]; r.Metadata["year"] != 2025.0 || r.Metadata["x-amz-bedrock-kb-data-source-id"] != awsfake.SampleWebDataSource || r.Title != "rollback" {
		t.Errorf("WEB metadata %v title %q", r.Metadata, r.Title)
	}
	first := res.Results[0]
	if first.Title != "Deployment guide" || !reflect.DeepEqual(first.Metadata["tags"], []any{"deploy", "ops"}) {
		t.Errorf("metadata title or list lost: %q %v", first.Title, first.Metadata)
	}
	noProblems(t, fake)
}

// TestSearchPaginates follows next tokens to the end without repeats.
func TestSearchPaginates(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, nil)
	seen := map[string]bool{}
	token, pages := "", 0
	for {
		res, err := b.Search(context.Background(), kb.Query{Text: "rollback", MaxResults: 3, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range res.Results {
			key := r.URI + "|" + r.Text
			if seen[key] {
				t.Errorf("page %d repeats %s", pages, key)
			}
			seen[key] = true
		}
		if res.NextToken == "" {
			break
		}
		token = res.NextToken
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if pages != 3 || len(seen) != 9 {
		t.Errorf("pages = %d, results = %d; want 3 pages, 9 results", pages, len(seen))
	}
	reqs := fake.Requests(awsfake.OpRetrieve)
	if reqs[1].Body["nextToken"] != "page-3" {
		t.Errorf("second request nextToken = %v", reqs[1].Body["nextToken"])
	}
	if ua := reqs[0].Header.Get("User-Agent"); !strings.Contains(ua, "app/knowledge-mcp") {
		t.Errorf("User-Agent %q does not name the application (it shows in CloudTrail)", ua)
	}
	noProblems(t, fake)
}

// TestKnowledgeBaseAllowlist checks that ids are resolved against the
// operator's list and nothing outside it reaches AWS.
func TestKnowledgeBaseAllowlist(t *testing.T) {
	tests := []struct {
		name      string
		ids       []string
		requested string
		wantKB    string
		wantErr   error
		wantText  []string
	}{
		{name: "one configured, none asked", ids: []string{awsfake.SampleKB}, wantKB: awsfake.SampleKB},
		{name: "asked by ARN", ids: []string{awsfake.SampleKB}, requested: "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/" + awsfake.SampleKB, wantKB: awsfake.SampleKB},
		{name: "placeholder", ids: []string{awsfake.SampleKB}, requested: "YOUR_KNOWLEDGE_BASE_ID", wantErr: kb.ErrNotFound,
			wantText: []string{"placeholder", awsfake.SampleKB, "leave knowledge_base_id out"}},
		{name: "real but not allowed", ids: []string{awsfake.SampleKB}, requested: awsfake.SampleUntaggedKB, wantErr: kb.ErrNotFound,
			wantText: []string{awsfake.SampleUntaggedKB, "not served", awsfake.SampleKB}},
		{name: "several configured, none asked", ids: []string{awsfake.SampleKB, awsfake.SampleHRKB}, wantErr: kb.ErrInvalidArgument,
			wantText: []string{"choose one", awsfake.SampleKB, awsfake.SampleHRKB}},
		{name: "several configured, one asked", ids: []string{awsfake.SampleKB, awsfake.SampleHRKB}, requested: awsfake.SampleHRKB, wantKB: awsfake.SampleHRKB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := startFake(t)
			b := newBackend(t, func(s *bedrock.Options) { s.KnowledgeBaseIDs = tt.ids })
			_, err := b.Search(context.Background(), kb.Query{Text: "rollback", KnowledgeBaseID: tt.requested})
			reqs := fake.Requests(awsfake.OpRetrieve)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				for _, s := range tt.wantText {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				if len(reqs) != 0 {
					t.Errorf("Retrieve was called %d times for a refused id", len(reqs))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(reqs) != 1 || reqs[0].Path != "/knowledgebases/"+tt.wantKB+"/retrieve" {
				t.Errorf("requests = %+v, want one to %s", reqs, tt.wantKB)
			}
		})
	}
}

// TestDiscoveryByTag serves exactly the knowledge bases tagged "true",
// following list pagination, and refuses the others.
func TestDiscoveryByTag(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, func(s *bedrock.Options) { s.KnowledgeBaseIDs = nil })
	list, err := b.ListKnowledgeBases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range list {
		ids = append(ids, k.ID)
	}
	if want := []string{awsfake.SampleKB, awsfake.SampleHRKB}; !reflect.DeepEqual(ids, want) {
		t.Errorf("discovered %q, want %q (the tag value must be exactly \"true\")", ids, want)
	}
	if n := fake.Calls(awsfake.OpListKnowledgeBases); n != 2 {
		t.Errorf("ListKnowledgeBases calls = %d, want 2 (page size 2, 3 knowledge bases)", n)
	}
	if _, err := b.Search(context.Background(), kb.Query{Text: "codes", KnowledgeBaseID: awsfake.SampleUntaggedKB}); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("search of an untagged knowledge base: %v, want ErrNotFound", err)
	}
	// Cached: a second listing does not discover again.
	if _, err := b.ListKnowledgeBases(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := fake.Calls(awsfake.OpListKnowledgeBases); n != 2 {
		t.Errorf("ListKnowledgeBases calls after a cached listing = %d, want 2", n)
	}
	noProblems(t, fake)
}

// TestListKnowledgeBasesWithDataSources lists names, status and data
// sources with their types, and degrades when describing is refused.
func TestListKnowledgeBasesWithDataSources(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, func(s *bedrock.Options) { s.KnowledgeBaseIDs = []string{awsfake.SampleKB, awsfake.SampleHRKB} })
	list, err := b.ListKnowledgeBases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("got %d knowledge bases", len(list))
	}
	k := list[0]
	if k.Name != "product-docs" || k.Description != "Product documentation and runbooks" || k.Status != "ACTIVE" || k.Backend != "bedrock" {
		t.Errorf("knowledge base = %+v", k)
	}
	want := []kb.DataSource{
		{ID: "DSS3000001", Name: "docs-bucket", Status: "AVAILABLE", Type: "S3"},
		{ID: "DSWEB00002", Name: "public-site", Status: "AVAILABLE", Type: "WEB"},
		{ID: "DSCONF0003", Name: "wiki", Status: "AVAILABLE", Type: "CONFLUENCE"},
	}
	if !reflect.DeepEqual(k.DataSources, want) {
		t.Errorf("data sources = %+v", k.DataSources)
	}
	noProblems(t, fake)

	// Without bedrock:GetKnowledgeBase the knowledge base is still listed.
	fake2 := startFake(t)
	fake2.FailAlways(awsfake.OpGetKnowledgeBase, awsfake.AccessDenied)
	b2 := newBackend(t, nil)
	list, err = b2.ListKnowledgeBases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Status != "UNKNOWN" || !strings.Contains(list[0].Description, "bedrock:GetKnowledgeBase") {
		t.Errorf("degraded listing = %+v", list)
	}
}

// TestSearchRejectsBadInput refuses, before any AWS call, what Bedrock
// would refuse.
func TestSearchRejectsBadInput(t *testing.T) {
	tests := []struct {
		name  string
		q     kb.Query
		param string
	}{
		{"empty query", kb.Query{Text: "  "}, "query"},
		{"too long", kb.Query{Text: strings.Repeat("a", 1001)}, "query"},
		{"too many results", kb.Query{Text: "x", MaxResults: 101}, "max_results"},
		{"negative results", kb.Query{Text: "x", MaxResults: -1}, "max_results"},
		{"bad search type", kb.Query{Text: "x", SearchType: "KEYWORD"}, "search_type"},
		{"rerank without a model", kb.Query{Text: "x", Rerank: ptr(true)}, "rerank"},
		{"unknown data source", kb.Query{Text: "x", DataSourceIDs: []string{"DSNOPE"}}, "data_source_ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := startFake(t)
			b := newBackend(t, nil)
			_, err := b.Search(context.Background(), tt.q)
			if !errors.Is(err, kb.ErrInvalidArgument) || !strings.HasPrefix(err.Error(), tt.param+":") {
				t.Fatalf("err = %v, want ErrInvalidArgument naming %s", err, tt.param)
			}
			if n := fake.Calls(awsfake.OpRetrieve); n != 0 {
				t.Errorf("Retrieve called %d times", n)
			}
		})
	}
}

// TestManagedKnowledgeBase sends managedSearchConfiguration and the
// _data_source_id key to a managed knowledge base (the fake refuses
// vectorSearchConfiguration for it, as Bedrock does), and refuses what
// managed knowledge bases do not do.
func TestManagedKnowledgeBase(t *testing.T) {
	fake := startFake(t)
	fake.AddKnowledgeBase(awsfake.KnowledgeBase{ID: "KBMANAGED1", Name: "managed", Type: "MANAGED",
		DataSources: []awsfake.DataSource{{ID: "DSSHAREPT1", Name: "sharepoint", Type: "SHAREPOINT"}},
		Chunks: []awsfake.Chunk{{Text: "Managed rollback page.",
			Location: map[string]any{"type": "SHAREPOINT", "sharePointLocation": map[string]any{"url": "https://example.sharepoint.com/rollback"}},
			Metadata: map[string]any{"_data_source_id": "DSSHAREPT1"}}}})
	b := newBackend(t, func(s *bedrock.Options) { s.KnowledgeBaseIDs = []string{"KBMANAGED1"}; s.ModelARN = testModel })
	res, err := b.Search(context.Background(), kb.Query{Text: "rollback", MaxResults: 3, DataSourceIDs: []string{"DSSHAREPT1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 1 || res.Results[0].URI != "https://example.sharepoint.com/rollback" {
		t.Errorf("results = %+v", res.Results)
	}
	got := fake.Requests(awsfake.OpRetrieve)[0].Body["retrievalConfiguration"]
	want := jsonValue(t, `{"managedSearchConfiguration":{"numberOfResults":3,"filter":{"equals":{"key":"_data_source_id","value":"DSSHAREPT1"}}}}`)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("retrievalConfiguration = %v, want %v", got, want)
	}
	if _, err := b.Search(context.Background(), kb.Query{Text: "rollback", SearchType: "SEMANTIC"}); !errors.Is(err, kb.ErrInvalidArgument) || !strings.Contains(err.Error(), "HYBRID") {
		t.Errorf("search type on a managed knowledge base: %v", err)
	}
	if _, err := b.Ask(context.Background(), kb.AskQuery{Question: "rollback"}); !errors.Is(err, kb.ErrInvalidArgument) || !strings.Contains(err.Error(), "managed") {
		t.Errorf("ask on a managed knowledge base: %v", err)
	}
	if n := fake.Calls(awsfake.OpRetrieve) + fake.Calls(awsfake.OpRetrieveAndGenerate); n != 1 {
		t.Errorf("AWS calls = %d, want 1: refused requests must not reach AWS", n)
	}
	noProblems(t, fake)
}

// TestDiscoveryWithScopedPermissions skips knowledge bases whose tags may
// not be read, and reports the permission when none is left.
func TestDiscoveryWithScopedPermissions(t *testing.T) {
	fake := startFake(t)
	fake.Fail(awsfake.OpListTagsForResource, awsfake.AccessDenied) // the first knowledge base only
	b := newBackend(t, func(s *bedrock.Options) { s.KnowledgeBaseIDs = nil })
	list, err := b.ListKnowledgeBases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != awsfake.SampleHRKB {
		t.Errorf("discovered %+v, want only %s", list, awsfake.SampleHRKB)
	}

	fake2 := startFake(t)
	fake2.FailAlways(awsfake.OpListTagsForResource, awsfake.AccessDenied)
	b = newBackend(t, func(s *bedrock.Options) { s.KnowledgeBaseIDs = nil })
	_, err = b.ListKnowledgeBases(context.Background())
	if !errors.Is(err, kb.ErrPermission) || !strings.Contains(err.Error(), "bedrock:ListTagsForResource") || !strings.Contains(err.Error(), "KNOWLEDGE_BASE_IDS") {
		t.Errorf("all refused: %v", err)
	}
}

// TestPermissionRefusalsAreRemembered makes a missing bedrock-agent
// permission cost one refused call, not one per search.
func TestPermissionRefusalsAreRemembered(t *testing.T) {
	fake := startFake(t)
	fake.FailAlways(awsfake.OpGetKnowledgeBase, awsfake.AccessDenied)
	fake.FailAlways(awsfake.OpListDataSources, awsfake.AccessDenied)
	b := newBackend(t, nil)
	for range 3 {
		res, err := b.Search(context.Background(), kb.Query{Text: "rollback", DataSourceIDs: []string{awsfake.SampleWebDataSource}})
		if err != nil || len(res.Results) != 1 {
			t.Fatalf("search without bedrock-agent permissions: %v %+v", err, res)
		}
	}
	if n, m := fake.Calls(awsfake.OpGetKnowledgeBase), fake.Calls(awsfake.OpListDataSources); n != 1 || m != 1 {
		t.Errorf("GetKnowledgeBase calls = %d, ListDataSources calls = %d; want 1 each", n, m)
	}
}
