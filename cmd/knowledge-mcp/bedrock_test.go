package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock/awsfake"
	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

// bedrockFake starts the fake AWS services with the sample, and returns the
// environment that points the binary at them.
func bedrockFake(t *testing.T) (*awsfake.Fake, []string) {
	t.Helper()
	fake := awsfake.New()
	t.Cleanup(fake.Close)
	awsfake.Seed(fake)
	var env []string
	for k, v := range fake.Env() {
		env = append(env, k+"="+v)
	}
	return fake, env
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// callTool calls a tool and decodes its structured content into out.
func callTool(t *testing.T, ctx context.Context, cs *mcp.ClientSession, name string, args map[string]any, out any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	if out != nil && !res.IsError {
		data, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s: structured content %s: %v", name, data, err)
		}
	}
	return res
}

func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// TestBedrockServeOverMCP runs the real binary with --backend bedrock
// against the fake AWS services and drives every knowledge-base tool with
// the Go SDK client, faults included.
func TestBedrockServeOverMCP(t *testing.T) {
	fake, env := bedrockFake(t)
	model := "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0"
	srv := testbin.Start(t, env, "--backend", "bedrock",
		"--knowledge-base-id", awsfake.SampleKB+","+awsfake.SampleHRKB,
		"--model-arn", model, "--aws-max-backoff", "20ms", "--aws-call-timeout", "2s")

	if code, body := getBody(t, srv.URL+"/readyz"); code != 200 {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	cs, ctx := connect(t, srv.URL)

	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	for _, want := range []string{"search_knowledge_base", "list_knowledge_bases", "get_document", "ask_knowledge_base"} {
		if !slices.Contains(names, want) {
			t.Fatalf("tool %s not offered (tools: %v); the MCP tools come from the tools branch", want, names)
		}
	}

	t.Run("list_knowledge_bases", func(t *testing.T) {
		var out struct {
			KnowledgeBases []struct {
				ID, Name, Backend, Status string
				DataSources               []struct{ ID, Type string } `json:"data_sources"`
			} `json:"knowledge_bases"`
		}
		if res := callTool(t, ctx, cs, "list_knowledge_bases", map[string]any{}, &out); res.IsError {
			t.Fatal(resultText(res))
		}
		if len(out.KnowledgeBases) != 2 || out.KnowledgeBases[0].ID != awsfake.SampleKB || out.KnowledgeBases[0].Name != "product-docs" ||
			out.KnowledgeBases[0].Backend != "bedrock" || out.KnowledgeBases[0].Status != "ACTIVE" || len(out.KnowledgeBases[0].DataSources) != 3 ||
			out.KnowledgeBases[0].DataSources[0].Type != "S3" {
			t.Errorf("list = %+v", out)
		}
	})

	var firstURI string
	t.Run("search_knowledge_base", func(t *testing.T) {
		var out struct {
			Results []struct {
				URI, Text, Title string
				LocationType     string         `json:"location_type"`
				Metadata         map[string]any `json:"metadata"`
				Score            float64
			}
			NextToken string `json:"next_token"`
		}
		res := callTool(t, ctx, cs, "search_knowledge_base", map[string]any{
			"query": "rollback", "knowledge_base_id": awsfake.SampleKB, "max_results": 1, "search_type": "SEMANTIC",
			"filter":          map[string]any{"greaterThanOrEquals": map[string]any{"key": "year", "value": 2021}},
			"data_source_ids": []string{awsfake.SampleS3DataSource},
		}, &out)
		if res.IsError {
			t.Fatal(resultText(res))
		}
		if len(out.Results) != 1 || out.Results[0].URI != "s3://kmcp-docs-bucket/guides/deploy.md" || out.Results[0].LocationType != "S3" ||
			out.Results[0].Metadata["team"] != "platform" || out.NextToken == "" {
			t.Fatalf("search = %+v", out)
		}
		firstURI = out.Results[0].URI
		body := fake.Requests(awsfake.OpRetrieve)[0].Body
		conf, _ := json.Marshal(body["retrievalConfiguration"])
		want := `{"vectorSearchConfiguration":{"filter":{"andAll":[{"greaterThanOrEquals":{"key":"year","value":2021}},{"equals":{"key":"x-amz-bedrock-kb-data-source-id","value":"DSS3000001"}}]},"numberOfResults":1,"overrideSearchType":"SEMANTIC"}}`
		if string(conf) != want {
			t.Errorf("retrievalConfiguration on the wire:\n got %s\nwant %s", conf, want)
		}
		// The next page follows the token.
		var page2 struct{ Results []struct{ URI string } }
		res = callTool(t, ctx, cs, "search_knowledge_base", map[string]any{
			"query": "rollback", "knowledge_base_id": awsfake.SampleKB, "max_results": 1, "search_type": "SEMANTIC",
			"filter":          map[string]any{"greaterThanOrEquals": map[string]any{"key": "year", "value": 2021}},
			"data_source_ids": []string{awsfake.SampleS3DataSource}, "next_token": out.NextToken,
		}, &page2)
		if res.IsError || len(page2.Results) != 1 || page2.Results[0].URI != "s3://kmcp-docs-bucket/guides/rollback.txt" {
			t.Errorf("page 2 = %+v %s", page2, resultText(res))
		}
	})

	t.Run("get_document", func(t *testing.T) {
		var doc struct {
			Text     string `json:"text"`
			MIMEType string `json:"mime_type"`
		}
		if firstURI == "" {
			firstURI = "s3://kmcp-docs-bucket/guides/deploy.md"
		}
		res := callTool(t, ctx, cs, "get_document", map[string]any{"uri": firstURI, "knowledge_base_id": awsfake.SampleKB}, &doc)
		if res.IsError || !strings.Contains(doc.Text, "Kangaroos hop") || doc.MIMEType != "text/markdown" {
			t.Errorf("get_document = %+v %s", doc, resultText(res))
		}
		res = callTool(t, ctx, cs, "get_document", map[string]any{"uri": "s3://kmcp-docs-bucket/guides/manual.pdf", "knowledge_base_id": awsfake.SampleKB}, nil)
		if !res.IsError || !strings.Contains(resultText(res), "application/pdf") {
			t.Errorf("binary document: %s", resultText(res))
		}
	})

	t.Run("ask_knowledge_base", func(t *testing.T) {
		var out struct {
			Answer    string
			SessionID string `json:"session_id"`
			Citations []struct {
				Text       string
				Start, End int
			}
			Sources []struct{ URI string }
		}
		res := callTool(t, ctx, cs, "ask_knowledge_base", map[string]any{"question": "how does rollback work", "knowledge_base_id": awsfake.SampleKB}, &out)
		if res.IsError {
			t.Fatal(resultText(res))
		}
		if out.Answer == "" || out.SessionID == "" || len(out.Citations) == 0 || len(out.Sources) == 0 {
			t.Fatalf("ask = %+v", out)
		}
		for _, c := range out.Citations {
			if c.End > len(out.Answer) || out.Answer[c.Start:c.End] != c.Text {
				t.Errorf("citation %+v does not cover its text in %q", c, out.Answer)
			}
		}
		if got := fake.Requests(awsfake.OpRetrieveAndGenerate)[0].Body["retrieveAndGenerateConfiguration"].(map[string]any)["knowledgeBaseConfiguration"].(map[string]any)["modelArn"]; got != model {
			t.Errorf("modelArn on the wire = %v", got)
		}
	})

	t.Run("documents as resources", func(t *testing.T) {
		res, err := cs.ListResources(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var uris []string
		for _, r := range res.Resources {
			uris = append(uris, r.URI)
		}
		want := "kb://" + awsfake.SampleKB + "/s3://kmcp-docs-bucket/guides/deploy.md"
		if !slices.Contains(uris, want) {
			t.Fatalf("resources = %q, want %s among them", uris, want)
		}
		read, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: want})
		if err != nil {
			t.Fatal(err)
		}
		if len(read.Contents) != 1 || !strings.Contains(read.Contents[0].Text, "Kangaroos hop") {
			t.Errorf("resource contents = %+v", read.Contents)
		}
	})

	t.Run("faults become tool errors and the server keeps serving", func(t *testing.T) {
		tests := []struct {
			name   string
			fault  awsfake.Fault
			always bool
			want   string
		}{
			{"throttled once", awsfake.Throttling, false, ""},
			{"access denied", awsfake.AccessDenied, false, "ECS task role"},
			{"not found", awsfake.NotFound, false, "does not exist in region us-east-1"},
			{"validation", awsfake.Validation, false, "max_results"},
			{"malformed JSON", awsfake.MalformedJSON, false, "cannot be read"},
			{"persistent 500", awsfake.InternalError, true, "after 3 attempts"},
			{"slower than the deadline", awsfake.Slow(5 * time.Second), true, "AWS_CALL_TIMEOUT"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.always {
					fake.FailAlways(awsfake.OpRetrieve, tt.fault)
				} else {
					fake.Fail(awsfake.OpRetrieve, tt.fault)
				}
				res := callTool(t, ctx, cs, "search_knowledge_base", map[string]any{"query": "rollback", "knowledge_base_id": awsfake.SampleKB}, nil)
				fake.Heal()
				if tt.want == "" {
					if res.IsError {
						t.Fatalf("not retried: %s", resultText(res))
					}
				} else if !res.IsError || !strings.Contains(resultText(res), tt.want) {
					t.Fatalf("isError=%v text %q, want an error mentioning %q", res.IsError, resultText(res), tt.want)
				}
				res = callTool(t, ctx, cs, "search_knowledge_base", map[string]any{"query": "rollback", "knowledge_base_id": awsfake.SampleKB}, nil)
				if res.IsError {
					t.Errorf("search after the fault: %s", resultText(res))
				}
			})
		}
	})

	t.Run("placeholder knowledge base id", func(t *testing.T) {
		before := fake.Calls(awsfake.OpRetrieve)
		res := callTool(t, ctx, cs, "search_knowledge_base", map[string]any{"query": "rollback", "knowledge_base_id": "YOUR_KNOWLEDGE_BASE_ID"}, nil)
		if !res.IsError || !strings.Contains(resultText(res), awsfake.SampleKB) || !strings.Contains(resultText(res), awsfake.SampleHRKB) {
			t.Errorf("placeholder: %s", resultText(res))
		}
		if fake.Calls(awsfake.OpRetrieve) != before {
			t.Error("a refused knowledge base id reached AWS")
		}
	})

	if p := fake.Problems(); len(p) > 0 {
		t.Errorf("the fake refused requests:\n%s", strings.Join(p, "\n"))
	}
}

// TestBedrockWithoutCredentialsStillServes starts with no AWS credentials:
// the server listens, /readyz says why it is not ready, the connectivity
// test works, and a search is a tool error naming the task role.
func TestBedrockWithoutCredentialsStillServes(t *testing.T) {
	_, env := bedrockFake(t)
	env = append(env, "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=")
	srv := testbin.Start(t, env, "--backend", "bedrock", "--knowledge-base-id", awsfake.SampleKB)

	code, body := getBody(t, srv.URL+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "no AWS credentials") || !strings.Contains(body, "task role") {
		t.Errorf("/readyz = %d %s", code, body)
	}
	status, _, data := srv.PostJSON(t, `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`)
	if status != 200 || !strings.Contains(string(data), "30") {
		t.Errorf("simpleadd = %d %s", status, data)
	}
	cs, ctx := connect(t, srv.URL)
	res := callTool(t, ctx, cs, "search_knowledge_base", map[string]any{"query": "rollback"}, nil)
	if !res.IsError || !strings.Contains(resultText(res), "task role") {
		t.Errorf("search without credentials: isError=%v %s", res.IsError, resultText(res))
	}
	if !strings.Contains(srv.Stderr(), "bedrock backend not ready") {
		t.Errorf("start-up log does not warn about readiness:\n%s", srv.Stderr())
	}
}

// TestVerifyNamesP5OnBedrock runs the doctor against the real binary on the
// Bedrock backend when AWS refuses: each way of P5 (permission on the wrong
// role, no task role at all) is diagnosed from the tool errors the backend
// writes.
func TestVerifyNamesP5OnBedrock(t *testing.T) {
	tests := []struct {
		name        string
		extraEnv    []string
		denied      bool
		wantPattern string
	}{
		{name: "access denied", denied: true, wantPattern: "tool-access-denied"},
		{name: "no credentials", extraEnv: []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="}, wantPattern: "tool-no-credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, env := bedrockFake(t)
			if tt.denied {
				fake.FailAlways(awsfake.OpRetrieve, awsfake.AccessDenied)
			}
			srv := testbin.Start(t, append(env, tt.extraEnv...), "--backend", "bedrock", "--knowledge-base-id", awsfake.SampleKB)
			_, stdout, stderr := runVerifyCmd(t, nil, "--json", srv.URL+"/mcp")
			var report struct {
				Checks []struct {
					ID        string `json:"id"`
					Diagnoses []struct {
						Pitfall string `json:"pitfall"`
						Pattern string `json:"pattern"`
					} `json:"diagnoses"`
				} `json:"checks"`
			}
			if err := json.Unmarshal([]byte(stdout), &report); err != nil {
				t.Fatalf("verify output is not JSON: %v\n%s\n%s", err, stdout, stderr)
			}
			var found []string
			for _, c := range report.Checks {
				for _, d := range c.Diagnoses {
					found = append(found, c.ID+":"+d.Pitfall+":"+d.Pattern)
					if d.Pitfall == "P5" && d.Pattern == tt.wantPattern {
						return
					}
				}
			}
			t.Errorf("no P5 diagnosis (want pattern %q); diagnoses: %q", tt.wantPattern, found)
		})
	}
}
