package stack

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbedrockagentcore"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Target is where the server runs.
type Target string

const (
	// TargetECS runs the server on ECS Fargate behind an ALB and CloudFront.
	TargetECS Target = "ecs"
	// TargetRuntime runs the same image as an Amazon Bedrock AgentCore
	// Runtime: no VPC, load balancer or CDN; the platform terminates TLS,
	// authenticates callers, and starts a microVM per session.
	TargetRuntime Target = "agentcore-runtime"
)

// RuntimeAuth is how AgentCore Runtime authenticates inbound calls.
type RuntimeAuth string

const (
	// RuntimeAuthJWT admits bearer tokens from a Cognito user pool the stack
	// creates (client-credentials grant), checked by the platform's JWT
	// authorizer before a request reaches the container.
	RuntimeAuthJWT RuntimeAuth = "jwt"
	// RuntimeAuthIAM admits SigV4-signed requests from principals allowed
	// bedrock-agentcore:InvokeAgentRuntime (the platform's default).
	RuntimeAuthIAM RuntimeAuth = "iam"
)

// The AgentCore Runtime's contract with an MCP container: it proxies
// https://bedrock-agentcore.REGION.amazonaws.com/runtimes/ARN/invocations
// to 0.0.0.0:8000/mcp in a linux/arm64 microVM when the runtime's protocol
// is MCP (with the HTTP protocol it proxies to :8080/invocations instead).
const (
	// RuntimePort is where the server listens in the Runtime's microVM.
	RuntimePort = 8000
	// RuntimeProtocol is the runtime's server protocol.
	RuntimeProtocol = "MCP"
	// RuntimeQualifier is the endpoint every runtime has, following its
	// latest version.
	RuntimeQualifier = "DEFAULT"
)

// runtimeNamePattern is AgentCore's rule for runtime names.
var runtimeNamePattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,47}$`)

// RuntimeName is the AgentCore Runtime's name: the stack name with
// underscores for hyphens, at most 48 characters.
func RuntimeName(cfg Config) string {
	name := strings.ReplaceAll(cfg.StackName, "-", "_")
	if len(name) > 48 {
		name = name[:48]
	}
	return name
}

// runtimeSettings reads the target and the Runtime's settings. For the
// Runtime the architecture defaults to arm64, the only one it runs.
func (p *parser) runtimeSettings(c *Config) {
	c.Target = Target(strings.ToLower(p.str("target", string(TargetECS))))
	c.RuntimeAuth = RuntimeAuth(strings.ToLower(p.str("runtimeAuth", string(RuntimeAuthJWT))))
	if c.Target != TargetRuntime {
		return
	}
	if _, set := p.raw("architecture"); !set {
		c.Architecture = ARM64
	}
	if s, set := p.raw("auth"); set && s != "" {
		p.errs = append(p.errs, fmt.Errorf("-c auth=%s: auth is the ECS server's own check; with target=agentcore-runtime the platform authenticates callers: use -c runtimeAuth=jwt (the default) or -c runtimeAuth=iam", s))
	}
}

// validateTarget checks the target and the Runtime's settings.
func (c *Config) validateTarget() []error {
	var errs []error
	switch c.Target {
	case TargetECS:
	case TargetRuntime:
		if c.Architecture != ARM64 {
			errs = append(errs, fmt.Errorf("-c architecture: %s; AgentCore Runtime runs linux/arm64 images only: drop -c architecture or pass arm64", c.Architecture))
		}
		if !runtimeNamePattern.MatchString(RuntimeName(*c)) {
			errs = append(errs, fmt.Errorf("-c stackName: %q does not give a valid AgentCore Runtime name", c.StackName))
		}
	default:
		errs = append(errs, fmt.Errorf("-c target: %q; use ecs (Fargate behind CloudFront) or agentcore-runtime", c.Target))
	}
	if c.RuntimeAuth != RuntimeAuthJWT && c.RuntimeAuth != RuntimeAuthIAM {
		errs = append(errs, fmt.Errorf("-c runtimeAuth: %q; use jwt (Cognito bearer tokens) or iam (SigV4)", c.RuntimeAuth))
	}
	return errs
}

// RuntimeEnvironment is the server's configuration inside AgentCore
// Runtime. The server needs no code path of its own there, only these
// values:
//   - HOST and PORT: the platform connects to 0.0.0.0:8000;
//   - AUTH=none: the platform authenticates every request before it reaches
//     the container (JWT authorizer or SigV4), and Authorization is not
//     allow-listed, so the token never reaches the server;
//   - ALLOWED_HOSTS=*: the platform's own health checks are POST /mcp from
//     loopback with the public endpoint's Host, which the server's
//     DNS-rebinding guard would refuse; in a microVM no browser shares the
//     loopback interface, so the guard protects nothing there;
//   - no ORIGIN_VERIFY_*: there is no CDN whose secret the server could check.
func RuntimeEnvironment(cfg Config) map[string]string {
	env := map[string]string{
		"HOST":          "0.0.0.0",
		"PORT":          fmt.Sprint(RuntimePort),
		"AUTH":          string(AuthNone),
		"ALLOWED_HOSTS": "*",
		"LOG_LEVEL":     cfg.LogLevel,
		"KB_BACKEND":    cfg.Backend,
		"AWS_REGION":    cfg.Region,
	}
	if len(cfg.KnowledgeBaseIDs) > 0 {
		env["KNOWLEDGE_BASE_IDS"] = strings.Join(cfg.KnowledgeBaseIDs, ",")
	}
	if cfg.UsesGeneration() {
		env["BEDROCK_MODEL_ARN"] = cfg.GenerationModel
	}
	if cfg.UsesRerank() {
		env["BEDROCK_RERANKER_MODEL_ARN"] = cfg.RerankModel
	}
	if cfg.DataBucket != "" {
		env["DOCUMENT_BUCKETS"] = cfg.DataBucket
	}
	// Hook for an index kept in S3 (-c docs=s3://…): add its environment
	// here and its s3:GetObject to taskPolicy, which both homes share.
	return env
}

// newRuntimeStack deploys the image as an AgentCore Runtime (protocol MCP,
// arm64), with a Cognito JWT authorizer or IAM inbound auth, and
// optionally an AgentCore Gateway in front of it.
func newRuntimeStack(app constructs.Construct, cfg Config) awscdk.Stack {
	env := &awscdk.Environment{Region: jsii.String(cfg.Region)}
	if cfg.Account != "" {
		env.Account = jsii.String(cfg.Account)
	}
	st := awscdk.NewStack(app, jsii.String(cfg.StackName), &awscdk.StackProps{
		Env:         env,
		Description: jsii.String("knowledge-mcp: MCP server for knowledge bases on Amazon Bedrock AgentCore Runtime"),
	})
	awscdk.Tags_Of(st).Add(jsii.String("app"), jsii.String("knowledge-mcp"), nil)

	// JWT inbound auth reuses the ECS home's Cognito pool, resource server,
	// scope and client-credentials app client.
	authCfg := cfg
	authCfg.Auth = AuthNone
	if cfg.RuntimeAuth == RuntimeAuthJWT {
		authCfg.Auth = AuthJWT
	}
	a := newAuth(st, authCfg)
	authorizer := awsbedrockagentcore.RuntimeAuthorizerConfiguration_UsingIAM()
	if a.mode == AuthJWT {
		authorizer = awsbedrockagentcore.RuntimeAuthorizerConfiguration_UsingCognito(a.pool,
			&[]awscognito.IUserPoolClient{a.client}, nil, nil, nil)
	}

	vars := map[string]*string{}
	for k, v := range RuntimeEnvironment(cfg) {
		vars[k] = jsii.String(v)
	}
	rt := awsbedrockagentcore.NewRuntime(st, jsii.String("Runtime"), &awsbedrockagentcore.RuntimeProps{
		RuntimeName: jsii.String(RuntimeName(cfg)),
		Description: jsii.String("knowledge-mcp " + cfg.StackName + " (" + cfg.Backend + " backend)"),
		AgentRuntimeArtifact: awsbedrockagentcore.AgentRuntimeArtifact_FromAsset(jsii.String(cfg.ImageDir), &awsecrassets.DockerImageAssetOptions{
			Platform: awsecrassets.Platform_LINUX_ARM64(),
			File:     jsii.String("Dockerfile"),
			Target:   jsii.String("runtime"),
		}),
		ProtocolConfiguration:   awsbedrockagentcore.ProtocolType_MCP(),
		NetworkConfiguration:    awsbedrockagentcore.RuntimeNetworkConfiguration_UsingPublicNetwork(),
		AuthorizerConfiguration: authorizer,
		EnvironmentVariables:    &vars,
	})
	// The execution role gets what the server calls, as the ECS task role does.
	for _, s := range taskPolicy(st, cfg) {
		rt.AddToRolePolicy(s)
	}
	invokeURL := runtimeInvokeURL(rt)

	awscdk.NewCfnOutput(st, jsii.String("McpUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("The Runtime's MCP endpoint (streamable HTTP): give this URL to MCP clients and to `knowledge-mcp verify`"),
		Value:       invokeURL,
	})
	awscdk.NewCfnOutput(st, jsii.String("RuntimeArn"), &awscdk.CfnOutputProps{Value: rt.AgentRuntimeArn()})
	awscdk.NewCfnOutput(st, jsii.String("HowToAuthenticate"), &awscdk.CfnOutputProps{
		Description: jsii.String("How a caller authenticates to the Runtime"),
		Value:       jsii.String(runtimeAuthHowTo(cfg.RuntimeAuth)),
	})
	a.outputs(st)

	if cfg.Gateway {
		target := gatewayTarget{
			endpoint:    invokeURL,
			description: "knowledge-mcp on Amazon Bedrock AgentCore Runtime",
			dependsOn:   rt,
		}
		if a.mode == AuthJWT {
			target.credentials = a.gatewayCredentials(st)
		} else {
			target.credentials = []awsbedrockagentcore.ICredentialProviderConfig{
				awsbedrockagentcore.GatewayCredentialProvider_FromIamRole(&awsbedrockagentcore.GatewayIamRoleCredentialProviderProps{
					Service: jsii.String("bedrock-agentcore"),
				}),
			}
		}
		gw := newGateway(st, cfg, target)
		if a.mode != AuthJWT {
			rt.GrantInvokeRuntime(gw.Role())
		}
	}
	addRuntimeSuppressions(st, cfg)
	return st
}

// runtimeInvokeURL is the Runtime's MCP endpoint:
// https://bedrock-agentcore.REGION.amazonaws.com/runtimes/ARN/invocations?qualifier=DEFAULT
// with the ARN percent-encoded (CloudFormation has no encoding function, so
// the ARN is rebuilt from its parts with ':' and '/' escaped).
func runtimeInvokeURL(rt awsbedrockagentcore.Runtime) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://bedrock-agentcore."), awscdk.Aws_REGION(), jsii.String(".amazonaws.com/runtimes/arn%3A"),
		awscdk.Aws_PARTITION(), jsii.String("%3Abedrock-agentcore%3A"), awscdk.Aws_REGION(), jsii.String("%3A"),
		awscdk.Aws_ACCOUNT_ID(), jsii.String("%3Aruntime%2F"), rt.AgentRuntimeId(),
		jsii.String("/invocations?qualifier=" + RuntimeQualifier),
	})
}

// runtimeAuthHowTo is the HowToAuthenticate output.
func runtimeAuthHowTo(mode RuntimeAuth) string {
	if mode == RuntimeAuthIAM {
		return "Sign requests with SigV4 (service bedrock-agentcore) as a principal allowed bedrock-agentcore:InvokeAgentRuntime on RuntimeArn"
	}
	return "POST grant_type=client_credentials&scope=" + resourceServerID + "/" + invokeScope +
		" to TokenUrl with OAuthClientId and its secret (aws cognito-idp describe-user-pool-client --user-pool-id UserPoolId --client-id OAuthClientId); send Authorization: Bearer <access_token>"
}

// addRuntimeSuppressions accepts the cdk-nag findings of the Runtime stack
// that are deliberate, each with its reason.
func addRuntimeSuppressions(st awscdk.Stack, cfg Config) {
	child := func(id string) constructs.IConstruct { return st.Node().TryFindChild(jsii.String(id)) }
	platform := []any{
		"Resource::*",
		&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:logs:[^:]+:(<AWS::AccountId>|\d{12}):log-group:.*\*$/`)},
		&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:bedrock-agentcore:[^:]+:(<AWS::AccountId>|\d{12}):workload-identity-directory\/default\/workload-identity\/\*$/`)},
	}
	suppressServerRole(child("Runtime"), cfg, platform, "What AgentCore Runtime itself needs, written by the CDK Runtime construct: "+
		"log groups and streams under /aws/bedrock-agentcore/runtimes/ (named by the platform per runtime and endpoint) and "+
		"DescribeLogGroups (no resource-level permission); X-Ray segments, cloudwatch:PutMetricData (limited to the "+
		"bedrock-agentcore namespace by condition) and ecr:GetAuthorizationToken, which have no resource-level permissions; "+
		"workload access tokens for this account's workload identities (the platform names the runtime's identity). "+
		"Of the server's own rights: ")
	suppressAuthAndGateway(child)
}
