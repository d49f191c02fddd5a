package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// loadBalancer is the ALB with its security group, listener and targets.
type loadBalancer struct {
	alb         elbv2.ApplicationLoadBalancer
	sg          awsec2.SecurityGroup
	listener    elbv2.ApplicationListener
	targetGroup elbv2.ApplicationTargetGroup
}

// newLoadBalancer creates an internet-facing ALB that only CloudFront can
// reach (P7): its security group admits port 80 from CloudFront's
// origin-facing prefix list alone, and its listener answers 403 unless the
// request carries the origin-verify secret. It listens on HTTP only, which
// is why CloudFront must speak HTTP to it (P1).
func newLoadBalancer(st awscdk.Stack, cfg Config, net *network, originSecret awssecretsmanager.Secret) *loadBalancer {
	sg := awsec2.NewSecurityGroup(st, jsii.String("AlbSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              net.vpc,
		Description:      jsii.String("knowledge-mcp ALB: HTTP from CloudFront origin-facing addresses only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	sg.AddIngressRule(awsec2.Peer_PrefixList(jsii.String(cfg.PrefixListID)), awsec2.Port_Tcp(jsii.Number(80)),
		jsii.String("HTTP from CloudFront origin-facing prefix list only"), jsii.Bool(false))

	alb := elbv2.NewApplicationLoadBalancer(st, jsii.String("Alb"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     net.vpc,
		InternetFacing:          jsii.Bool(true),
		SecurityGroup:           sg,
		VpcSubnets:              &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
		DropInvalidHeaderFields: jsii.Bool(true),
		Http2Enabled:            jsii.Bool(true),
	})

	targets := elbv2.NewApplicationTargetGroup(st, jsii.String("Targets"), &elbv2.ApplicationTargetGroupProps{
		Vpc:        net.vpc,
		TargetType: elbv2.TargetType_IP,
		Protocol:   elbv2.ApplicationProtocol_HTTP,
		Port:       jsii.Number(ContainerPort),
		// P3: the ALB's default path "/" is a 404 on an MCP server, and GET
		// /mcp may be 405 on others; /healthz is the server's liveness path.
		HealthCheck: &elbv2.HealthCheck{
			Path:                    jsii.String(HealthPath),
			HealthyHttpCodes:        jsii.String("200"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(15)),
			Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
			HealthyThresholdCount:   jsii.Number(2),
			UnhealthyThresholdCount: jsii.Number(3),
		},
		DeregistrationDelay:        awscdk.Duration_Seconds(jsii.Number(DeregistrationDelaySeconds)),
		LoadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType_LEAST_OUTSTANDING_REQUESTS,
	})

	listener := alb.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{
		Port:     jsii.Number(80),
		Protocol: elbv2.ApplicationProtocol_HTTP,
		Open:     jsii.Bool(false),
		DefaultAction: elbv2.ListenerAction_FixedResponse(jsii.Number(403), &elbv2.FixedResponseOptions{
			ContentType: jsii.String("text/plain"),
			MessageBody: jsii.String("Forbidden: this endpoint is reachable only through its CloudFront distribution.\n"),
		}),
	})
	listener.AddAction(jsii.String("FromCloudFront"), &elbv2.AddApplicationActionProps{
		Priority: jsii.Number(10),
		Conditions: &[]elbv2.ListenerCondition{
			elbv2.ListenerCondition_HttpHeader(jsii.String(OriginVerifyHeader), &[]*string{originSecret.SecretValue().UnsafeUnwrap()}),
		},
		Action: elbv2.ListenerAction_Forward(&[]elbv2.IApplicationTargetGroup{targets}, nil),
	})
	return &loadBalancer{alb: alb, sg: sg, listener: listener, targetGroup: targets}
}

// newDistribution puts CloudFront in front of the ALB: TLS for viewers, HTTP
// to the origin (P1), viewers redirected to HTTPS and the origin told so
// (P2), every method and header passed through and nothing cached, so the
// server answers CORS preflights itself (P6), and the origin-verify secret
// added to every origin request (P7).
func newDistribution(st awscdk.Stack, cfg Config, alb elbv2.ApplicationLoadBalancer, originSecret awssecretsmanager.Secret, webACLArn *string) awscloudfront.Distribution {
	origin := awscloudfrontorigins.NewLoadBalancerV2Origin(alb, &awscloudfrontorigins.LoadBalancerV2OriginProps{
		// The CDK default for an ALB origin is HTTPS_ONLY: with an HTTP-only
		// listener that is CloudFront's 504 (P1).
		ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTP_ONLY,
		HttpPort:           jsii.Number(80),
		ReadTimeout:        awscdk.Duration_Seconds(jsii.Number(float64(cfg.OriginReadTimeout))),
		KeepaliveTimeout:   awscdk.Duration_Seconds(jsii.Number(60)),
		ConnectionAttempts: jsii.Number(3),
		ConnectionTimeout:  awscdk.Duration_Seconds(jsii.Number(10)),
		CustomHeaders: &map[string]*string{
			OriginVerifyHeader:  originSecret.SecretValue().UnsafeUnwrap(),
			"X-Forwarded-Proto": jsii.String("https"),
		},
	})
	return awscloudfront.NewDistribution(st, jsii.String("Cdn"), &awscloudfront.DistributionProps{
		Comment: jsii.String("knowledge-mcp " + cfg.StackName),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:               origin,
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
			// With caching disabled this policy also forwards Authorization,
			// which carries the API key or the JWT (P9).
			OriginRequestPolicy: awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			Compress:            jsii.Bool(false),
		},
		HttpVersion: awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableIpv6:  jsii.Bool(true),
		PriceClass:  awscloudfront.PriceClass_PRICE_CLASS_100,
		WebAclId:    webACLArn,
	})
}

// newWebACL is a CloudFront-scope web ACL: AWS's common rule set without
// the rules that block ordinary API clients (no or non-browser User-Agent,
// bodies over 8 KB), plus a per-IP rate limit.
func newWebACL(scope constructs.Construct, cfg Config) awswafv2.CfnWebACL {
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(name),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	count := func(rule string) *awswafv2.CfnWebACL_RuleActionOverrideProperty {
		return &awswafv2.CfnWebACL_RuleActionOverrideProperty{
			Name:        jsii.String(rule),
			ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: &awswafv2.CfnWebACL_CountActionProperty{}},
		}
	}
	return awswafv2.NewCfnWebACL(scope, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		Description:      jsii.String("knowledge-mcp " + cfg.StackName + ": common rules for API clients and a per-IP rate limit"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: visibility("knowledge-mcp"),
		Rules: &[]interface{}{
			&awswafv2.CfnWebACL_RuleProperty{
				Name:           jsii.String("AWSManagedRulesCommonRuleSet"),
				Priority:       jsii.Number(1),
				OverrideAction: &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
						VendorName: jsii.String("AWS"),
						Name:       jsii.String("AWSManagedRulesCommonRuleSet"),
						RuleActionOverrides: &[]interface{}{
							count("NoUserAgent_HEADER"),
							count("UserAgent_BadBots_HEADER"),
							count("SizeRestrictions_BODY"),
						},
					},
				},
				VisibilityConfig: visibility("common-rules"),
			},
			&awswafv2.CfnWebACL_RuleProperty{
				Name:     jsii.String("RateLimitPerIp"),
				Priority: jsii.Number(2),
				Action:   &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						Limit:            jsii.Number(float64(cfg.WAFRateLimit)),
						AggregateKeyType: jsii.String("IP"),
					},
				},
				VisibilityConfig: visibility("rate-limit"),
			},
		},
	})
}
