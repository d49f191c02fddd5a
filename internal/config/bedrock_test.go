package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
)

func parseBedrock(t *testing.T, env map[string]string, args ...string) (Bedrock, error) {
	t.Helper()
	var c Bedrock
	fs := NewFlagSet("serve", "test", &strings.Builder{})
	c.AddFlags(fs)
	fs.Getenv = func(k string) string { return env[k] }
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestBedrockDefaultsAndEnvironment(t *testing.T) {
	c, err := parseBedrock(t, map[string]string{
		"KNOWLEDGE_BASE_IDS":         "KB12345678, arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KBABCDEFGH,KB12345678",
		"BEDROCK_MODEL_ARN":          "anthropic.claude-3-haiku-20240307-v1:0",
		"BEDROCK_RERANKER_MODEL_ARN": "amazon.rerank-v1:0",
		"BEDROCK_GUARDRAIL_ID":       "gr1",
		"BEDROCK_GUARDRAIL_VERSION":  "2",
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"KB12345678", "KBABCDEFGH"}; !reflect.DeepEqual(c.KnowledgeBaseIDs, want) {
		t.Errorf("ids = %q, want %q (ARNs become ids, duplicates dropped)", c.KnowledgeBaseIDs, want)
	}
	if c.DiscoveryTagKey != "mcp-multirag-kb" || c.MaxAttempts != 3 || c.MaxConcurrency != 16 || c.MaxDocumentBytes != 1<<20 || c.RerankByDefault {
		t.Errorf("defaults = %+v", c)
	}
	c, err = parseBedrock(t, nil, "--knowledge-base-id", "KBFLAG0001", "--aws-call-timeout", "3s")
	if err != nil || c.KnowledgeBaseIDs[0] != "KBFLAG0001" || c.CallTimeout.Seconds() != 3 {
		t.Errorf("flags: %+v, %v", c, err)
	}
}

func TestBedrockValidate(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad id", map[string]string{"KNOWLEDGE_BASE_IDS": "YOUR_KNOWLEDGE_BASE_ID"}, "KNOWLEDGE_BASE_IDS"},
		{"no id and no tag", map[string]string{"KB_INCLUSION_TAG_KEY": " ", "KNOWLEDGE_BASE_IDS": ","}, "set one"},
		{"rerank by default without model", map[string]string{"BEDROCK_RERANK_BY_DEFAULT": "true"}, "BEDROCK_RERANKER_MODEL_ARN"},
		{"guardrail without version", map[string]string{"BEDROCK_GUARDRAIL_ID": "g"}, "set both"},
		{"bad guardrail version", map[string]string{"BEDROCK_GUARDRAIL_ID": "g", "BEDROCK_GUARDRAIL_VERSION": "v1"}, "DRAFT"},
		{"reranked results", map[string]string{"BEDROCK_RERANKED_RESULTS": "101"}, "BEDROCK_RERANKED_RESULTS"},
		{"attempts", map[string]string{"AWS_MAX_ATTEMPTS": "0"}, "AWS_MAX_ATTEMPTS"},
		{"concurrency", map[string]string{"AWS_MAX_CONCURRENCY": "0"}, "AWS_MAX_CONCURRENCY"},
		{"timeout", map[string]string{"AWS_CALL_TIMEOUT": "0s"}, "AWS_CALL_TIMEOUT"},
		{"document cap", map[string]string{"MAX_DOCUMENT_BYTES": "0"}, "MAX_DOCUMENT_BYTES"},
		{"bucket as URI", map[string]string{"DOCUMENT_BUCKETS": "s3://bucket"}, "DOCUMENT_BUCKETS"},
		{"model with spaces", map[string]string{"BEDROCK_MODEL_ARN": "claude 3"}, "BEDROCK_MODEL_ARN"},
		{"implicit filter without model", map[string]string{"BEDROCK_IMPLICIT_FILTER_ATTRIBUTES": `[{"key":"a","type":"STRING","description":"d"}]`}, "set both"},
		{"implicit filter bad type", map[string]string{"BEDROCK_IMPLICIT_FILTER_MODEL_ARN": "m", "BEDROCK_IMPLICIT_FILTER_ATTRIBUTES": `[{"key":"a","type":"DATE","description":"d"}]`}, `type "DATE"`},
		{"implicit filter no description", map[string]string{"BEDROCK_IMPLICIT_FILTER_MODEL_ARN": "m", "BEDROCK_IMPLICIT_FILTER_ATTRIBUTES": `[{"key":"a","type":"STRING"}]`}, "no description"},
		{"implicit filter missing file", map[string]string{"BEDROCK_IMPLICIT_FILTER_MODEL_ARN": "m", "BEDROCK_IMPLICIT_FILTER_ATTRIBUTES": "/nonexistent/attrs.json"}, "readable file"},
		{"implicit filter bad JSON", map[string]string{"BEDROCK_IMPLICIT_FILTER_MODEL_ARN": "m", "BEDROCK_IMPLICIT_FILTER_ATTRIBUTES": `[{"key":}]`}, "not a JSON list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseBedrock(t, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestBedrockImplicitFilterFromFile(t *testing.T) {
	path := t.TempDir() + "/attrs.json"
	if err := os.WriteFile(path, []byte(`[{"key":"tags","type":"STRING_LIST","description":"topics"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parseBedrock(t, map[string]string{"BEDROCK_IMPLICIT_FILTER_MODEL_ARN": "m", "BEDROCK_IMPLICIT_FILTER_ATTRIBUTES": path})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bedrock.MetadataAttribute{{Key: "tags", Type: "STRING_LIST", Description: "topics"}}; !reflect.DeepEqual(c.ImplicitFilter, want) {
		t.Errorf("attributes = %+v", c.ImplicitFilter)
	}
}
