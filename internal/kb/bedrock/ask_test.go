package bedrock_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock/awsfake"
)

const testModel = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0"

// TestAskReturnsAnswerWithCitations runs RetrieveAndGenerate with the
// operator's model and guardrail and maps the answer, spans and references.
func TestAskReturnsAnswerWithCitations(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, func(s *bedrock.Options) {
		s.ModelARN = testModel
		s.GuardrailID, s.GuardrailVersion = "gr-1", "3"
	})
	if !b.CanGenerate() {
		t.Fatal("CanGenerate = false with a model")
	}
	ans, err := b.Ask(context.Background(), kb.AskQuery{Question: "how does rollback work", MaxResults: 4,
		Filter: mustFilter(t, `{"equals":{"key":"team","value":"platform"}}`), SearchType: "HYBRID"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests(awsfake.OpRetrieveAndGenerate)
	if len(reqs) != 1 || reqs[0].Path != "/retrieveAndGenerate" {
		t.Fatalf("requests = %+v", reqs)
	}
	want := jsonValue(t, `{
		"input":{"text":"how does rollback work"},
		"retrieveAndGenerateConfiguration":{"type":"KNOWLEDGE_BASE","knowledgeBaseConfiguration":{
			"knowledgeBaseId":"KBDOCS0001","modelArn":"`+testModel+`",
			"generationConfiguration":{"guardrailConfiguration":{"guardrailId":"gr-1","guardrailVersion":"3"}},
			"retrievalConfiguration":{"vectorSearchConfiguration":{"numberOfResults":4,"overrideSearchType":"HYBRID",
				"filter":{"equals":{"key":"team","value":"platform"}}}}}}}`)
	if !reflect.DeepEqual(map[string]any(reqs[0].Body), want) {
		t.Errorf("request body:\n got %v\nwant %v", reqs[0].Body, want)
	}
	if ans.SessionID == "" || len(ans.Citations) != 2 {
		t.Fatalf("answer = %+v", ans)
	}
	for i, c := range ans.Citations {
		if got := ans.Text[c.Start:c.End]; got != c.Text {
			t.Errorf("citation %d: span [%d,%d] covers %q, want %q", i, c.Start, c.End, got, c.Text)
		}
		if len(c.References) != 1 || !strings.HasPrefix(c.References[0].URI, "s3://kmcp-docs-bucket/") || c.References[0].Metadata["team"] != "platform" {
			t.Errorf("citation %d references = %+v", i, c.References)
		}
	}
	// The session id continues the conversation.
	if _, err := b.Ask(context.Background(), kb.AskQuery{Question: "and the circuit breaker?", SessionID: ans.SessionID}); err != nil {
		t.Fatal(err)
	}
	if got := fake.Requests(awsfake.OpRetrieveAndGenerate)[1].Body["sessionId"]; got != ans.SessionID {
		t.Errorf("second request sessionId = %v, want %s", got, ans.SessionID)
	}
	noProblems(t, fake)
}

// TestAskErrors covers generation without a model and the permission error
// that names the model.
func TestAskErrors(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, nil)
	if b.CanGenerate() {
		t.Error("CanGenerate = true without a model")
	}
	if _, err := b.Ask(context.Background(), kb.AskQuery{Question: "rollback"}); !errors.Is(err, kb.ErrInvalidArgument) || !strings.Contains(err.Error(), "BEDROCK_MODEL_ARN") {
		t.Errorf("without a model: %v", err)
	}
	b = newBackend(t, func(s *bedrock.Options) { s.ModelARN = testModel })
	fake.Fail(awsfake.OpRetrieveAndGenerate, awsfake.Fault{Status: 403, Code: "AccessDeniedException", Message: "not authorized to perform bedrock:InvokeModel"})
	_, err := b.Ask(context.Background(), kb.AskQuery{Question: "rollback"})
	if !errors.Is(err, kb.ErrPermission) {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{"bedrock:RetrieveAndGenerate", "bedrock:InvokeModel on \"" + testModel, "ECS task role"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not mention %q: %v", s, err)
		}
	}
	if _, err := b.Ask(context.Background(), kb.AskQuery{Question: "  "}); !errors.Is(err, kb.ErrInvalidArgument) || !strings.HasPrefix(err.Error(), "question:") {
		t.Errorf("blank question: %v", err)
	}
}
