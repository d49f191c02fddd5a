package stack_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/deploy/stack"
)

func parse(ctx map[string]any, env map[string]string) (stack.Config, error) {
	return stack.Parse(func(k string) (any, bool) { v, ok := ctx[k]; return v, ok }, func(k string) string { return env[k] })
}

func TestParseDefaults(t *testing.T) {
	cfg, err := parse(map[string]any{}, map[string]string{"CDK_DEFAULT_REGION": "eu-central-1", "CDK_DEFAULT_ACCOUNT": "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	want := stack.Config{
		StackName: "KnowledgeMcp", Account: "123456789012", Region: "eu-central-1", Backend: "local",
		Architecture: stack.X86_64, Networking: stack.Private, CPU: 256, MemoryMiB: 512, MinTasks: 2, MaxTasks: 4,
		LogRetention: 30, LogLevel: "info", Auth: stack.AuthAPIKey, CORSOrigins: []string{"*"},
		OriginReadTimeout: 60, PrefixListID: "pl-a3a144ca", WAFRateLimit: 2000, SecretsGeneration: 1, ImageDir: "..",
		Target: stack.TargetECS, RuntimeAuth: stack.RuntimeAuthJWT,
	}
	if got, w := strings.ReplaceAll(sprint(cfg), " ", ""), strings.ReplaceAll(sprint(want), " ", ""); got != w {
		t.Errorf("defaults:\n got %s\nwant %s", got, w)
	}
}

func TestParseTypedContext(t *testing.T) {
	// cdk.json context arrives typed: bools, numbers and lists.
	cfg, err := parse(map[string]any{
		"region": "us-west-2", "gateway": true, "waf": false, "cpu": float64(1024), "memory": float64(2048),
		"knowledgeBaseIds": []any{"KB1", "KB2"}, "architecture": "amd64",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Gateway || cfg.CPU != 1024 || cfg.MemoryMiB != 2048 || cfg.Backend != "bedrock" ||
		strings.Join(cfg.KnowledgeBaseIDs, ",") != "KB1,KB2" || cfg.Architecture != stack.X86_64 {
		t.Errorf("typed context parsed as %+v", cfg)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want string // a fragment of the error naming the key and the fix
	}{
		{"no region", map[string]any{}, "-c region: no region"},
		{"bad region", map[string]any{"region": "moon-1"}, `"moon-1" is not an AWS region`},
		{"region without prefix list", map[string]any{"region": "xx-nowhere-9"}, "cloudFrontPrefixListId"},
		{"bad prefix list", map[string]any{"region": "us-east-1", "cloudFrontPrefixListId": "sg-123"}, "not a prefix list id"},
		{"bad architecture", map[string]any{"region": "us-east-1", "architecture": "riscv64"}, "-c architecture"},
		{"bad networking", map[string]any{"region": "us-east-1", "networking": "nat"}, "-c networking"},
		{"bad auth", map[string]any{"region": "us-east-1", "auth": "basic"}, "use api-key, jwt or none"},
		{"bad kb id", map[string]any{"region": "us-east-1", "knowledgeBaseIds": "not-a-kb-id!"}, "is not a knowledge base id"},
		{"bedrock without kbs", map[string]any{"region": "us-east-1", "backend": "bedrock"}, "needs at least one knowledge base id"},
		{"local with kbs", map[string]any{"region": "us-east-1", "backend": "local", "knowledgeBaseIds": "KB1"}, "backend=bedrock"},
		{"generation on local", map[string]any{"region": "us-east-1", "generationModel": "anthropic.claude-v2"}, "Bedrock features"},
		{"bad model", map[string]any{"region": "us-east-1", "knowledgeBaseIds": "KB1", "rerankModel": "rm -rf /"}, "-c rerankModel"},
		{"bad cpu", map[string]any{"region": "us-east-1", "cpu": "300"}, "not a Fargate CPU size"},
		{"cpu memory mismatch", map[string]any{"region": "us-east-1", "cpu": "256", "memory": "4096"}, "not allowed with cpu 256"},
		{"not a number", map[string]any{"region": "us-east-1", "memory": "lots"}, `-c memory: "lots" is not a whole number`},
		{"not a bool", map[string]any{"region": "us-east-1", "gateway": "yes please"}, "-c gateway"},
		{"min above max", map[string]any{"region": "us-east-1", "minTasks": "5", "maxTasks": "2"}, "-c maxTasks"},
		{"zero tasks", map[string]any{"region": "us-east-1", "minTasks": "0"}, "-c minTasks"},
		{"bad retention", map[string]any{"region": "us-east-1", "logRetentionDays": "31"}, "-c logRetentionDays"},
		{"bad origin", map[string]any{"region": "us-east-1", "corsOrigins": "app.example.com"}, "-c corsOrigins"},
		{"origin with path", map[string]any{"region": "us-east-1", "corsOrigins": "https://app.example.com/x"}, "-c corsOrigins"},
		{"read timeout", map[string]any{"region": "us-east-1", "originReadTimeout": "600"}, "-c originReadTimeout"},
		{"waf elsewhere without account", map[string]any{"region": "eu-west-1", "waf": "true"}, "explicit account"},
		{"bad account", map[string]any{"region": "us-east-1", "account": "12345"}, "12-digit"},
		{"bad stack name", map[string]any{"region": "us-east-1", "stackName": "9lives"}, "-c stackName"},
		{"double hyphen", map[string]any{"region": "us-east-1", "stackName": "kb--mcp"}, "-c stackName"},
		{"reserved word for cognito", map[string]any{"region": "us-east-1", "auth": "jwt", "stackName": "AwsKnowledge"}, "Cognito domain prefix"},
		{"bad bucket", map[string]any{"region": "us-east-1", "knowledgeBaseIds": "KB1", "dataBucket": "Bad_Bucket"}, "-c dataBucket"},
		{"bad secrets generation", map[string]any{"region": "us-east-1", "secretsGeneration": "0"}, "-c secretsGeneration"},
		{"bad log level", map[string]any{"region": "us-east-1", "logLevel": "loud"}, "-c logLevel"},
		{"bad target", map[string]any{"region": "us-east-1", "target": "lambda"}, "use ecs (Fargate behind CloudFront) or agentcore-runtime"},
		{"runtime on x86_64", map[string]any{"region": "us-east-1", "target": "agentcore-runtime", "architecture": "x86_64"}, "runs linux/arm64 images only"},
		{"server auth on the runtime", map[string]any{"region": "us-east-1", "target": "agentcore-runtime", "auth": "api-key"}, "-c runtimeAuth=jwt"},
		{"bad runtime auth", map[string]any{"region": "us-east-1", "target": "agentcore-runtime", "runtimeAuth": "sigv4"}, "-c runtimeAuth"},
		{"reserved word for the runtime's cognito", map[string]any{"region": "us-east-1", "target": "agentcore-runtime", "stackName": "CognitoKb"}, "Cognito domain prefix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.ctx, nil)
			if err == nil {
				t.Fatalf("accepted %v", tc.ctx)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// The Runtime target runs arm64 by default and needs no CloudFront prefix
// list, so it deploys in a region the CDN table lacks.
func TestParseRuntimeTarget(t *testing.T) {
	cfg, err := parse(map[string]any{"region": "xx-nowhere-9", "target": "AgentCore-Runtime"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Target != stack.TargetRuntime || cfg.Architecture != stack.ARM64 || cfg.RuntimeAuth != stack.RuntimeAuthJWT || cfg.Backend != "local" {
		t.Errorf("runtime defaults: %+v", cfg)
	}
	cfg, err = parse(map[string]any{"region": "us-east-1", "target": "agentcore-runtime", "runtimeAuth": "IAM", "architecture": "arm64", "stackName": "kb-docs"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RuntimeAuth != stack.RuntimeAuthIAM || stack.RuntimeName(cfg) != "kb_docs" {
		t.Errorf("runtimeAuth %q, runtime name %q; want iam, kb_docs", cfg.RuntimeAuth, stack.RuntimeName(cfg))
	}
}

func TestParseReportsAllProblems(t *testing.T) {
	_, err := parse(map[string]any{"region": "us-east-1", "architecture": "sparc", "auth": "maybe", "cpu": "3"}, nil)
	if err == nil {
		t.Fatal("accepted three bad values")
	}
	for _, key := range []string{"-c architecture", "-c auth", "-c cpu"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not report %s:\n%v", key, err)
		}
	}
}

func sprint(c stack.Config) string { return fmt.Sprintf("%+v", c) }
