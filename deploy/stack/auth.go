package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbedrockagentcore"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
)

// Names shared by the server's JWT settings and the Cognito resources.
const (
	resourceServerID = "knowledge-mcp"
	invokeScope      = "invoke"
	apiKeyJSONField  = "apiKey"
)

// auth holds what the chosen authentication mode created: the server's
// settings for it, and how a gateway authenticates to the server.
type auth struct {
	mode         Auth
	apiKeySecret awssecretsmanager.Secret // api-key
	pool         awscognito.UserPool      // jwt
	client       awscognito.UserPoolClient
	domain       awscognito.UserPoolDomain
	issuer       *string
}

// newAuth creates the credentials store of the chosen mode: a generated API
// key in Secrets Manager, or a Cognito user pool with a resource server, a
// scope and a client-credentials app client.
func newAuth(st awscdk.Stack, cfg Config) *auth {
	a := &auth{mode: cfg.Auth}
	switch cfg.Auth {
	case AuthAPIKey:
		a.apiKeySecret = awssecretsmanager.NewSecret(st, jsii.String(secretID("ApiKeySecret", cfg)), &awssecretsmanager.SecretProps{
			Description: jsii.String("API key the knowledge-mcp server accepts (JSON field apiKey); callers send Authorization: Bearer <key>"),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				SecretStringTemplate: jsii.String("{}"),
				GenerateStringKey:    jsii.String(apiKeyJSONField),
				ExcludePunctuation:   jsii.Bool(true),
				PasswordLength:       jsii.Number(48),
			},
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
	case AuthJWT:
		a.pool = awscognito.NewUserPool(st, jsii.String("UserPool"), &awscognito.UserPoolProps{
			SelfSignUpEnabled: jsii.Bool(false),
			FeaturePlan:       awscognito.FeaturePlan_ESSENTIALS,
			PasswordPolicy: &awscognito.PasswordPolicy{
				MinLength:        jsii.Number(12),
				RequireDigits:    jsii.Bool(true),
				RequireLowercase: jsii.Bool(true),
				RequireUppercase: jsii.Bool(true),
				RequireSymbols:   jsii.Bool(true),
			},
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
		scope := awscognito.NewResourceServerScope(&awscognito.ResourceServerScopeProps{
			ScopeName:        jsii.String(invokeScope),
			ScopeDescription: jsii.String("Call the knowledge-mcp server's tools"),
		})
		rs := a.pool.AddResourceServer(jsii.String("Api"), &awscognito.UserPoolResourceServerOptions{
			Identifier: jsii.String(resourceServerID),
			Scopes:     &[]awscognito.ResourceServerScope{scope},
		})
		a.domain = a.pool.AddDomain(jsii.String("Domain"), &awscognito.UserPoolDomainOptions{
			CognitoDomain: &awscognito.CognitoDomainOptions{
				// Unique per region: the stack name and the account.
				DomainPrefix: awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String(lowerName(cfg)), awscdk.Aws_ACCOUNT_ID()}),
			},
		})
		a.client = a.pool.AddClient(jsii.String("Agents"), &awscognito.UserPoolClientOptions{
			GenerateSecret: jsii.Bool(true),
			AuthFlows:      &awscognito.AuthFlow{},
			OAuth: &awscognito.OAuthSettings{
				Flows:  &awscognito.OAuthFlows{ClientCredentials: jsii.Bool(true)},
				Scopes: &[]awscognito.OAuthScope{awscognito.OAuthScope_ResourceServer(rs, scope)},
			},
			AccessTokenValidity: awscdk.Duration_Minutes(jsii.Number(60)),
		})
		a.issuer = awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("https://cognito-idp."), jsii.String(cfg.Region), jsii.String(".amazonaws.com/"), a.pool.UserPoolId(),
		})
	}
	return a
}

// serverEnv is the server's authentication settings (plain values).
func (a *auth) serverEnv() map[string]*string {
	env := map[string]*string{"AUTH": jsii.String(string(a.mode))}
	switch a.mode {
	case AuthAPIKey:
		env["API_KEY_HEADER"] = jsii.String(APIKeyHeader)
	case AuthJWT:
		env["JWT_ISSUER"] = a.issuer
		env["JWT_JWKS_URL"] = awscdk.Fn_Join(jsii.String(""), &[]*string{a.issuer, jsii.String("/.well-known/jwks.json")})
		// Cognito client-credentials access tokens carry the app client in
		// client_id (they have no aud claim).
		env["JWT_CLIENT_IDS"] = a.client.UserPoolClientId()
		// The scope the gateway asks for; the server refuses tokens without it.
		env["JWT_REQUIRED_SCOPES"] = jsii.String(resourceServerID + "/" + invokeScope)
	}
	return env
}

// serverSecrets is the server's authentication secrets, fetched by ECS.
func (a *auth) serverSecrets() map[string]awsecs.Secret {
	if a.mode == AuthAPIKey {
		return map[string]awsecs.Secret{"API_KEYS": awsecs.Secret_FromSecretsManager(a.apiKeySecret, jsii.String(apiKeyJSONField))}
	}
	return map[string]awsecs.Secret{}
}

// gatewayCredentials is how AgentCore Gateway authenticates to the server:
// the same API key, or OAuth client credentials from the same user pool.
func (a *auth) gatewayCredentials(st awscdk.Stack) []awsbedrockagentcore.ICredentialProviderConfig {
	switch a.mode {
	case AuthAPIKey:
		provider := awsbedrockagentcore.NewApiKeyCredentialProvider(st, jsii.String("GatewayApiKey"), &awsbedrockagentcore.ApiKeyCredentialProviderProps{
			// A dynamic reference: CloudFormation resolves it; the template holds no key.
			ApiKey: a.apiKeySecret.SecretValueFromJson(jsii.String(apiKeyJSONField)),
		})
		return []awsbedrockagentcore.ICredentialProviderConfig{
			awsbedrockagentcore.GatewayCredentialProvider_FromApiKeyIdentity(provider, &awsbedrockagentcore.FromApiKeyIdentityOptions{
				CredentialLocation: awsbedrockagentcore.ApiKeyCredentialLocation_Header(&awsbedrockagentcore.ApiKeyAdditionalConfiguration{
					CredentialParameterName: jsii.String(APIKeyHeader),
					CredentialPrefix:        jsii.String("Bearer "),
				}),
			}),
		}
	case AuthJWT:
		provider := awsbedrockagentcore.OAuth2CredentialProvider_UsingCustom(st, jsii.String("GatewayOAuth"), &awsbedrockagentcore.CustomOAuth2CredentialProviderProps{
			ClientId:     a.client.UserPoolClientId(),
			ClientSecret: a.client.UserPoolClientSecret(),
			DiscoveryUrl: awscdk.Fn_Join(jsii.String(""), &[]*string{a.issuer, jsii.String("/.well-known/openid-configuration")}),
		})
		return []awsbedrockagentcore.ICredentialProviderConfig{
			awsbedrockagentcore.GatewayCredentialProvider_FromOauthIdentity(provider, &awsbedrockagentcore.FromOauthIdentityOptions{
				Scopes: &[]*string{jsii.String(resourceServerID + "/" + invokeScope)},
			}),
		}
	}
	// auth=none: the gateway sends nothing (New warns about it).
	return []awsbedrockagentcore.ICredentialProviderConfig{}
}

// outputs tells the operator where the credentials are.
func (a *auth) outputs(st awscdk.Stack) {
	switch a.mode {
	case AuthAPIKey:
		awscdk.NewCfnOutput(st, jsii.String("ApiKeySecretArn"), &awscdk.CfnOutputProps{
			Description: jsii.String("Secret holding the API key (field apiKey); read it with: aws secretsmanager get-secret-value --secret-id ARN --query SecretString --output text"),
			Value:       a.apiKeySecret.SecretArn(),
		})
	case AuthJWT:
		awscdk.NewCfnOutput(st, jsii.String("TokenUrl"), &awscdk.CfnOutputProps{
			Description: jsii.String("OAuth 2.0 token endpoint (client-credentials grant, scope " + resourceServerID + "/" + invokeScope + ")"),
			Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{a.domain.BaseUrl(nil), jsii.String("/oauth2/token")}),
		})
		awscdk.NewCfnOutput(st, jsii.String("OAuthClientId"), &awscdk.CfnOutputProps{
			Description: jsii.String("Cognito app client for agents; its secret: aws cognito-idp describe-user-pool-client"),
			Value:       a.client.UserPoolClientId(),
		})
		awscdk.NewCfnOutput(st, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: a.pool.UserPoolId()})
	}
}
