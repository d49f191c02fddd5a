package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// network is the VPC and where things go in it.
type network struct {
	vpc         awsec2.Vpc
	taskSubnets *awsec2.SubnetSelection
}

// newNetwork creates a VPC over two availability zones. In private mode the
// tasks get isolated subnets and VPC endpoints for every AWS API the task
// and the ECS agent call (no NAT gateway: cheaper and nothing leaves the
// VPC); in public mode they get public subnets and public IPs.
func newNetwork(st awscdk.Stack, cfg Config) *network {
	subnets := []*awsec2.SubnetConfiguration{{
		Name:       jsii.String("public"),
		SubnetType: awsec2.SubnetType_PUBLIC,
		CidrMask:   jsii.Number(24),
	}}
	if cfg.Networking == Private {
		subnets = append(subnets, &awsec2.SubnetConfiguration{
			Name:       jsii.String("private"),
			SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED,
			CidrMask:   jsii.Number(24),
		})
	}
	vpc := awsec2.NewVpc(st, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:         awsec2.IpAddresses_Cidr(jsii.String("10.40.0.0/16")),
		MaxAzs:              jsii.Number(2),
		NatGateways:         jsii.Number(0),
		SubnetConfiguration: &subnets,
	})

	flowLogs := awslogs.NewLogGroup(st, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	vpc.AddFlowLog(jsii.String("RejectedTraffic"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
		TrafficType: awsec2.FlowLogTrafficType_REJECT,
	})

	n := &network{vpc: vpc, taskSubnets: &awsec2.SubnetSelection{SubnetType: subnetType(cfg)}}
	if cfg.Networking == Private {
		vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{
			Service: awsec2.GatewayVpcEndpointAwsService_S3(),
			Subnets: &[]*awsec2.SubnetSelection{n.taskSubnets},
		})
		for _, ep := range interfaceEndpoints(cfg) {
			vpc.AddInterfaceEndpoint(jsii.String(ep.id), &awsec2.InterfaceVpcEndpointOptions{
				Service:           ep.service,
				Subnets:           n.taskSubnets,
				PrivateDnsEnabled: jsii.Bool(true),
			})
		}
	}
	return n
}

type endpoint struct {
	id      string
	service awsec2.InterfaceVpcEndpointAwsService
}

// interfaceEndpoints are the AWS APIs a task in an isolated subnet must
// reach: image pull (ECR, ECR Docker; layers come from the S3 gateway
// endpoint), logs, its secrets, STS, and the Bedrock APIs the backend uses.
func interfaceEndpoints(cfg Config) []endpoint {
	eps := []endpoint{
		{"Ecr", awsec2.InterfaceVpcEndpointAwsService_ECR()},
		{"EcrDocker", awsec2.InterfaceVpcEndpointAwsService_ECR_DOCKER()},
		{"Logs", awsec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS()},
		{"SecretsManager", awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER()},
		{"Sts", awsec2.InterfaceVpcEndpointAwsService_STS()},
	}
	if cfg.Backend == "bedrock" {
		eps = append(eps,
			endpoint{"BedrockAgentRuntime", awsec2.InterfaceVpcEndpointAwsService_BEDROCK_AGENT_RUNTIME()},
			endpoint{"BedrockAgent", awsec2.InterfaceVpcEndpointAwsService_BEDROCK_AGENT()},
		)
	}
	if cfg.UsesGeneration() || cfg.UsesRerank() {
		eps = append(eps, endpoint{"BedrockRuntime", awsec2.InterfaceVpcEndpointAwsService_BEDROCK_RUNTIME()})
	}
	return eps
}
