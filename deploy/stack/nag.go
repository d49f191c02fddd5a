package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppression is one accepted cdk-nag finding and why it is accepted.
type suppression struct {
	id, reason string
	appliesTo  []any // exact finding strings, or regexes as *cdknag.RegexAppliesTo
}

// suppress records findings accepted on a construct and its children.
func suppress(construct constructs.IConstruct, list ...suppression) {
	if construct == nil {
		panic("cdk-nag suppression on a construct that does not exist")
	}
	var s []*cdknag.NagPackSuppression
	for _, x := range list {
		ns := &cdknag.NagPackSuppression{Id: jsii.String(x.id), Reason: jsii.String(x.reason)}
		if len(x.appliesTo) > 0 {
			applies := append([]interface{}{}, x.appliesTo...)
			ns.AppliesTo = &applies
		}
		s = append(s, ns)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(construct, &s, jsii.Bool(true))
}

// addSuppressions accepts the cdk-nag AwsSolutions findings that are
// deliberate in this design, each with its reason.
func addSuppressions(st awscdk.Stack, cfg Config) {
	child := func(id string) constructs.IConstruct { return st.Node().TryFindChild(jsii.String(id)) }
	const rotation = "The value is shared by CloudFront, the ALB listener rule and the server (or the gateway), " +
		"injected through CloudFormation dynamic references resolved when those resources are updated, so a " +
		"Lambda rotation would desynchronize them; rotate with cdk deploy -c secretsGeneration=N+1, which replaces " +
		"the secret and updates every reference in one deployment (docs/deploy.md)."
	suppress(child(secretID("OriginVerifySecret", cfg)), suppression{id: "AwsSolutions-SMG4", reason: rotation})
	if c := child(secretID("ApiKeySecret", cfg)); c != nil {
		suppress(c, suppression{id: "AwsSolutions-SMG4", reason: rotation})
	}
	suppress(child("Alb"), suppression{id: "AwsSolutions-ELB2", reason: "ALB access logs need an S3 bucket and its storage; " +
		"the server logs every request as one JSON line in CloudWatch Logs (method, tool, status, duration), " +
		"and the ALB's CloudWatch metrics cover the rest."})
	suppress(child("Cdn"),
		suppression{id: "AwsSolutions-CFR3", reason: "CloudFront standard logs need an S3 bucket with ACLs; the server's own " +
			"per-request JSON logs in CloudWatch Logs and CloudFront's metrics cover operations."},
		suppression{id: "AwsSolutions-CFR4", reason: "The distribution uses the default *.cloudfront.net certificate, " +
			"whose security policy cannot be raised; clients negotiate TLS 1.2/1.3 in practice. A custom domain with an " +
			"ACM certificate and TLSv1.2_2021 is the upgrade path (docs/deploy.md)."},
		suppression{id: "AwsSolutions-CFR5", reason: "HTTP to the origin is the design (pitfall P1): TLS ends at CloudFront, " +
			"the ALB listens on HTTP only, admits only CloudFront's origin-facing prefix list, and forwards only requests " +
			"that carry the origin-verify secret."},
	)
	suppress(child("Cdn"), suppression{id: "AwsSolutions-CFR1", reason: "Agents and gateways call from any " +
		"region (AgentCore Gateway runs in AWS regions worldwide); restricting countries would break callers without " +
		"adding authentication, which the server already enforces."})
	if !cfg.WAF {
		suppress(child("Cdn"), suppression{id: "AwsSolutions-CFR2", reason: "WAF is optional (-c waf=true attaches a web " +
			"ACL with the common rule set and a per-IP rate limit); it costs about 7 USD a month, and without it the " +
			"server still authenticates every call and limits request size."})
	}
	suppress(child("Task"), suppression{id: "AwsSolutions-ECS2", reason: "Only non-secret settings are plain environment " +
		"variables (host, port, log level, knowledge base ids, URLs, header names); every secret (API key, origin-verify " +
		"secret) comes from Secrets Manager as an ECS secret."})
	suppress(child("Cluster"), suppression{id: "AwsSolutions-ECS4", reason: "Container Insights is billed per metric; " +
		"the service's CPU and memory metrics, the ALB's metrics and the server's request logs cover a small " +
		"stateless service. Enable it on the cluster when deeper metrics are wanted."})
	suppress(child("ExecutionRole"), suppression{id: "AwsSolutions-IAM5", appliesTo: []any{"Resource::*"},
		reason: "ecr:GetAuthorizationToken has no resource-level permissions (CDK adds it for the image asset); the " +
			"execution role's other actions are scoped to the repository, the log group and the secrets."})

	suppressServerRole(child("TaskRole"), cfg, nil, "")
	suppressAuthAndGateway(child)
}

// suppressServerRole accepts the wildcards of the role the server calls AWS
// with (the ECS task role, the Runtime's execution role), plus the
// platform's own wildcards on that role (extra, explained by extraReason):
// cdk-nag reads one suppression per rule on a construct.
func suppressServerRole(role constructs.IConstruct, cfg Config, extra []any, extraReason string) {
	var taskWildcards []any
	if cfg.UsesGeneration() || cfg.UsesRerank() {
		taskWildcards = append(taskWildcards, "Resource::*",
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:bedrock:\*::foundation-model\/.+$/`)})
	}
	if cfg.DataBucket != "" {
		taskWildcards = append(taskWildcards, "Resource::arn:<AWS::Partition>:s3:::"+cfg.DataBucket+"/*")
	}
	if len(taskWildcards)+len(extra) > 0 {
		suppress(role, suppression{id: "AwsSolutions-IAM5", appliesTo: append(taskWildcards, extra...),
			reason: extraReason + "bedrock:RetrieveAndGenerate and bedrock:Rerank have no resource-level permissions; a cross-region " +
				"inference profile invokes its model in whichever region it routes to (foundation-model in every region); " +
				"get_document reads any object of the configured data bucket. bedrock:Retrieve stays scoped to the " +
				"configured knowledge bases."})
	}
}

// suppressAuthAndGateway accepts the findings on the Cognito user pool and
// the AgentCore Gateway, which both homes share.
func suppressAuthAndGateway(child func(string) constructs.IConstruct) {
	if c := child("UserPool"); c != nil {
		suppress(c,
			suppression{id: "AwsSolutions-COG2", reason: "The pool has no users: only app clients with the OAuth " +
				"client-credentials grant (machine to machine), where MFA does not apply."},
			suppression{id: "AwsSolutions-COG3", reason: "The pool has no users: threat protection acts on user sign-ins, " +
				"and client-credentials token requests are authenticated by the client secret."},
			suppression{id: "AwsSolutions-COG8", reason: "The Plus feature plan adds threat protection for user sign-ins, " +
				"billed per user; this pool only serves client-credentials tokens to machines."},
		)
		// UserPoolClientSecret reads the generated client secret with an
		// AWS SDK call from a CDK-provided Lambda function.
		if provider := child("AWS679f53fac002430cb0da5b7982bd2287"); provider != nil { // only with gateway=true
			suppress(provider,
				suppression{id: "AwsSolutions-IAM4", reason: "CDK's AwsCustomResource provider function (reads the Cognito " +
					"client secret once at deploy) uses the AWSLambdaBasicExecutionRole managed policy for its own logs."},
				suppression{id: "AwsSolutions-L1", reason: "CDK's AwsCustomResource provider function picks its Node.js " +
					"runtime; it runs once per deploy to read the Cognito client secret."},
			)
		}
	}
	if c := child("Gateway"); c != nil {
		suppress(c,
			suppression{id: "AwsSolutions-COG1", reason: "The AgentCore Gateway construct's user pool has no users and no " +
				"passwords: agents get tokens with the client-credentials grant."},
			suppression{id: "AwsSolutions-COG2", reason: "The AgentCore Gateway construct's user pool serves machine-to-machine " +
				"client-credentials tokens only; MFA does not apply."},
			suppression{id: "AwsSolutions-COG3", reason: "The AgentCore Gateway construct's user pool has no users to protect; " +
				"token requests are authenticated by client secret."},
			suppression{id: "AwsSolutions-COG8", reason: "The Plus feature plan protects user sign-ins and is billed per " +
				"user; the gateway's pool only issues client-credentials tokens."},
			suppression{id: "AwsSolutions-IAM5", reason: "Wildcards written by the AgentCore Gateway construct: the workload " +
				"identities of this gateway (name prefix) and the token-vault secrets AgentCore itself creates " +
				"(bedrock-agentcore-identity!*), needed to fetch the outbound API key or OAuth token."},
		)
	}
}
