package stack_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/knowledge-mcp/knowledge-mcp/deploy/stack"
)

// Managed CloudFront policy ids (aws-cloudfront/lib/*-policy.js).
const (
	cachingDisabled               = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	allViewerExceptHostHeader     = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	wantPrefixListUSEast1         = "pl-3b927c52"
	wantPrefixListUSWest2         = "pl-82a045eb"
	wantPrefixListEUWest1         = "pl-4fa04526"
	cdkAssetRepositoryMarker      = "container-assets"
	secretsManagerDynamicRefStart = "{{resolve:secretsmanager:"
)

// P1: CloudFront answers 504 when it speaks HTTPS to an HTTP-only ALB.
func TestP1OriginProtocolIsHTTPOnly(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *synthesized) {
		dc := s.distributionConfig(t)
		origins := list(dc["Origins"])
		if len(origins) != 1 {
			t.Fatalf("want one origin, got %s", js(origins))
		}
		o := origins[0]
		if got := path(o, "CustomOriginConfig", "OriginProtocolPolicy"); got != "http-only" {
			t.Errorf("OriginProtocolPolicy = %v, want http-only (the ALB has no HTTPS listener)", got)
		}
		if got := path(o, "CustomOriginConfig", "HTTPPort"); got != float64(80) {
			t.Errorf("origin HTTPPort = %v, want 80", got)
		}
		if got := path(o, "CustomOriginConfig", "OriginReadTimeout"); got != float64(s.cfg.OriginReadTimeout) {
			t.Errorf("OriginReadTimeout = %v, want %d (room for generation)", got, s.cfg.OriginReadTimeout)
		}
		alb := s.one(t, "AWS::ElasticLoadBalancingV2::LoadBalancer")
		if got := ref(path(o, "DomainName")); got != alb.id {
			t.Errorf("origin DomainName %s does not name the ALB %s", js(path(o, "DomainName")), alb.id)
		}
		for _, l := range s.resources("AWS::ElasticLoadBalancingV2::Listener") {
			if l.props["Protocol"] != "HTTP" || l.props["Port"] != float64(80) {
				t.Errorf("listener %s is %v:%v; the origin policy assumes HTTP:80 only", l.id, l.props["Protocol"], l.props["Port"])
			}
		}
		assert(t, "assertions API: http-only origin", func() {
			assertions.Template_FromJSON(&s.template, nil).HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
				"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
					"Origins": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
						"CustomOriginConfig": assertions.Match_ObjectLike(&map[string]any{"OriginProtocolPolicy": "http-only"}),
					})}),
				}),
			})
		})
	})
}

// P2: mixed content: viewers must stay on HTTPS and the server must know
// its public https URL rather than trusting the ALB's scheme.
func TestP2HTTPSForViewersAndServer(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *synthesized) {
		dc := s.distributionConfig(t)
		if got := path(dc, "DefaultCacheBehavior", "ViewerProtocolPolicy"); got != "redirect-to-https" {
			t.Errorf("ViewerProtocolPolicy = %v, want redirect-to-https", got)
		}
		headers := map[string]any{}
		for _, h := range list(path(dc, "Origins", 0, "OriginCustomHeaders")) {
			headers[path(h, "HeaderName").(string)] = path(h, "HeaderValue")
		}
		if headers["X-Forwarded-Proto"] != "https" {
			t.Errorf("origin custom headers %s lack X-Forwarded-Proto: https", js(headers))
		}
		cdn := s.one(t, "AWS::CloudFront::Distribution")
		base := s.env(t)["PUBLIC_URL"]
		if !strings.HasPrefix(js(path(base, "Fn::Join", 1, 0)), `"https://`) || ref(path(base, "Fn::Join", 1, 1)) != cdn.id {
			t.Errorf("PUBLIC_URL = %s, want https:// + the distribution's domain", js(base))
		}
		mcpURL := path(s.template, "Outputs", "McpUrl", "Value")
		if !contains(mcpURL, `"https://"`) || !contains(mcpURL, `"/mcp"`) {
			t.Errorf("McpUrl output = %s, want https://…/mcp", js(mcpURL))
		}
		for _, gt := range s.resources("AWS::BedrockAgentCore::GatewayTarget") {
			ep := path(gt.props, "TargetConfiguration", "Mcp", "McpServer", "Endpoint")
			if !contains(ep, `"https://"`) || !contains(ep, `"/mcp"`) || !contains(ep, cdn.id) {
				t.Errorf("gateway target endpoint = %s, want https://<distribution>/mcp", js(ep))
			}
		}
	})
}

// P3: a health check on "/" (404) or "/mcp" (405 for GET on many servers)
// kills every task; drains must end before ECS's SIGKILL.
func TestP3HealthCheckAndDrain(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *synthesized) {
		tg := s.one(t, "AWS::ElasticLoadBalancingV2::TargetGroup")
		for k, want := range map[string]any{
			"HealthCheckPath":            stack.HealthPath,
			"HealthCheckProtocol":        nil, // HTTP by default; must not be HTTPS
			"TargetType":                 "ip",
			"Port":                       float64(stack.ContainerPort),
			"Protocol":                   "HTTP",
			"HealthCheckIntervalSeconds": float64(15),
			"HealthCheckTimeoutSeconds":  float64(5),
			"HealthyThresholdCount":      float64(2),
			"UnhealthyThresholdCount":    float64(3),
		} {
			if got := tg.props[k]; got != want {
				t.Errorf("target group %s = %v, want %v", k, got, want)
			}
		}
		if got := path(tg.props, "Matcher", "HttpCode"); got != "200" {
			t.Errorf("health check matcher = %v, want 200", got)
		}
		dereg := -1
		for _, a := range list(tg.props["TargetGroupAttributes"]) {
			if path(a, "Key") == "deregistration_delay.timeout_seconds" {
				dereg, _ = strconv.Atoi(path(a, "Value").(string))
			}
		}
		c := s.container(t)
		stop, _ := c["StopTimeout"].(float64)
		if dereg < 0 || stop == 0 || float64(dereg) >= stop {
			t.Errorf("deregistration delay %d s must be set and shorter than the container stop timeout %v s", dereg, stop)
		}
		if got := js(path(c, "HealthCheck", "Command")); got != `["CMD","/knowledge-mcp","healthcheck"]` {
			t.Errorf("container health check = %s, want the binary's own healthcheck (no curl in the image)", got)
		}
		svc := s.one(t, "AWS::ECS::Service")
		if svc.props["HealthCheckGracePeriodSeconds"] == nil {
			t.Error("service has no health check grace period")
		}
	})
}

// P4: "exec format error": the image's platform must match the task's CPU
// architecture.
func TestP4ImagePlatformMatchesTaskArchitecture(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *synthesized) {
		wantArch, wantPlatform := "X86_64", "linux/amd64"
		if s.cfg.Architecture == stack.ARM64 {
			wantArch, wantPlatform = "ARM64", "linux/arm64"
		}
		td := s.one(t, "AWS::ECS::TaskDefinition")
		if got := path(td.props, "RuntimePlatform", "CpuArchitecture"); got != wantArch {
			t.Errorf("task CpuArchitecture = %v, want %s", got, wantArch)
		}
		if got := path(td.props, "RuntimePlatform", "OperatingSystemFamily"); got != "LINUX" {
			t.Errorf("task OperatingSystemFamily = %v, want LINUX", got)
		}
		images, _ := s.assets["dockerImages"].(map[string]any)
		if len(images) != 1 {
			t.Fatalf("want one Docker image asset, got %d", len(images))
		}
		for hash, img := range images {
			if got := path(img, "source", "platform"); got != wantPlatform {
				t.Errorf("image asset platform = %v, want %s to match the task", got, wantPlatform)
			}
			if got := path(img, "source", "dockerBuildTarget"); got != "runtime" {
				t.Errorf("image asset build target = %v, want runtime", got)
			}
			if image := js(path(s.container(t), "Image")); !strings.Contains(image, hash) || !strings.Contains(image, cdkAssetRepositoryMarker) {
				t.Errorf("container image %s is not the asset %s", image, hash)
			}
		}
	})
}

// policyStatements returns the statements of every AWS::IAM::Policy and
// inline policy attached to a role, by logical id.
func policyStatements(s *synthesized, roleID string) []any {
	var out []any
	for _, p := range s.resources("AWS::IAM::Policy") {
		for _, r := range list(p.props["Roles"]) {
			if ref(r) == roleID {
				out = append(out, list(path(p.props, "PolicyDocument", "Statement"))...)
			}
		}
	}
	for _, r := range s.resources("AWS::IAM::Role") {
		if r.id == roleID {
			for _, p := range list(r.props["Policies"]) {
				out = append(out, list(path(p, "PolicyDocument", "Statement"))...)
			}
		}
	}
	return out
}

// actions lists a statement's actions.
func actions(stmt any) []string {
	switch a := path(stmt, "Action").(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

func hasAction(stmts []any, prefix string) bool {
	for _, st := range stmts {
		for _, a := range actions(st) {
			if strings.HasPrefix(a, prefix) {
				return true
			}
		}
	}
	return false
}

func statementWith(stmts []any, action string) any {
	for _, st := range stmts {
		if slices.Contains(actions(st), action) {
			return st
		}
	}
	return nil
}

// P5: "Access Denied": Bedrock rights on the execution role, or no task role.
func TestP5TaskRoleAndExecutionRoleApart(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *synthesized) {
		td := s.one(t, "AWS::ECS::TaskDefinition")
		taskRole, execRole := ref(td.props["TaskRoleArn"]), ref(td.props["ExecutionRoleArn"])
		if taskRole == "" || execRole == "" || taskRole == execRole {
			t.Fatalf("task role %q and execution role %q must both exist and differ", taskRole, execRole)
		}
		for _, id := range []string{taskRole, execRole} {
			var role resource
			for _, r := range s.resources("AWS::IAM::Role") {
				if r.id == id {
					role = r
				}
			}
			if got := js(path(role.props, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service")); got != `"ecs-tasks.amazonaws.com"` {
				t.Errorf("role %s trusts %s, want ecs-tasks.amazonaws.com", id, got)
			}
			if contains(role.props["ManagedPolicyArns"], "AmazonECSTaskExecutionRolePolicy") && id == taskRole {
				t.Errorf("the task role carries the execution role's managed policy")
			}
		}
		execStmts, taskStmts := policyStatements(s, execRole), policyStatements(s, taskRole)
		for _, forbidden := range []string{"bedrock:", "s3:GetObject"} {
			if hasAction(execStmts, forbidden) {
				t.Errorf("execution role has %s* actions; they belong on the task role", forbidden)
			}
		}
		if !hasAction(execStmts, "ecr:BatchGetImage") || !hasAction(execStmts, "logs:PutLogEvents") || !hasAction(execStmts, "secretsmanager:GetSecretValue") {
			t.Errorf("execution role lacks image pull, logs or secrets: %s", js(execStmts))
		}
		if hasAction(taskStmts, "secretsmanager:") || hasAction(taskStmts, "ecr:") {
			t.Errorf("task role has the execution role's rights: %s", js(taskStmts))
		}

		retrieve := statementWith(taskStmts, "bedrock:Retrieve")
		switch s.cfg.Backend {
		case "local":
			if hasAction(taskStmts, "bedrock:") {
				t.Errorf("local backend, yet the task role has Bedrock rights: %s", js(taskStmts))
			}
		case "bedrock":
			if retrieve == nil {
				t.Fatalf("bedrock backend, but no bedrock:Retrieve on the task role: %s", js(taskStmts))
			}
			res := js(path(retrieve, "Resource"))
			for _, id := range s.cfg.KnowledgeBaseIDs {
				if !strings.Contains(res, ":knowledge-base/"+id) {
					t.Errorf("bedrock:Retrieve resources %s lack knowledge base %s", res, id)
				}
			}
			if strings.Contains(res, `"*"`) || strings.Count(res, "knowledge-base/") != len(s.cfg.KnowledgeBaseIDs) {
				t.Errorf("bedrock:Retrieve must name exactly the configured knowledge bases, got %s", res)
			}
		}
		if got, want := statementWith(taskStmts, "bedrock:RetrieveAndGenerate") != nil, s.cfg.UsesGeneration(); got != want {
			t.Errorf("RetrieveAndGenerate granted = %v, generation configured = %v", got, want)
		}
		if got, want := statementWith(taskStmts, "bedrock:Rerank") != nil, s.cfg.UsesRerank(); got != want {
			t.Errorf("Rerank granted = %v, reranking configured = %v", got, want)
		}
		if got, want := statementWith(taskStmts, "bedrock:InvokeModel") != nil, s.cfg.UsesGeneration() || s.cfg.UsesRerank(); got != want {
			t.Errorf("InvokeModel granted = %v, a model configured = %v", got, want)
		}
		if s.cfg.UsesGeneration() {
			res := js(path(statementWith(taskStmts, "bedrock:InvokeModelWithResponseStream"), "Resource"))
			if !strings.Contains(res, "inference-profile/us.anthropic") || !strings.Contains(res, ":bedrock:*::foundation-model/anthropic.") {
				t.Errorf("generation through an inference profile needs the profile and the model in every region, got %s", res)
			}
		}
		if got, want := statementWith(taskStmts, "s3:GetObject") != nil, s.cfg.DataBucket != "" || len(s.cfg.Docs) > 0; got != want {
			t.Errorf("s3:GetObject granted = %v, data bucket or docs configured = %v", got, want)
		}
	})
}

// P6: browser clients need OPTIONS and MCP's headers to reach the server,
// which answers CORS itself (CloudFront adds no CORS policy of its own).
func TestP6CORSReachesTheServer(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *synthesized) {
		dcb := path(s.distributionConfig(t), "DefaultCacheBehavior")
		methods := js(path(dcb, "AllowedMethods"))
		for _, m := range []string{"OPTIONS", "POST", "GET", "DELETE"} {
			if !strings.Contains(methods, `"`+m+`"`) {
				t.Errorf("CloudFront allowed methods %s lack %s", methods, m)
			}
		}
		if got := path(dcb, "CachePolicyId"); got != cachingDisabled {
			t.Errorf("CachePolicyId = %v, want CachingDisabled %s", got, cachingDisabled)
		}
		if got := path(dcb, "OriginRequestPolicyId"); got != allViewerExceptHostHeader {
			t.Errorf("OriginRequestPolicyId = %v, want AllViewerExceptHostHeader %s (forwards Origin, Access-Control-Request-*, Mcp-Session-Id, Authorization)", got, allViewerExceptHostHeader)
		}
		if id := path(dcb, "ResponseHeadersPolicyId"); id != nil {
			t.Errorf("a CloudFront response-headers policy %v would answer CORS beside the server; the design keeps CORS in the server", id)
		}
		if n := len(s.resources("AWS::CloudFront::ResponseHeadersPolicy")); n != 0 {
			t.Errorf("%d response-headers policies; CORS belongs to the server", n)
		}
		if got, want := s.env(t)["CORS_ORIGINS"], strings.Join(s.cfg.CORSOrigins, ","); got != want {
			t.Errorf("CORS_ORIGINS = %v, want %q", got, want)
		}
		for _, r := range s.resources("AWS::ElasticLoadBalancingV2::ListenerRule") {
			if contains(r.props["Conditions"], "http-request-method") {
				t.Errorf("listener rule %s filters methods; OPTIONS must reach the server", r.id)
			}
		}
	})
}

// P7: nothing reaches the ALB or the tasks except through CloudFront.
func TestP7OnlyCloudFrontReachesTheOrigin(t *testing.T) {
	wantPL := map[string]string{"us-east-1": wantPrefixListUSEast1, "us-west-2": wantPrefixListUSWest2, "eu-west-1": wantPrefixListEUWest1}
	forEachSet(t, func(t *testing.T, s *synthesized) {
		alb := s.one(t, "AWS::ElasticLoadBalancingV2::LoadBalancer")
		albSG := ref(path(alb.props, "SecurityGroups", 0))
		var albSGRes resource
		for _, sg := range s.resources("AWS::EC2::SecurityGroup") {
			if sg.id == albSG {
				albSGRes = sg
			}
			for _, in := range list(sg.props["SecurityGroupIngress"]) {
				if cidr := path(in, "CidrIp"); cidr == "0.0.0.0/0" || path(in, "CidrIpv6") == "::/0" {
					t.Errorf("security group %s admits the whole internet: %s", sg.id, js(in))
				}
			}
		}
		// Ingress rules inline on the group and as separate resources.
		ingress := list(albSGRes.props["SecurityGroupIngress"])
		for _, r := range s.resources("AWS::EC2::SecurityGroupIngress") {
			if ref(r.props["GroupId"]) == albSG {
				ingress = append(ingress, r.props)
			}
		}
		if len(ingress) != 1 {
			t.Fatalf("ALB security group ingress = %s, want exactly the CloudFront prefix list", js(ingress))
		}
		in := ingress[0]
		if path(in, "SourcePrefixListId") != wantPL[s.cfg.Region] || path(in, "FromPort") != float64(80) || path(in, "ToPort") != float64(80) {
			t.Errorf("ALB ingress %s, want tcp/80 from %s (CloudFront origin-facing in %s)", js(in), wantPL[s.cfg.Region], s.cfg.Region)
		}
		if path(in, "CidrIp") != nil || path(in, "CidrIpv6") != nil {
			t.Errorf("ALB ingress %s has an address range beside the prefix list", js(in))
		}

		listener := s.one(t, "AWS::ElasticLoadBalancingV2::Listener")
		if got := js(listener.props["DefaultActions"]); !strings.Contains(got, `"fixed-response"`) || !strings.Contains(got, `"StatusCode":"403"`) {
			t.Errorf("listener default action %s, want a fixed 403", got)
		}
		rule := s.one(t, "AWS::ElasticLoadBalancingV2::ListenerRule")
		cond := list(rule.props["Conditions"])
		if len(cond) != 1 || path(cond[0], "Field") != "http-header" || path(cond[0], "HttpHeaderConfig", "HttpHeaderName") != stack.OriginVerifyHeader {
			t.Fatalf("listener rule conditions %s, want only the %s header", js(cond), stack.OriginVerifyHeader)
		}
		var originSecret string
		for _, sr := range s.resources("AWS::SecretsManager::Secret") {
			if strings.HasPrefix(sr.id, "OriginVerifySecret") {
				originSecret = sr.id
			}
		}
		if want := fmt.Sprintf("OriginVerifySecret%d", s.cfg.SecretsGeneration); s.cfg.SecretsGeneration > 1 && !strings.HasPrefix(originSecret, want) {
			t.Errorf("secretsGeneration %d, but the origin secret is %s", s.cfg.SecretsGeneration, originSecret)
		}
		headerValue := path(cond[0], "HttpHeaderConfig", "Values", 0)
		if !contains(headerValue, secretsManagerDynamicRefStart) || !contains(headerValue, originSecret) {
			t.Errorf("listener header value %s, want a dynamic reference to %s (never plain text)", js(headerValue), originSecret)
		}
		if got := path(rule.props, "Actions", 0, "Type"); got != "forward" {
			t.Errorf("listener rule action %v, want forward", got)
		}
		var cfHeader any
		for _, h := range list(path(s.distributionConfig(t), "Origins", 0, "OriginCustomHeaders")) {
			if path(h, "HeaderName") == stack.OriginVerifyHeader {
				cfHeader = path(h, "HeaderValue")
			}
		}
		if js(cfHeader) != js(headerValue) {
			t.Errorf("CloudFront sends %s = %s but the ALB expects %s", stack.OriginVerifyHeader, js(cfHeader), js(headerValue))
		}
		if got := ref(s.secrets(t)["ORIGIN_VERIFY_SECRET"]); got != originSecret {
			t.Errorf("ORIGIN_VERIFY_SECRET comes from %q, want the secret %s", got, originSecret)
		}
		if s.env(t)["ORIGIN_VERIFY_HEADER"] != stack.OriginVerifyHeader {
			t.Errorf("ORIGIN_VERIFY_HEADER = %v", s.env(t)["ORIGIN_VERIFY_HEADER"])
		}
		for name := range s.env(t) {
			if strings.Contains(name, "SECRET") || name == "API_KEYS" {
				t.Errorf("%s is a plain environment variable; secrets go through ECS secrets", name)
			}
		}

		svc := s.one(t, "AWS::ECS::Service")
		svcSG := ref(path(svc.props, "NetworkConfiguration", "AwsvpcConfiguration", "SecurityGroups", 0))
		var sources []string
		for _, r := range s.resources("AWS::EC2::SecurityGroupIngress") {
			if ref(r.props["GroupId"]) == svcSG {
				sources = append(sources, ref(r.props["SourceSecurityGroupId"]))
				if r.props["FromPort"] != float64(stack.ContainerPort) {
					t.Errorf("task ingress on port %v, want only %d", r.props["FromPort"], stack.ContainerPort)
				}
			}
		}
		for _, sg := range s.resources("AWS::EC2::SecurityGroup") {
			if sg.id == svcSG && len(list(sg.props["SecurityGroupIngress"])) > 0 {
				t.Errorf("task security group has inline ingress %s", js(sg.props["SecurityGroupIngress"]))
			}
		}
		if len(sources) == 0 || slices.ContainsFunc(sources, func(s string) bool { return s != albSG }) {
			t.Errorf("task ingress sources %v, want only the ALB security group %s", sources, albSG)
		}
		wantIP := "DISABLED"
		if s.cfg.Networking == stack.Public {
			wantIP = "ENABLED"
		}
		if got := path(svc.props, "NetworkConfiguration", "AwsvpcConfiguration", "AssignPublicIp"); got != wantIP {
			t.Errorf("AssignPublicIp = %v, want %s for %s networking", got, wantIP, s.cfg.Networking)
		}
		endpoints := s.resources("AWS::EC2::VPCEndpoint")
		if s.cfg.Networking == stack.Private && len(endpoints) < 6 {
			t.Errorf("private networking with %d VPC endpoints; tasks could not pull the image or write logs", len(endpoints))
		}
		if s.cfg.Networking == stack.Public && len(endpoints) != 0 {
			t.Errorf("public networking with %d VPC endpoints (cost without use)", len(endpoints))
		}
		if n := len(s.resources("AWS::EC2::NatGateway")); n != 0 {
			t.Errorf("%d NAT gateways; the design needs none", n)
		}
	})
}

// P8: "works on one task, fails on two": the server is stateless, so the
// deployment runs more than one task and never pins clients to one.
func TestP8StatelessBehindTheLoadBalancer(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *synthesized) {
		tg := s.one(t, "AWS::ElasticLoadBalancingV2::TargetGroup")
		for _, a := range list(tg.props["TargetGroupAttributes"]) {
			if path(a, "Key") == "stickiness.enabled" && path(a, "Value") == "true" {
				t.Errorf("target group enables stickiness; the server needs none")
			}
		}
		svc := s.one(t, "AWS::ECS::Service")
		if got := svc.props["DesiredCount"]; got != float64(s.cfg.MinTasks) {
			t.Errorf("DesiredCount = %v, want minTasks %d", got, s.cfg.MinTasks)
		}
		st := s.one(t, "AWS::ApplicationAutoScaling::ScalableTarget")
		if st.props["MinCapacity"] != float64(s.cfg.MinTasks) || st.props["MaxCapacity"] != float64(s.cfg.MaxTasks) {
			t.Errorf("scaling %v..%v, want %d..%d", st.props["MinCapacity"], st.props["MaxCapacity"], s.cfg.MinTasks, s.cfg.MaxTasks)
		}
		subnets := list(path(svc.props, "NetworkConfiguration", "AwsvpcConfiguration", "Subnets"))
		if len(subnets) != 2 {
			t.Errorf("service spans %d subnets, want one in each of two AZs", len(subnets))
		}
		if got := js(path(svc.props, "DeploymentConfiguration", "DeploymentCircuitBreaker")); got != `{"Enable":true,"Rollback":true}` {
			t.Errorf("circuit breaker %s, want enabled with rollback", got)
		}
		if got := path(svc.props, "DeploymentConfiguration", "MinimumHealthyPercent"); got != float64(100) {
			t.Errorf("MinimumHealthyPercent = %v, want 100 (deployments never drop capacity)", got)
		}
		policies := s.resources("AWS::ApplicationAutoScaling::ScalingPolicy")
		var metrics string
		for _, p := range policies {
			metrics += js(path(p.props, "TargetTrackingScalingPolicyConfiguration", "PredefinedMetricSpecification", "PredefinedMetricType")) + " "
		}
		if len(policies) != 2 || !strings.Contains(metrics, "ECSServiceAverageCPUUtilization") || !strings.Contains(metrics, "ALBRequestCountPerTarget") {
			t.Errorf("want CPU and request-count scaling, got %s", metrics)
		}
		if defaults := synth(t, defaults); defaults.cfg.MinTasks < 2 {
			t.Errorf("default minTasks %d; two tasks by default prove statelessness and survive an AZ", defaults.cfg.MinTasks)
		}
	})
}

// P9: the server is never open by default, and the gateway authenticates
// the way the server checks.
func TestP9ServerAuthWiredToGateway(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *synthesized) {
		env, secrets := s.env(t), s.secrets(t)
		if got := env["AUTH"]; got != string(s.cfg.Auth) {
			t.Fatalf("AUTH = %v, want %s", got, s.cfg.Auth)
		}
		targets := s.resources("AWS::BedrockAgentCore::GatewayTarget")
		if got, want := len(targets), map[bool]int{true: 1, false: 0}[s.cfg.Gateway]; got != want {
			t.Fatalf("%d gateway targets, want %d", got, want)
		}
		var creds any
		if s.cfg.Gateway {
			target := targets[0]
			creds = path(target.props, "CredentialProviderConfigurations", 0)
			svc := s.one(t, "AWS::ECS::Service")
			if !contains(target.raw["DependsOn"], svc.id) {
				t.Errorf("gateway target does not depend on the ECS service %s (tool sync would find no healthy task): DependsOn %s", svc.id, js(target.raw["DependsOn"]))
			}
			gw := s.one(t, "AWS::BedrockAgentCore::Gateway")
			if got := gw.props["AuthorizerType"]; got != "CUSTOM_JWT" {
				t.Errorf("gateway inbound AuthorizerType = %v, want CUSTOM_JWT", got)
			}
		}
		switch s.cfg.Auth {
		case stack.AuthAPIKey:
			var keySecret string
			for _, sr := range s.resources("AWS::SecretsManager::Secret") {
				if strings.HasPrefix(sr.id, "ApiKeySecret") {
					keySecret = sr.id
				}
			}
			from := js(secrets["API_KEYS"])
			if keySecret == "" || !strings.Contains(from, keySecret) || !strings.Contains(from, ":apiKey::") {
				t.Errorf("API_KEYS comes from %s, want the apiKey field of the generated secret", from)
			}
			if env["API_KEY_HEADER"] != stack.APIKeyHeader {
				t.Errorf("API_KEY_HEADER = %v, want %s", env["API_KEY_HEADER"], stack.APIKeyHeader)
			}
			if s.cfg.Gateway {
				if path(creds, "CredentialProviderType") != "API_KEY" ||
					path(creds, "CredentialProvider", "ApiKeyCredentialProvider", "CredentialParameterName") != stack.APIKeyHeader ||
					path(creds, "CredentialProvider", "ApiKeyCredentialProvider", "CredentialPrefix") != "Bearer " {
					t.Errorf("gateway outbound auth %s, want the API key as %s: Bearer …", js(creds), stack.APIKeyHeader)
				}
				p := s.one(t, "AWS::BedrockAgentCore::ApiKeyCredentialProvider")
				if !contains(p.props["ApiKey"], secretsManagerDynamicRefStart) || !contains(p.props["ApiKey"], keySecret) {
					t.Errorf("gateway API key %s, want a dynamic reference to %s", js(p.props["ApiKey"]), keySecret)
				}
			}
		case stack.AuthJWT:
			var pool resource
			for _, p := range s.resources("AWS::Cognito::UserPool") {
				if strings.HasPrefix(p.id, "UserPool") { // the server's; the gateway's own is Gateway…
					pool = p
				}
			}
			if !contains(env["JWT_ISSUER"], "https://cognito-idp.") || !contains(env["JWT_ISSUER"], pool.id) {
				t.Errorf("JWT_ISSUER = %s, want the user pool's issuer", js(env["JWT_ISSUER"]))
			}
			if !contains(env["JWT_JWKS_URL"], "/.well-known/jwks.json") {
				t.Errorf("JWT_JWKS_URL = %s", js(env["JWT_JWKS_URL"]))
			}
			var agentsClient string
			for _, c := range s.resources("AWS::Cognito::UserPoolClient") {
				if ref(c.props["UserPoolId"]) == pool.id {
					agentsClient = c.id
					if got := js(c.props["AllowedOAuthFlows"]); got != `["client_credentials"]` || c.props["GenerateSecret"] != true {
						t.Errorf("app client flows %s, secret %v; want client_credentials with a secret", got, c.props["GenerateSecret"])
					}
				}
			}
			if ref(env["JWT_CLIENT_IDS"]) != agentsClient {
				t.Errorf("JWT_CLIENT_IDS = %s, want the app client %s", js(env["JWT_CLIENT_IDS"]), agentsClient)
			}
			if s.cfg.Gateway && (path(creds, "CredentialProviderType") != "OAUTH" || js(path(creds, "CredentialProvider", "OauthCredentialProvider", "Scopes")) != `["knowledge-mcp/invoke"]`) {
				t.Errorf("gateway outbound auth %s, want OAuth client credentials with scope knowledge-mcp/invoke", js(creds))
			}
		case stack.AuthNone:
			warnings := assertions.Annotations_FromStack(s.stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("auth=none")))
			if warnings == nil || len(*warnings) == 0 {
				t.Error("auth=none synthesized without a warning")
			}
		}
	})
	if d := synth(t, defaults); d.cfg.Auth != stack.AuthAPIKey {
		t.Errorf("default auth %s, want api-key", d.cfg.Auth)
	}
}

// TestWAF checks the optional web ACL: in us-east-1 (CloudFront's home),
// attached to the distribution, without the rules that block API clients.
func TestWAF(t *testing.T) {
	for _, ps := range []paramSet{noAuth, bedrockAPIKey, defaults} {
		t.Run(ps.name, func(t *testing.T) {
			s := synth(t, ps)
			webACL := path(s.distributionConfig(t), "WebACLId")
			if !s.cfg.WAF {
				if webACL != nil {
					t.Errorf("WAF off but WebACLId = %s", js(webACL))
				}
				return
			}
			if webACL == nil {
				t.Fatal("WAF on but the distribution has no WebACLId")
			}
			acls := s.resources("AWS::WAFv2::WebACL")
			if s.cfg.Region == "us-east-1" {
				if len(acls) != 1 || ref(webACL) != acls[0].id {
					t.Fatalf("WebACLId %s does not name the stack's web ACL", js(webACL))
				}
				acl := acls[0].props
				if acl["Scope"] != "CLOUDFRONT" {
					t.Errorf("web ACL scope %v", acl["Scope"])
				}
				rules := js(acl["Rules"])
				for _, want := range []string{"NoUserAgent_HEADER", "UserAgent_BadBots_HEADER", "SizeRestrictions_BODY", `"RateBasedStatement"`, `"Limit":2000`} {
					if !strings.Contains(rules, want) {
						t.Errorf("web ACL rules lack %s: %s", want, rules)
					}
				}
			} else {
				// CloudFront web ACLs exist only in us-east-1: a second stack
				// there holds it, read back through a cross-region reference.
				reader := false
				for _, r := range s.resources("Custom::CrossRegionExportReader") {
					reader = reader || r.id == ref(webACL)
				}
				if len(acls) != 0 || !reader {
					t.Errorf("WAF for %s must come from the us-east-1 stack by cross-region reference, got %s", s.cfg.Region, js(webACL))
				}
				var wafStacks int
				for _, st := range s.stacks {
					if *st.Region() == "us-east-1" {
						wafStacks++
						assert(t, "us-east-1 stack holds a CloudFront web ACL", func() {
							assertions.Template_FromStack(st, nil).HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{"Scope": "CLOUDFRONT"})
						})
					}
				}
				if wafStacks != 1 {
					t.Errorf("%d stacks in us-east-1, want the one WAF stack", wafStacks)
				}
			}
		})
	}
}

// TestOtherCombinations synthesizes option combinations the main sets do
// not cover: each must synthesize and pass cdk-nag.
func TestOtherCombinations(t *testing.T) {
	for _, ps := range []paramSet{
		{"jwt-without-gateway", map[string]string{"region": "us-east-1", "auth": "jwt"}},
		{"apikey-gateway-public-arm64", map[string]string{"region": "ap-northeast-1", "gateway": "true", "networking": "public", "architecture": "arm64"}},
		{"bedrock-rerank-arn-one-task", map[string]string{"region": "eu-central-1", "knowledgeBaseIds": "KB1",
			"rerankModel": "arn:aws:bedrock:eu-central-1::foundation-model/amazon.rerank-v1:0", "minTasks": "1", "maxTasks": "1"}},
	} {
		t.Run(ps.name, func(t *testing.T) {
			s := synth(t, ps)
			noNagErrors(t, s)
			if len(s.resources("AWS::ECS::Service")) != 1 || len(s.resources("AWS::CloudFront::Distribution")) != 1 {
				t.Error("the stack lacks its service or distribution")
			}
		})
	}
}

// noNagErrors fails for every unsuppressed AwsSolutions error in any stack
// of the app (the WAF may live in a us-east-1 stack).
func noNagErrors(t *testing.T, s *synthesized) {
	t.Helper()
	for _, st := range s.stacks {
		errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		if errs != nil {
			for _, e := range *errs {
				var m any // read through JSON: the Go fields are deprecated aliases
				_ = json.Unmarshal([]byte(js(e)), &m)
				t.Errorf("cdk-nag error at %v: %v", path(m, "id"), path(m, "entry", "data"))
			}
		}
	}
}

// TestCdkNagAwsSolutions runs the AwsSolutions pack on every parameter set:
// no unsuppressed error, and a reason on every suppression.
func TestCdkNagAwsSolutions(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *synthesized) {
		noNagErrors(t, s)
		suppressions := 0
		for id, r := range s.template["Resources"].(map[string]any) {
			for _, sup := range list(path(r, "Metadata", "cdk_nag", "rules_to_suppress")) {
				suppressions++
				reason, _ := path(sup, "reason").(string)
				if len(strings.Fields(reason)) < 5 {
					t.Errorf("%s suppresses %v with reason %q; give a real reason", id, path(sup, "id"), reason)
				}
			}
		}
		if suppressions == 0 {
			t.Error("no cdk-nag suppression metadata found: the check would pass vacuously")
		}
		t.Logf("%d suppressions, all with reasons", suppressions)
	})
}
