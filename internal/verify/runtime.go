package verify

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Failures of a server hosted on Amazon Bedrock AgentCore Runtime, as its
// invoke URL (https://bedrock-agentcore.REGION.amazonaws.com/runtimes/ARN/invocations)
// shows them. The platform answers for the container when it cannot reach
// it, and authenticates every request itself.
var (
	diagRuntimeHealth = Diagnosis{Pattern: "runtime-health-check-failed",
		Cause: "AgentCore Runtime answered JSON-RPC error -32010 \"Runtime health check failed\": the platform's own POST /mcp to the container over loopback did not succeed, so no request reaches the server. The usual causes: the server listens on another port than 8000 (the image's default PORT is 8080), or on 127.0.0.1 instead of 0.0.0.0; its DNS-rebinding guard refuses the probe's public Host (403); or it crashed at start (an amd64 image on the arm64 microVM dies with 'exec format error')",
		Fix:   "set the runtime's environment to PORT=8000, HOST=0.0.0.0, ALLOWED_HOSTS=* and AUTH=none (cdk deploy -c target=agentcore-runtime does), build the image for linux/arm64, and read the runtime's log group /aws/bedrock-agentcore/runtimes/<id>-DEFAULT"}
	diagRuntimePort = Diagnosis{Pattern: "runtime-wrong-port",
		Cause: "the Runtime could not reach the container on port 8000: the server listens elsewhere, most often on 8080, the image's default and the port of ECS deployments",
		Fix:   "set PORT=8000 in the runtime's environment variables (and HOST=0.0.0.0); verify --template checks a synthesized Runtime for it"}
	diagRuntimeProtocol = Diagnosis{Pattern: "runtime-protocol-not-mcp",
		Cause: "the Runtime's /invocations answered 404 or 502: its protocol is not MCP, so the platform proxies to the container's port 8080 at /invocations (the HTTP agent contract) instead of port 8000 at /mcp; knowledge-mcp serves neither that port nor that path there",
		Fix:   "set the runtime's ProtocolConfiguration to MCP (CloudFormation: ProtocolConfiguration: MCP; CDK: ProtocolType.MCP; API and CLI: protocolConfiguration serverProtocol=MCP) and redeploy"}
	diagRuntimeNoToken = Diagnosis{Pattern: "runtime-jwt-missing",
		Cause: "the Runtime's JWT authorizer refused the call: no bearer token was sent. The platform checks it before anything reaches the container",
		Fix:   "get an access token from the user pool's token endpoint (client-credentials grant, the stack's TokenUrl and OAuthClientId outputs) and pass it with --token (VERIFY_TOKEN)"}
	diagRuntimeTokenRejected = Diagnosis{Pattern: "runtime-jwt-rejected",
		Cause: "the Runtime's JWT authorizer rejected the bearer token: expired, issued by another user pool than the authorizer's discovery URL names, or for an app client (client_id) or audience the authorizer does not allow",
		Fix:   "request a fresh token from the TokenUrl output with the OAuthClientId output's client; compare the token's iss and client_id with the runtime's CustomJWTAuthorizer DiscoveryUrl and AllowedClients"}
	diagRuntimeAuthMismatch = Diagnosis{Pattern: "runtime-auth-method-mismatch",
		Cause: "the Runtime is configured for another authorization method than the request used: a bearer token sent to a runtime with IAM (SigV4) inbound auth, or a SigV4 signature to one with a JWT authorizer",
		Fix:   "with runtimeAuth=iam, sign requests with SigV4 for service bedrock-agentcore (verify cannot sign; call through the gateway or an AWS SDK); with runtimeAuth=jwt, send Authorization: Bearer <token>"}
	diagRuntimeSigV4 = Diagnosis{Pattern: "runtime-sigv4-missing",
		Cause: "the Runtime uses IAM inbound auth and the request carried no valid SigV4 signature (Missing Authentication Token, or a signature or security token AWS does not accept), or the signing principal lacks bedrock-agentcore:InvokeAgentRuntime on the runtime",
		Fix:   "sign with SigV4 (service bedrock-agentcore) as a principal allowed bedrock-agentcore:InvokeAgentRuntime on the RuntimeArn output, or deploy with -c runtimeAuth=jwt to call with a bearer token (verify --token)"}
)

// runtimeInvocationPath matches the path of a Runtime's invoke URL.
var runtimeInvocationPath = regexp.MustCompile(`^/runtimes/[^/]+/invocations/?$`)

// isRuntimeURL reports whether raw is an AgentCore Runtime invoke URL (any
// host: stand-ins and VPC endpoints serve the same path).
func isRuntimeURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	p := u.EscapedPath()
	if p == "" {
		p = u.Path
	}
	return runtimeInvocationPath.MatchString(p)
}

// diagnoseRuntime maps an answer from an AgentCore Runtime URL to the
// platform's failure patterns; nil when the URL is not a Runtime's or the
// answer shows none of them.
func diagnoseRuntime(e *exchange, sentAuth bool) []Diagnosis {
	if e == nil || e.Err != nil {
		return nil
	}
	if e.bodyContains(`"code":-32010`, `"code": -32010`, "runtime health check failed") {
		ds := []Diagnosis{diagRuntimeHealth}
		if e.bodyContains("8080", "port 8000", "connection refused") {
			ds = append([]Diagnosis{diagRuntimePort}, ds...)
		}
		return ds
	}
	if !isRuntimeURL(e.URL) {
		return nil
	}
	switch {
	case e.Status == http.StatusNotFound || e.Status == http.StatusBadGateway:
		if e.bodyContains("8080", "port 8000", "connection refused") {
			return []Diagnosis{diagRuntimePort, diagRuntimeProtocol}
		}
		return []Diagnosis{diagRuntimeProtocol}
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		switch {
		case e.bodyContains("authorization method mismatch"):
			return []Diagnosis{diagRuntimeAuthMismatch}
		case e.bodyContains("missing authentication token", "security token", "signature", "sigv4", "invokeagentruntime", "not authorized to perform"):
			return []Diagnosis{diagRuntimeSigV4}
		case sentAuth:
			return []Diagnosis{diagRuntimeTokenRejected}
		case strings.Contains(strings.ToLower(e.Header.Get("WWW-Authenticate")), "bearer") || e.Status == http.StatusUnauthorized:
			return []Diagnosis{diagRuntimeNoToken}
		default:
			return []Diagnosis{diagRuntimeNoToken, diagRuntimeSigV4}
		}
	}
	return nil
}
