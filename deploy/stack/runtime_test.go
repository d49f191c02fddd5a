package stack_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/deploy/stack"
)

// The AgentCore Runtime deployments the tests synthesize.
var (
	// The built-in documentation behind the default Cognito JWT authorizer.
	runtimeDefaults = paramSet{"runtime-defaults", map[string]string{"region": "us-east-1", "target": "agentcore-runtime"}}
	// Bedrock knowledge bases with generation and a data bucket, IAM
	// inbound auth, a gateway in front signing with its IAM role.
	runtimeBedrockIAMGateway = paramSet{"runtime-bedrock-iam-gateway", map[string]string{
		"region": "us-west-2", "account": "123456789012", "target": "agentcore-runtime",
		"knowledgeBaseIds": "KB12345678,KB87654321",
		"generationModel":  "us.anthropic.claude-3-5-haiku-20241022-v1:0",
		"dataBucket":       "example-kb-documents",
		"runtimeAuth":      "iam", "gateway": "true",
	}}
	// Bedrock without generation, JWT inbound, a gateway in front with
	// OAuth client credentials from the same user pool.
	runtimeJWTGateway = paramSet{"runtime-bedrock-jwt-gateway", map[string]string{
		"region": "eu-west-1", "target": "agentcore-runtime", "knowledgeBaseIds": "ABCDEFGHIJ", "gateway": "true",
	}}

	runtimeSets = []paramSet{runtimeDefaults, runtimeBedrockIAMGateway, runtimeJWTGateway}
	// gatewaySets are every synthesized deployment with a gateway.
	gatewaySets = []paramSet{bedrockAPIKey, bedrockJWT, runtimeBedrockIAMGateway, runtimeJWTGateway}
)

func forEachRuntimeSet(t *testing.T, f func(t *testing.T, s *synthesized)) {
	for _, ps := range runtimeSets {
		t.Run(ps.name, func(t *testing.T) { f(t, synth(t, ps)) })
	}
}

// The gateway admits every protocol version the server speaks that
// AgentCore Gateway supports, and lists the server's tools live.
func TestGatewayVersionsAndListing(t *testing.T) {
	want := []string{"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"}
	for _, ps := range gatewaySets {
		t.Run(ps.name, func(t *testing.T) {
			s := synth(t, ps)
			gw := s.one(t, "AWS::BedrockAgentCore::Gateway")
			var got []string
			for _, v := range list(path(gw.props, "ProtocolConfiguration", "Mcp", "SupportedVersions")) {
				got = append(got, v.(string))
			}
			if !slices.Equal(got, want) {
				t.Errorf("SupportedVersions %v, want %v", got, want)
			}
			// DYNAMIC does not work with semantic tool search: it must stay off.
			if st := path(gw.props, "ProtocolConfiguration", "Mcp", "SearchType"); st != nil {
				t.Errorf("gateway SearchType %v; semantic search needs the cached (DEFAULT) listing", st)
			}
			target := s.one(t, "AWS::BedrockAgentCore::GatewayTarget")
			server := path(target.props, "TargetConfiguration", "Mcp", "McpServer")
			if got := path(server, "ListingMode"); got != "DYNAMIC" {
				t.Errorf("ListingMode %v, want DYNAMIC: a cached listing goes stale when a deploy changes the tools", got)
			}
			if schema := path(server, "McpToolSchema"); schema != nil {
				t.Errorf("McpToolSchema %s: a static schema disables live listing", js(schema))
			}
		})
	}
}

// The Runtime runs the image as the platform's MCP contract wants it.
func TestRuntimeContract(t *testing.T) {
	forEachRuntimeSet(t, func(t *testing.T, s *synthesized) {
		rt := s.one(t, "AWS::BedrockAgentCore::Runtime")
		if got := rt.props["ProtocolConfiguration"]; got != stack.RuntimeProtocol {
			t.Errorf("ProtocolConfiguration %v, want MCP (otherwise the platform calls :8080/invocations)", got)
		}
		if got := path(rt.props, "NetworkConfiguration", "NetworkMode"); got != "PUBLIC" {
			t.Errorf("NetworkMode %v, want PUBLIC", got)
		}
		if got := rt.props["AgentRuntimeName"]; got != stack.RuntimeName(s.cfg) {
			t.Errorf("AgentRuntimeName %v, want %s", got, stack.RuntimeName(s.cfg))
		}
		env := map[string]string{}
		for k, v := range rt.props["EnvironmentVariables"].(map[string]any) {
			env[k] = v.(string)
		}
		if want := stack.RuntimeEnvironment(s.cfg); !maps.Equal(env, want) {
			t.Errorf("EnvironmentVariables %v, want %v", env, want)
		}
		for k, want := range map[string]string{"PORT": "8000", "HOST": "0.0.0.0", "AUTH": "none", "ALLOWED_HOSTS": "*", "KB_BACKEND": s.cfg.Backend} {
			if env[k] != want {
				t.Errorf("%s=%q, want %q", k, env[k], want)
			}
		}
		for k := range env {
			if strings.HasPrefix(k, "ORIGIN_VERIFY") {
				t.Errorf("%s set: no CDN stands in front of a Runtime", k)
			}
		}
		if s.cfg.Backend == "bedrock" && env["KNOWLEDGE_BASE_IDS"] != strings.Join(s.cfg.KnowledgeBaseIDs, ",") {
			t.Errorf("KNOWLEDGE_BASE_IDS %q, want %v", env["KNOWLEDGE_BASE_IDS"], s.cfg.KnowledgeBaseIDs)
		}
		// Authorization is not forwarded: the platform authenticates, and
		// the token never reaches the container.
		for _, h := range list(path(rt.props, "RequestHeaderConfiguration", "RequestHeaderAllowlist")) {
			if strings.EqualFold(h.(string), "Authorization") {
				t.Errorf("Authorization is allow-listed, but the server runs with AUTH=none")
			}
		}
		uri := path(rt.props, "AgentRuntimeArtifact", "ContainerConfiguration", "ContainerUri")
		if !contains(uri, cdkAssetRepositoryMarker) {
			t.Errorf("ContainerUri %s is not the image asset built by this app", js(uri))
		}
		images, _ := s.assets["dockerImages"].(map[string]any)
		if len(images) != 1 {
			t.Fatalf("%d image assets, want 1", len(images))
		}
		for hash, img := range images {
			if !contains(uri, hash) {
				t.Errorf("ContainerUri %s does not name the image asset %s", js(uri), hash)
			}
			src := path(img, "source")
			if path(src, "platform") != "linux/arm64" || path(src, "dockerBuildTarget") != "runtime" || path(src, "dockerFile") != "Dockerfile" {
				t.Errorf("image asset source %s, want the Dockerfile's runtime stage for linux/arm64", js(src))
			}
		}
		for _, typ := range []string{"AWS::ECS::Service", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::CloudFront::Distribution", "AWS::EC2::VPC", "AWS::SecretsManager::Secret"} {
			if n := len(s.resources(typ)); n != 0 {
				t.Errorf("%d %s in a Runtime deployment", n, typ)
			}
		}
		out := path(s.template, "Outputs", "McpUrl", "Value")
		for _, want := range []string{`"https://bedrock-agentcore."`, `"%3Aruntime%2F"`, `"/invocations?qualifier=DEFAULT"`, `"AgentRuntimeId"`} {
			if !contains(out, want) {
				t.Errorf("McpUrl output %s lacks %s", js(out), want)
			}
		}
		if ref(path(s.template, "Outputs", "RuntimeArn", "Value")) != rt.id {
			t.Errorf("RuntimeArn output %s does not name the runtime", js(path(s.template, "Outputs", "RuntimeArn")))
		}
	})
}

// Inbound auth is the platform's: a Cognito JWT authorizer by default,
// SigV4 with runtimeAuth=iam; the outputs say how to get a credential.
func TestRuntimeInboundAuth(t *testing.T) {
	forEachRuntimeSet(t, func(t *testing.T, s *synthesized) {
		rt := s.one(t, "AWS::BedrockAgentCore::Runtime")
		jwt := path(rt.props, "AuthorizerConfiguration", "CustomJWTAuthorizer")
		howTo, _ := path(s.template, "Outputs", "HowToAuthenticate", "Value").(string)
		switch s.cfg.RuntimeAuth {
		case stack.RuntimeAuthJWT:
			var pool, client string
			for _, p := range s.resources("AWS::Cognito::UserPool") {
				if strings.HasPrefix(p.id, "UserPool") {
					pool = p.id
				}
			}
			for _, c := range s.resources("AWS::Cognito::UserPoolClient") {
				if strings.HasPrefix(c.id, "UserPoolAgents") {
					client = c.id
				}
			}
			if pool == "" || client == "" {
				t.Fatalf("no Cognito user pool (%q) or agents' app client (%q)", pool, client)
			}
			disc := path(jwt, "DiscoveryUrl")
			if !contains(disc, `"Ref":"`+pool+`"`) || !contains(disc, "/.well-known/openid-configuration") || !contains(disc, "https://cognito-idp.") {
				t.Errorf("DiscoveryUrl %s, want the user pool's OpenID configuration", js(disc))
			}
			clients := list(path(jwt, "AllowedClients"))
			if len(clients) != 1 || ref(clients[0]) != client {
				t.Errorf("AllowedClients %s, want the agents' app client %s (Cognito access tokens carry client_id, no aud)", js(clients), client)
			}
			for _, o := range []string{"TokenUrl", "OAuthClientId", "UserPoolId"} {
				if path(s.template, "Outputs", o) == nil {
					t.Errorf("no %s output: a caller cannot get a token", o)
				}
			}
			if !strings.Contains(howTo, "client_credentials") || !strings.Contains(howTo, "knowledge-mcp/invoke") {
				t.Errorf("HowToAuthenticate %q does not explain the token request", howTo)
			}
		case stack.RuntimeAuthIAM:
			if a := rt.props["AuthorizerConfiguration"]; a != nil {
				t.Errorf("AuthorizerConfiguration %s, want none (SigV4)", js(a))
			}
			if n := len(s.resources("AWS::Cognito::UserPoolClient")) - len(s.resources("AWS::BedrockAgentCore::Gateway")); n != 0 {
				t.Errorf("%d Cognito clients besides the gateway's with IAM auth", n)
			}
			if !strings.Contains(howTo, "SigV4") || !strings.Contains(howTo, "bedrock-agentcore:InvokeAgentRuntime") {
				t.Errorf("HowToAuthenticate %q does not explain SigV4", howTo)
			}
		}
	})
}

// The execution role carries what the backend calls and nothing of
// another backend's.
func TestRuntimeExecutionRole(t *testing.T) {
	forEachRuntimeSet(t, func(t *testing.T, s *synthesized) {
		rt := s.one(t, "AWS::BedrockAgentCore::Runtime")
		roleID := ref(rt.props["RoleArn"])
		var role resource
		for _, r := range s.resources("AWS::IAM::Role") {
			if r.id == roleID {
				role = r
			}
		}
		if role.id == "" {
			t.Fatalf("RoleArn %s names no role of the stack", js(rt.props["RoleArn"]))
		}
		if !contains(path(role.props, "AssumeRolePolicyDocument"), "bedrock-agentcore.amazonaws.com") {
			t.Errorf("execution role trust %s, want bedrock-agentcore.amazonaws.com", js(role.props["AssumeRolePolicyDocument"]))
		}
		var stmts []any
		for _, p := range s.resources("AWS::IAM::Policy") {
			for _, r := range list(p.props["Roles"]) {
				if ref(r) == roleID {
					stmts = append(stmts, list(path(p.props, "PolicyDocument", "Statement"))...)
				}
			}
		}
		actions := map[string]any{} // action → resources
		for _, st := range stmts {
			acts := path(st, "Action")
			if a, ok := acts.(string); ok {
				acts = []any{a}
			}
			for _, a := range list(acts) {
				actions[a.(string)] = path(st, "Resource")
			}
		}
		if _, ok := actions["ecr:BatchGetImage"]; !ok {
			t.Errorf("execution role cannot pull the image: %s", js(stmts))
		}
		retrieve, hasRetrieve := actions["bedrock:Retrieve"]
		_, hasGenerate := actions["bedrock:RetrieveAndGenerate"]
		_, hasS3 := actions["s3:GetObject"]
		switch s.cfg.Backend {
		case "local":
			for a := range actions {
				if strings.HasPrefix(a, "bedrock:") || strings.HasPrefix(a, "s3:") {
					t.Errorf("local backend's role has %s", a)
				}
			}
		case "bedrock":
			if !hasRetrieve {
				t.Fatalf("bedrock backend's role lacks bedrock:Retrieve: %s", js(stmts))
			}
			for _, id := range s.cfg.KnowledgeBaseIDs {
				if !contains(retrieve, "knowledge-base/"+id) {
					t.Errorf("bedrock:Retrieve on %s, want knowledge base %s", js(retrieve), id)
				}
			}
			if contains(retrieve, `"*"`) {
				t.Errorf("bedrock:Retrieve on %s: not scoped to the knowledge bases", js(retrieve))
			}
			if hasGenerate != s.cfg.UsesGeneration() {
				t.Errorf("bedrock:RetrieveAndGenerate granted %v, generation configured %v", hasGenerate, s.cfg.UsesGeneration())
			}
			if hasS3 != (s.cfg.DataBucket != "") {
				t.Errorf("s3:GetObject granted %v, data bucket %q", hasS3, s.cfg.DataBucket)
			}
		}
	})
}

// An optional gateway fronts the Runtime with the matching outbound auth.
func TestRuntimeBehindGateway(t *testing.T) {
	forEachRuntimeSet(t, func(t *testing.T, s *synthesized) {
		targets := s.resources("AWS::BedrockAgentCore::GatewayTarget")
		if !s.cfg.Gateway {
			if len(targets) != 0 {
				t.Errorf("%d gateway targets without -c gateway=true", len(targets))
			}
			return
		}
		if len(targets) != 1 {
			t.Fatalf("%d gateway targets, want 1", len(targets))
		}
		rt := s.one(t, "AWS::BedrockAgentCore::Runtime")
		target := targets[0]
		ep := path(target.props, "TargetConfiguration", "Mcp", "McpServer", "Endpoint")
		if js(ep) != js(path(s.template, "Outputs", "McpUrl", "Value")) || !contains(ep, rt.id) {
			t.Errorf("target endpoint %s, want the Runtime's invoke URL", js(ep))
		}
		if !contains(target.raw["DependsOn"], rt.id) {
			t.Errorf("target DependsOn %s lacks the runtime %s (its creation lists the runtime's tools)", js(target.raw["DependsOn"]), rt.id)
		}
		creds := path(target.props, "CredentialProviderConfigurations", 0)
		switch s.cfg.RuntimeAuth {
		case stack.RuntimeAuthJWT:
			if path(creds, "CredentialProviderType") != "OAUTH" || js(path(creds, "CredentialProvider", "OauthCredentialProvider", "Scopes")) != `["knowledge-mcp/invoke"]` {
				t.Errorf("outbound auth %s, want OAuth client credentials with scope knowledge-mcp/invoke", js(creds))
			}
		case stack.RuntimeAuthIAM:
			if path(creds, "CredentialProviderType") != "GATEWAY_IAM_ROLE" {
				t.Errorf("outbound auth %s, want the gateway's IAM role (SigV4)", js(creds))
			}
			if svc := path(creds, "CredentialProvider", "IamCredentialProvider", "Service"); svc != "bedrock-agentcore" {
				t.Errorf("SigV4 service %v, want bedrock-agentcore", svc)
			}
			gw := s.one(t, "AWS::BedrockAgentCore::Gateway")
			gwRole := ref(gw.props["RoleArn"])
			granted := false
			for _, p := range s.resources("AWS::IAM::Policy") {
				if !contains(p.props["Roles"], gwRole) {
					continue
				}
				for _, st := range list(path(p.props, "PolicyDocument", "Statement")) {
					if contains(path(st, "Action"), "bedrock-agentcore:InvokeAgentRuntime") && contains(path(st, "Resource"), rt.id) {
						granted = true
					}
				}
			}
			if !granted {
				t.Errorf("the gateway's role %s may not invoke the runtime %s", gwRole, rt.id)
			}
		}
	})
}

// Every Runtime deployment passes cdk-nag, with a reason on every
// suppression.
func TestRuntimeCdkNag(t *testing.T) {
	forEachRuntimeSet(t, func(t *testing.T, s *synthesized) {
		noNagErrors(t, s)
		for id, r := range s.template["Resources"].(map[string]any) {
			for _, sup := range list(path(r, "Metadata", "cdk_nag", "rules_to_suppress")) {
				if reason, _ := path(sup, "reason").(string); len(strings.Fields(reason)) < 5 {
					t.Errorf("%s suppresses %v with reason %q", id, path(sup, "id"), reason)
				}
			}
		}
	})
}

// Every variable the Runtime sets is one the server reads.
func TestRuntimeEnvironmentIsReadByTheServer(t *testing.T) {
	known := serverEnvNames(t)
	forEachRuntimeSet(t, func(t *testing.T, s *synthesized) {
		for name := range stack.RuntimeEnvironment(s.cfg) {
			if !known[name] && name != "AWS_REGION" {
				t.Errorf("the Runtime sets %s, which knowledge-mcp serve does not read", name)
			}
		}
	})
}

// knowledge-mcp verify --template passes each Runtime template, read as the
// CDK writes it: NAME.template.json with NAME.assets.json beside it, from
// which it reads the image's platform.
func TestVerifyTemplatePassesRuntime(t *testing.T) {
	bin := serverBinary(t)
	forEachRuntimeSet(t, func(t *testing.T, s *synthesized) {
		dir := t.TempDir()
		for name, v := range map[string]any{"KnowledgeMcp.template.json": s.template, "KnowledgeMcp.assets.json": s.assets} {
			data, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		checks := verifyTemplate(t, bin, filepath.Join(dir, "KnowledgeMcp.template.json"))
		seen := false
		for _, c := range checks {
			if c.ID == "agentcore-runtime" {
				seen = true
				if !strings.EqualFold(c.Status, "pass") {
					t.Errorf("check agentcore-runtime: %s: %s", c.Status, c.Summary)
				}
			} else if strings.EqualFold(c.Status, "fail") {
				t.Errorf("check %s failed: %s", c.ID, c.Summary)
			}
		}
		if !seen {
			t.Errorf("no agentcore-runtime check in the report: %+v", checks)
		}
	})
}
