// Package stack defines the AWS CDK stack that runs knowledge-mcp on ECS
// Fargate behind an Application Load Balancer and CloudFront, optionally
// registered with an Amazon Bedrock AgentCore Gateway.
//
// Every pitfall of a hand-made deployment (P1–P9, docs/troubleshooting.md) is designed out
// here, and deploy/stack's tests assert each one on the synthesized
// template:
//
//	P1 CloudFront speaks HTTP to the HTTP-only ALB.
//	P2 Viewers are redirected to HTTPS; the server knows its public https URL.
//	P3 The target group checks /healthz; deregistration ends before the stop timeout.
//	P4 The image is built for the same CPU architecture the task runs on.
//	P5 Execution role and task role are apart; Bedrock rights only on the task role.
//	P6 OPTIONS and MCP's headers reach the server, which answers CORS itself.
//	P7 The ALB admits only CloudFront, and forwards only with the secret header.
//	P8 The server is stateless: no stickiness, two tasks by default.
//	P9 The server requires an API key or a JWT, wired to the gateway's outbound auth.
package stack

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Fixed facts of the server and the wiring between the parts.
const (
	// ContainerPort is where the server listens in the task (PORT).
	ContainerPort = 8080
	// HealthPath is the server's liveness endpoint, probed by the ALB.
	HealthPath = "/healthz"
	// MCPPath is the server's MCP endpoint.
	MCPPath = "/mcp"
	// OriginVerifyHeader carries the shared secret from CloudFront to the
	// ALB (and the server), proving a request came through the CDN.
	OriginVerifyHeader = "X-Origin-Verify"
	// APIKeyHeader is where AgentCore Gateway's API-key credential provider
	// puts the key, as "Bearer <key>".
	APIKeyHeader = "Authorization"
	// StopTimeoutSeconds is how long ECS waits after SIGTERM before SIGKILL.
	StopTimeoutSeconds = 30
	// DeregistrationDelaySeconds is how long the ALB drains a target; it must
	// end before the stop timeout so in-flight requests finish.
	DeregistrationDelaySeconds = 20
)

// New adds the knowledge-mcp stack to app, plus a us-east-1 stack for the
// CloudFront web ACL when a WAF is wanted in another region.
func New(app constructs.Construct, cfg Config) awscdk.Stack {
	if cfg.Target == TargetRuntime {
		return newRuntimeStack(app, cfg)
	}
	env := &awscdk.Environment{Region: jsii.String(cfg.Region)}
	if cfg.Account != "" {
		env.Account = jsii.String(cfg.Account)
	}

	var webACLArn *string
	crossRegion := false
	if cfg.WAF && cfg.Region != "us-east-1" {
		wafStack := awscdk.NewStack(app, jsii.String(cfg.StackName+"Waf"), &awscdk.StackProps{
			Env:                   &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String("us-east-1")},
			Description:           jsii.String("knowledge-mcp: the CloudFront web ACL (CloudFront web ACLs live in us-east-1)"),
			CrossRegionReferences: jsii.Bool(true),
		})
		webACLArn = newWebACL(wafStack, cfg).AttrArn()
		crossRegion = true
	}

	st := awscdk.NewStack(app, jsii.String(cfg.StackName), &awscdk.StackProps{
		Env:                   env,
		Description:           jsii.String("knowledge-mcp: MCP server for knowledge bases on ECS Fargate behind an ALB and CloudFront"),
		CrossRegionReferences: jsii.Bool(crossRegion),
	})
	awscdk.Tags_Of(st).Add(jsii.String("app"), jsii.String("knowledge-mcp"), nil)
	if cfg.WAF && cfg.Region == "us-east-1" {
		webACLArn = newWebACL(st, cfg).AttrArn()
	}

	net := newNetwork(st, cfg)

	// The origin-verify secret: generated, kept in Secrets Manager, handed to
	// CloudFront and the ALB rule as a CloudFormation dynamic reference and
	// to the task as an ECS secret, never as plain text in the template.
	originSecret := awssecretsmanager.NewSecret(st, jsii.String(secretID("OriginVerifySecret", cfg)), &awssecretsmanager.SecretProps{
		Description: jsii.String("Shared secret CloudFront sends in " + OriginVerifyHeader + "; the ALB forwards only requests that carry it"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			ExcludePunctuation: jsii.Bool(true),
			PasswordLength:     jsii.Number(48),
		},
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})

	lb := newLoadBalancer(st, cfg, net, originSecret)
	cdn := newDistribution(st, cfg, lb.alb, originSecret, webACLArn)
	publicURL := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), cdn.DistributionDomainName()})

	auth := newAuth(st, cfg)
	docs := newDocs(st, cfg)
	svc := newService(st, cfg, net, lb, originSecret, auth, publicURL)
	docs.serve(st, svc)

	awscdk.NewCfnOutput(st, jsii.String("McpUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("The MCP endpoint (streamable HTTP): give this URL to MCP clients and to `knowledge-mcp verify`"),
		Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{publicURL, jsii.String(MCPPath)}),
	})
	awscdk.NewCfnOutput(st, jsii.String("LogGroupName"), &awscdk.CfnOutputProps{
		Description: jsii.String("CloudWatch Logs group of the server (aws logs tail --follow NAME)"),
		Value:       svc.logGroup.LogGroupName(),
	})
	awscdk.NewCfnOutput(st, jsii.String("LoadBalancerDnsName"), &awscdk.CfnOutputProps{
		Description: jsii.String("The ALB behind CloudFront; a direct request must be refused (verify checks this)"),
		Value:       lb.alb.LoadBalancerDnsName(),
	})
	auth.outputs(st)

	if cfg.Gateway {
		newGateway(st, cfg, gatewayTarget{
			endpoint:    awscdk.Fn_Join(jsii.String(""), &[]*string{publicURL, jsii.String(MCPPath)}),
			description: "knowledge-mcp on ECS Fargate behind CloudFront",
			credentials: auth.gatewayCredentials(st),
			// The target waits for the ECS service, so the gateway's first
			// listing finds healthy tasks.
			dependsOn: svc.service,
		})
	}
	if cfg.Auth == AuthNone {
		awscdk.Annotations_Of(st).AddWarningV2(jsii.String("knowledge-mcp:unauthenticated"), jsii.String(
			"auth=none: anyone who finds the CloudFront URL can call the server (P9); deploy with -c auth=api-key (the default) or -c auth=jwt"))
	}
	addSuppressions(st, cfg)
	return st
}

// secretID is the construct id of a generated secret. A new generation is a
// new resource: CloudFormation creates a fresh value and updates every
// reference (CloudFront, the listener rule, the task, the gateway) in one
// deployment.
func secretID(base string, cfg Config) string {
	if cfg.SecretsGeneration <= 1 {
		return base
	}
	return fmt.Sprintf("%s%d", base, cfg.SecretsGeneration)
}

// envMap turns key/value pairs into the map ECS container options take.
func envMap(kv map[string]*string) *map[string]*string { return &kv }

// lowerName is a lower-case, hyphenated form of the stack name for resource
// names with stricter rules.
func lowerName(cfg Config) string { return strings.ToLower(cfg.StackName) }

// subnetType is where the tasks run.
func subnetType(cfg Config) awsec2.SubnetType {
	if cfg.Networking == Public {
		return awsec2.SubnetType_PUBLIC
	}
	return awsec2.SubnetType_PRIVATE_ISOLATED
}

// cpuArchitecture is the task's runtime platform.
func cpuArchitecture(cfg Config) awsecs.CpuArchitecture {
	if cfg.Architecture == ARM64 {
		return awsecs.CpuArchitecture_ARM64()
	}
	return awsecs.CpuArchitecture_X86_64()
}

// describe is a short human summary of the configuration for descriptions.
func describe(cfg Config) string {
	return fmt.Sprintf("%s backend, %s, %s networking, auth %s", cfg.Backend, cfg.Architecture, cfg.Networking, cfg.Auth)
}
