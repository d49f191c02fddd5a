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

// TestReady reports readiness and, when not ready, why, without crashing
// and without calling AWS for what cannot work.
func TestReady(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		mutate  func(*bedrock.Options)
		prepare func(*awsfake.Fake)
		wantErr error
		wantMsg []string
	}{
		{name: "ready"},
		{name: "ready by discovery", mutate: func(s *bedrock.Options) { s.KnowledgeBaseIDs = nil }},
		{name: "no credentials", env: map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
			wantErr: kb.ErrUnavailable, wantMsg: []string{"no AWS credentials", "task role (taskRoleArn)"}},
		{name: "unknown profile", env: map[string]string{"AWS_PROFILE": "no-such-profile"},
			wantErr: kb.ErrUnavailable, wantMsg: []string{"loading the AWS configuration failed", "no-such-profile", "AWS_PROFILE"}},
		{name: "no region", env: map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": ""},
			wantErr: kb.ErrUnavailable, wantMsg: []string{"no AWS region", "AWS_REGION"}},
		{name: "knowledge base not active", prepare: func(f *awsfake.Fake) {
			f.AddKnowledgeBase(awsfake.KnowledgeBase{ID: awsfake.SampleKB, Name: "x", Status: "DELETING"})
		}, wantErr: kb.ErrUnavailable, wantMsg: []string{"KBDOCS0001", "DELETING"}},
		{name: "knowledge base missing", mutate: func(s *bedrock.Options) { s.KnowledgeBaseIDs = []string{"KBMISSING1"} },
			wantErr: kb.ErrNotFound, wantMsg: []string{"knowledge base KBMISSING1 does not exist in region us-east-1"}},
		{name: "describe refused", prepare: func(f *awsfake.Fake) { f.FailAlways(awsfake.OpGetKnowledgeBase, awsfake.AccessDenied) },
			wantErr: kb.ErrPermission, wantMsg: []string{"bedrock:GetKnowledgeBase", "ECS task role"}},
		{name: "nothing tagged", mutate: func(s *bedrock.Options) { s.KnowledgeBaseIDs = nil; s.DiscoveryTagKey = "no-such-tag" },
			wantErr: kb.ErrNotFound, wantMsg: []string{"no-such-tag=true", "KNOWLEDGE_BASE_IDS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := startFake(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.prepare != nil {
				tt.prepare(fake)
			}
			b := newBackend(t, tt.mutate)
			err := b.Ready(context.Background())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Ready: %v", err)
				}
				return
			}
			t.Logf("Ready: %v", err)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Ready = %v, want %v", err, tt.wantErr)
			}
			for _, s := range tt.wantMsg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Ready error does not mention %q: %v", s, err)
				}
			}
			// A search fails with a clear error too, and never panics.
			if _, err := b.Search(context.Background(), kb.Query{Text: "rollback"}); err == nil && tt.name != "knowledge base not active" && tt.name != "describe refused" {
				t.Errorf("search succeeded on a backend that is not ready")
			}
		})
	}
}
