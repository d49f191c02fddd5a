package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbedrockagentcore"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"
)

// GatewayTargetName prefixes the server's tools in the gateway's catalog
// (knowledge___search_knowledge_base); short, because model APIs cap tool
// names at 64 characters.
const GatewayTargetName = "knowledge"

// newGateway creates an AgentCore Gateway (MCP, inbound OAuth through the
// Cognito user pool the construct creates) with this server as an MCP
// server target at https://…/mcp. Its outbound auth is the server's own
// (P9). The target waits for the ECS service, so the gateway's tool sync at
// creation finds healthy tasks.
func newGateway(st awscdk.Stack, cfg Config, a *auth, svc awsecs.FargateService, publicURL *string) {
	gw := awsbedrockagentcore.NewGateway(st, jsii.String("Gateway"), &awsbedrockagentcore.GatewayProps{
		GatewayName: jsii.String(lowerName(cfg) + "-gateway"),
		Description: jsii.String("knowledge-mcp " + cfg.StackName + ": search and read the knowledge base"),
		ProtocolConfiguration: awsbedrockagentcore.NewMcpProtocolConfiguration(&awsbedrockagentcore.McpConfiguration{
			SupportedVersions: &[]awsbedrockagentcore.MCPProtocolVersion{
				awsbedrockagentcore.MCPProtocolVersion_MCP_2025_06_18(),
				awsbedrockagentcore.MCPProtocolVersion_MCP_2025_03_26(),
			},
			Instructions: jsii.String("Search the knowledge base before answering and cite the sources it returns."),
		}),
	})
	creds := a.gatewayCredentials(st)
	target := gw.AddMcpServerTarget(jsii.String("KnowledgeMcpTarget"), &awsbedrockagentcore.AddMcpServerTargetOptions{
		GatewayTargetName:                jsii.String(GatewayTargetName),
		Description:                      jsii.String("knowledge-mcp on ECS Fargate behind CloudFront"),
		Endpoint:                         awscdk.Fn_Join(jsii.String(""), &[]*string{publicURL, jsii.String(MCPPath)}),
		CredentialProviderConfigurations: &creds,
	})
	target.Node().AddDependency(svc)

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
}
