package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// The catalogue of failure patterns the doctor recognizes, each with the
// deployment pitfall (P1–P9, docs/troubleshooting.md) it is, its cause and its fix.
var (
	diagCloudFront504 = Diagnosis{Pitfall: "P1", Pattern: "cloudfront-504",
		Cause: "504 with Server: CloudFront / X-Cache: Error from cloudfront: CloudFront could not reach the origin. Almost always CloudFront is speaking HTTPS to an HTTP-only origin (the CDK default protocol policy for an ALB origin is HTTPS), so the connection to port 443 times out",
		Fix:   "set the CloudFront origin protocol policy to HTTP only (CDK: OriginProtocolPolicy_HTTP_ONLY; CloudFormation: CustomOriginConfig.OriginProtocolPolicy: http-only), or add an HTTPS listener with a valid certificate to the load balancer; also check that the ALB security group admits CloudFront's origin-facing prefix list"}
	diagCloudFront502 = Diagnosis{Pitfall: "P1", Pattern: "cloudfront-502",
		Cause: "502 with Server: CloudFront: CloudFront reached the origin but could not speak to it, typically HTTPS to a listener that has no certificate (or one that does not match the origin domain name), or an origin that closed the connection",
		Fix:   "match the origin protocol policy to the load balancer's listeners (HTTP only for an HTTP:80 ALB), and check the origin's certificate covers the origin domain name"}
	diagCloudFront403Method = Diagnosis{Pitfall: "P6", Pattern: "cloudfront-method-not-allowed",
		Cause: "CloudFront refused the HTTP method: the cache behavior allows only GET and HEAD (the default), so POST and OPTIONS never reach the server",
		Fix:   "set the behavior's allowed methods to all (CDK: AllowedMethods_ALLOW_ALL(); CloudFormation: AllowedMethods with GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE)"}
	diagCloudFront403 = Diagnosis{Pitfall: "", Pattern: "cloudfront-403",
		Cause: "CloudFront itself answered 403: a WAF rule, geo restriction or signed-URL requirement blocked the request before it reached the origin",
		Fix:   "look up the request id (X-Amz-Cf-Id) in the WAF and CloudFront logs; exclude the MCP path from rules that block POST bodies or missing User-Agent headers"}
	diagALB503 = Diagnosis{Pitfall: "P3", Pattern: "alb-503-no-healthy-targets",
		Cause: "503 from the load balancer (Server: awselb): no healthy targets. The target group's health check fails (path / or /mcp answering 404 or 405), or the tasks crash at start (an arm64 image on x86_64 Fargate dies with 'exec format error' — P4)",
		Fix:   "point the target group health check at /healthz with matcher 200; look at the stopped tasks' reason and logs; build the image for the task's CPU architecture (docker buildx --platform linux/amd64,linux/arm64) and declare RuntimePlatform.CpuArchitecture"}
	diagALB502 = Diagnosis{Pitfall: "P4", Pattern: "alb-502-target-failed",
		Cause: "502 from the load balancer (Server: awselb): the target closed the connection or answered garbage — a task crashing mid-request (exec format error, out of memory) or a keep-alive timeout shorter than the ALB's idle timeout",
		Fix:   "check the ECS task logs and stopped reason; keep the server's idle timeout above the ALB's (60s); build the image for the task's architecture"}
	diagALB504 = Diagnosis{Pitfall: "P3", Pattern: "alb-504-target-timeout",
		Cause: "504 from the load balancer (Server: awselb): the target did not answer in time — the task's security group does not admit the ALB, or the server listens on 127.0.0.1 inside the container instead of 0.0.0.0",
		Fix:   "allow the ALB security group on the container port and set HOST=0.0.0.0 in the container"}
	diagOriginVerify = Diagnosis{Pitfall: "P7", Pattern: "origin-verify-403",
		Cause: "403 from the load balancer: the listener rule that requires CloudFront's secret header (X-Origin-Verify) rejected the request, so it did not come through CloudFront — either this URL bypasses the CDN, or the distribution does not add the header",
		Fix:   "call the CloudFront URL (https://<distribution>/mcp), not the load balancer; if that is what you did, add the secret header as an origin custom header on the distribution"}
	diagHostGuard = Diagnosis{Pitfall: "", Pattern: "host-guard-403",
		Cause: "the server refused the Host header (DNS-rebinding protection on a loopback listener): a reverse proxy or sidecar on the same host forwards the public Host name",
		Fix:   "list the public host name in the server's allowed hosts (knowledge-mcp: ALLOWED_HOSTS; go-sdk: DisableLocalhostProtection), or have the proxy pass Host: localhost"}
	diagAuthRequired = Diagnosis{Pitfall: "", Pattern: "auth-required",
		Cause: "the server requires credentials and none were sent",
		Fix:   "pass the bearer token with --token (VERIFY_TOKEN) or the API key with --api-key (VERIFY_API_KEY) and --api-key-header"}
	diagAuthRejected = Diagnosis{Pitfall: "", Pattern: "auth-rejected",
		Cause: "the server rejected the credential that was sent (expired, wrong audience or issuer, wrong key, or sent in the wrong header)",
		Fix:   "get a fresh token for this server's audience, or check the API key and its header name (--api-key-header)"}
	diagStateful = Diagnosis{Pitfall: "P8", Pattern: "stateful-session-required",
		Cause: "the server needs an MCP session (Mcp-Session-Id from a prior initialize) for every request: it is stateful. Behind a load balancer with more than one replica, requests land on replicas that never saw the session ('works on one task, fails on two'), and every deploy drops all sessions",
		Fix:   "run the server stateless (go-sdk: StreamableHTTPOptions.Stateless; TypeScript SDK: sessionIdGenerator: undefined; FastMCP: stateless_http=True); stickiness on the target group only hides the problem until the next deploy or scale-in"}
	diagRedirectHTTP = Diagnosis{Pitfall: "P2", Pattern: "redirect-to-http",
		Cause: "the server redirects to an absolute http:// URL: behind a TLS-terminating proxy it builds URLs from the scheme it sees (http), and a browser page on https blocks the call as mixed content",
		Fix:   "never redirect the MCP path (serve /mcp and /mcp/ alike, e.g. Starlette's redirect_slashes=False), or make the server trust X-Forwarded-Proto / a configured public base URL; have CloudFront send X-Forwarded-Proto: https as an origin custom header"}
	diagRedirect = Diagnosis{Pitfall: "P2", Pattern: "mcp-redirect",
		Cause: "the MCP endpoint answers a redirect: clients do not follow redirects on POST reliably, a CORS preflight may not be redirected at all, and a proxy in between may rewrite the Location to http://",
		Fix:   "use the exact URL the server serves (no trailing-slash difference) and have the server answer /mcp and /mcp/ without a redirect"}
	diagAccessDenied = Diagnosis{Pitfall: "P5", Pattern: "tool-access-denied",
		Cause: "a tool failed with AccessDenied / not authorized: the server's AWS identity lacks the permission — in ECS the Bedrock permissions are on the execution role (which only pulls images and writes logs) instead of the task role, or the task has no task role",
		Fix:   "grant bedrock:Retrieve (and bedrock:RetrieveAndGenerate, bedrock:InvokeModel for generation, s3:GetObject for documents) on the knowledge base's ARN to the task definition's TaskRoleArn"}
	diagNoCredentials = Diagnosis{Pitfall: "P5", Pattern: "tool-no-credentials",
		Cause: "a tool failed because the server found no AWS credentials: the ECS task definition has no task role (the execution role's credentials are not available to the application)",
		Fix:   "set TaskRoleArn on the task definition to a role with the Bedrock permissions"}
	diagMethodNotAllowed = Diagnosis{Pitfall: "", Pattern: "post-405",
		Cause: "POST to this URL answered 405: this path is not the MCP endpoint (or a proxy only forwards GET)",
		Fix:   "use the server's streamable-HTTP endpoint (usually https://host/mcp); legacy SSE servers serve /sse and are not streamable HTTP"}
	diagNotFound = Diagnosis{Pitfall: "", Pattern: "post-404",
		Cause: "the URL answered 404: the path is not the MCP endpoint, or a load balancer rule does not forward it",
		Fix:   "use the server's MCP path (knowledge-mcp: /mcp) and check the load balancer's listener rules forward it"}
	diagAcceptStrict = Diagnosis{Pitfall: "", Pattern: "accept-required",
		Cause: "the server refuses a request whose Accept header does not list both application/json and text/event-stream, so Postman-style and simple HTTP clients fail",
		Fix:   "accept requests without Accept (knowledge-mcp serves JSON to them); clients should send Accept: application/json, text/event-stream"}
	diagUnreachable = Diagnosis{Pitfall: "", Pattern: "unreachable",
		Cause: "no connection: the name does not resolve, or nothing listens, or a firewall/security group drops the traffic",
		Fix:   "check the URL; for an ALB or CloudFront origin check the security groups admit the caller (CloudFront's origin-facing prefix list for the ALB)"}
	diagRefusedLocal = Diagnosis{Pitfall: "", Pattern: "local-connection-refused",
		Cause: "nothing listens at this loopback address and port: the connection was refused. Is the server running?",
		Fix:   "start it (knowledge-mcp serve listens on 127.0.0.1:8080 by default; --port or PORT changes that) or correct the port in the URL"}
	diagTimeout = Diagnosis{Pitfall: "", Pattern: "timeout",
		Cause: "no answer within the timeout: a security group or network ACL drops packets silently, or the server hangs. Behind CloudFront, an origin it cannot reach costs 3 connection attempts of 10s before its 504",
		Fix:   "check security groups and route tables; raise --timeout above 30s to see CloudFront's own answer, or if the server is slow on purpose"}
	diagCertificate = Diagnosis{Pitfall: "", Pattern: "tls-certificate",
		Cause: "the TLS certificate is not valid for this name or not trusted (self-signed, expired, wrong host name, missing intermediate)",
		Fix:   "serve a certificate from a public CA covering the host name (ACM for CloudFront must be in us-east-1); for test certificates pass --ca-file or --insecure"}
)

// diagnoseExchange maps what an HTTP exchange shows to known failure
// patterns. sentAuth says whether credentials went with the request.
func diagnoseExchange(e *exchange, sentAuth bool) []Diagnosis {
	if e == nil {
		return nil
	}
	if e.Err != nil {
		return diagnoseError(e.Err)
	}
	if ds := diagnoseRuntime(e, sentAuth); ds != nil {
		return ds
	}
	var ds []Diagnosis
	switch {
	case e.Status == http.StatusGatewayTimeout && e.fromCloudFront():
		ds = append(ds, diagCloudFront504)
	case e.Status == http.StatusBadGateway && e.fromCloudFront():
		ds = append(ds, diagCloudFront502)
	case e.Status == http.StatusForbidden && e.errorFromCloudFront() && e.bodyContains("not configured to allow the HTTP request method"):
		ds = append(ds, diagCloudFront403Method)
	case e.Status == http.StatusForbidden && e.errorFromCloudFront():
		ds = append(ds, diagCloudFront403)
	case e.Status == http.StatusServiceUnavailable && e.fromALB():
		ds = append(ds, diagALB503)
	case e.Status == http.StatusBadGateway && e.fromALB():
		ds = append(ds, diagALB502)
	case e.Status == http.StatusGatewayTimeout && e.fromALB():
		ds = append(ds, diagALB504)
	case e.Status == http.StatusForbidden && (e.fromALB() || e.bodyContains("origin-verify", "origin verify", "x-origin-verify", "bypass", "come through its cdn", "through cloudfront")):
		ds = append(ds, diagOriginVerify)
	case e.Status == http.StatusForbidden && e.bodyContains("invalid host", "host header", "dns-rebinding", "dns rebinding"):
		ds = append(ds, diagHostGuard)
	case e.Status == http.StatusForbidden && e.bodyContains("origin") && e.bodyContains("not allowed"):
		ds = append(ds, diagOriginNotAllowed)
	case e.Status == http.StatusUnauthorized || (e.Status == http.StatusForbidden && e.Header.Get("WWW-Authenticate") != ""):
		if sentAuth {
			ds = append(ds, diagAuthRejected)
		} else {
			ds = append(ds, diagAuthRequired)
		}
	case e.Status >= 300 && e.Status < 400:
		if loc := e.Header.Get("Location"); strings.HasPrefix(strings.ToLower(loc), "http://") {
			ds = append(ds, diagRedirectHTTP)
		} else {
			ds = append(ds, diagRedirect)
		}
	case needsSession(e):
		ds = append(ds, diagStateful)
	case e.Status == http.StatusMethodNotAllowed:
		ds = append(ds, diagMethodNotAllowed)
	case e.Status == http.StatusNotFound:
		ds = append(ds, diagNotFound)
	case (e.Status == http.StatusBadRequest || e.Status == http.StatusNotAcceptable) && e.bodyContains("accept"):
		ds = append(ds, diagAcceptStrict)
	}
	return ds
}

// needsSession reports whether an answer says the request needed a session:
// the TypeScript SDK's 400 "Mcp-Session-Id header is required" / "Server not
// initialized", Python's "Missing session ID", or go-sdk's stateful JSON-RPC
// error "method ... is invalid during session initialization".
func needsSession(e *exchange) bool {
	if e.Status >= 500 || e.Status == http.StatusUnauthorized {
		return false
	}
	return e.bodyContains("session id", "mcp-session-id", "server not initialized",
		"invalid during session initialization", "no valid session", "session not found", "missing session")
}

// diagnoseError maps a transport error to its likely cause.
func diagnoseError(err error) []Diagnosis {
	var (
		dnsErr  *net.DNSError
		certErr *x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invalid x509.CertificateInvalidError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &invalid),
		strings.Contains(err.Error(), "certificate"):
		return []Diagnosis{diagCertificate}
	case errors.Is(err, syscall.ECONNREFUSED) && refusedByLoopback(err):
		return []Diagnosis{diagRefusedLocal}
	case errors.As(err, &dnsErr), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH):
		return []Diagnosis{diagUnreachable}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return []Diagnosis{diagTimeout}
	}
	return nil
}

// refusedByLoopback reports whether err is a dial to a loopback address:
// a refused local connection means a server that is not running, not a
// security group.
func refusedByLoopback(err error) bool {
	var op *net.OpError
	if !errors.As(err, &op) || op.Addr == nil {
		return false
	}
	host, _, splitErr := net.SplitHostPort(op.Addr.String())
	if splitErr != nil {
		host = op.Addr.String()
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// unreachable reports a diagnosis that means no answer came at all, and
// says so for the checks that are skipped because of it.
func unreachable(d Diagnosis) (string, bool) {
	switch d.Pattern {
	case diagRefusedLocal.Pattern:
		return "nothing listens at the endpoint; is the server running?", true
	case diagUnreachable.Pattern:
		return "the endpoint is unreachable", true
	case diagTimeout.Pattern:
		return "the endpoint does not answer (timed out)", true
	}
	return "", false
}
