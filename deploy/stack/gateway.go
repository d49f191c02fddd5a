package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbedrockagentcore"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GatewayTargetName prefixes the server's tools in the gateway's catalog
// (knowledge___search_knowledge_base); short, because model APIs cap tool
// names at 64 characters.
const GatewayTargetName = "knowledge"

// GatewayProtocolVersions are the MCP versions the gateway accepts: every
// version the server speaks that AgentCore Gateway supports. The gateway
// refuses an initialize whose version is not listed, so a version missing
// here locks out the agents that speak it.
var GatewayProtocolVersions = []string{"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"}

// GatewayListingMode is how the gateway lists the target's tools, prompts
// and resources. DYNAMIC forwards every list call to the server, so the
// catalog is always the one the running server offers: after a deploy
// with a new image or other knowledge bases, and when documents are added
// to a knowledge base between deploys (resources/list names documents).
// The DEFAULT mode caches the lists when the target is created or updated
// and needs SynchronizeGatewayTargets after every change; its one gain,
// the gateway's semantic tool search, is not enabled on this gateway
// (docs/agentcore.md explains the choice).
const GatewayListingMode = "DYNAMIC"

// gatewayTarget is what the gateway fronts: the server's MCP endpoint, how
// the gateway authenticates to it, and what must exist before the target
// is created (its creation lists the server's tools).
type gatewayTarget struct {
	endpoint    *string
	description string
	credentials []awsbedrockagentcore.ICredentialProviderConfig
	dependsOn   constructs.IDependable
}

// newGateway creates an AgentCore Gateway (MCP, inbound OAuth through the
// Cognito user pool the construct creates) with the server as an MCP
// server target.
func newGateway(st awscdk.Stack, cfg Config, target gatewayTarget) awsbedrockagentcore.Gateway {
	versions := make([]awsbedrockagentcore.MCPProtocolVersion, len(GatewayProtocolVersions))
	for i, v := range GatewayProtocolVersions {
		// The CDK enum lacks the newer versions; Of passes any value through.
		versions[i] = awsbedrockagentcore.MCPProtocolVersion_Of(jsii.String(v))
	}
	gw := awsbedrockagentcore.NewGateway(st, jsii.String("Gateway"), &awsbedrockagentcore.GatewayProps{
		GatewayName: jsii.String(lowerName(cfg) + "-gateway"),
		Description: jsii.String("knowledge-mcp " + cfg.StackName + ": search and read the knowledge base"),
		ProtocolConfiguration: awsbedrockagentcore.NewMcpProtocolConfiguration(&awsbedrockagentcore.McpConfiguration{
			SupportedVersions: &versions,
			Instructions:      jsii.String("Search the knowledge base before answering and cite the sources it returns."),
		}),
	})
	t := gw.AddMcpServerTarget(jsii.String("KnowledgeMcpTarget"), &awsbedrockagentcore.AddMcpServerTargetOptions{
		GatewayTargetName:                jsii.String(GatewayTargetName),
		Description:                      jsii.String(target.description),
		Endpoint:                         target.endpoint,
		CredentialProviderConfigurations: &target.credentials,
	})
	t.Node().DefaultChild().(awsbedrockagentcore.CfnGatewayTarget).AddPropertyOverride(
		jsii.String("TargetConfiguration.Mcp.McpServer.ListingMode"), jsii.String(GatewayListingMode))
	if target.dependsOn != nil {
		t.Node().AddDependency(target.dependsOn)
	}

	awscdk.NewCfnOutput(st, jsii.String("GatewayUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("AgentCore Gateway MCP endpoint for agents (OAuth client credentials from the gateway's user pool)"),
		Value:       gw.GatewayUrl(),
	})
	if gw.UserPoolClient() != nil && gw.TokenEndpointUrl() != nil {
		awscdk.NewCfnOutput(st, jsii.String("GatewayTokenUrl"), &awscdk.CfnOutputProps{
			Description: jsii.String("Token endpoint for agents calling the gateway (client-credentials grant)"),
			Value:       gw.TokenEndpointUrl(),
		})
		awscdk.NewCfnOutput(st, jsii.String("GatewayScopes"), &awscdk.CfnOutputProps{
			Description: jsii.String("OAuth scopes to request from GatewayTokenUrl"),
			Value:       awscdk.Fn_Join(jsii.String(" "), gw.OauthScopes()),
		})
		awscdk.NewCfnOutput(st, jsii.String("GatewayClientId"), &awscdk.CfnOutputProps{
			Description: jsii.String("Cognito app client for agents calling the gateway; its secret: aws cognito-idp describe-user-pool-client"),
			Value:       gw.UserPoolClient().UserPoolClientId(),
		})
	}
	return gw
}
