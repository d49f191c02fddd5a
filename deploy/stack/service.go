package stack

import (
	"maps"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
)

// service is the ECS side: roles, task definition, service, logs.
type service struct {
	service       awsecs.FargateService
	taskRole      awsiam.Role
	executionRole awsiam.Role
	logGroup      awslogs.LogGroup
}

// imagePlatform is the platform the image asset is built for; it follows
// the task's CPU architecture so the two cannot differ (P4).
func imagePlatform(cfg Config) awsecrassets.Platform {
	if cfg.Architecture == ARM64 {
		return awsecrassets.Platform_LINUX_ARM64()
	}
	return awsecrassets.Platform_LINUX_AMD64()
}

// newService creates the Fargate task and service: the image built from the
// repository's Dockerfile for the task's architecture, two roles kept apart
// (P5), the server configured through its environment, and a rolling,
// self-healing, autoscaled service behind the ALB.
func newService(st awscdk.Stack, cfg Config, net *network, lb *loadBalancer, originSecret awssecretsmanager.Secret, a *auth, publicURL *string) *service {
	ecsTasks := awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)
	// P5: the execution role is the ECS agent's (pull the image, write logs,
	// read the secrets); CDK grants it exactly that below.
	executionRole := awsiam.NewRole(st, jsii.String("ExecutionRole"), &awsiam.RoleProps{
		AssumedBy:   ecsTasks,
		Description: jsii.String("knowledge-mcp ECS execution role: image pull, logs, secrets (nothing the server itself calls)"),
	})
	// The task role is the server's identity for Bedrock and S3.
	taskRole := awsiam.NewRole(st, jsii.String("TaskRole"), &awsiam.RoleProps{
		AssumedBy:   ecsTasks,
		Description: jsii.String("knowledge-mcp task role: what the server calls (" + describe(cfg) + ")"),
	})
	for _, s := range taskPolicy(st, cfg) {
		taskRole.AddToPolicy(s)
	}

	logGroup := awslogs.NewLogGroup(st, jsii.String("Logs"), &awslogs.LogGroupProps{
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	logGroup.Node().DefaultChild().(awslogs.CfnLogGroup).SetRetentionInDays(jsii.Number(float64(cfg.LogRetention)))

	td := awsecs.NewFargateTaskDefinition(st, jsii.String("Task"), &awsecs.FargateTaskDefinitionProps{
		Cpu:            jsii.Number(float64(cfg.CPU)),
		MemoryLimitMiB: jsii.Number(float64(cfg.MemoryMiB)),
		RuntimePlatform: &awsecs.RuntimePlatform{
			CpuArchitecture:       cpuArchitecture(cfg),
			OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
		},
		ExecutionRole: executionRole,
		TaskRole:      taskRole,
	})

	env := map[string]*string{
		"HOST":                 jsii.String("0.0.0.0"),
		"PORT":                 jsii.String("8080"),
		"LOG_LEVEL":            jsii.String(cfg.LogLevel),
		"KB_BACKEND":           jsii.String(cfg.Backend),
		"AWS_REGION":           jsii.String(cfg.Region),
		"CORS_ORIGINS":         jsii.String(strings.Join(cfg.CORSOrigins, ",")),
		"ORIGIN_VERIFY_HEADER": jsii.String(OriginVerifyHeader),
		// Requests arrive from the ALB, whose addresses are in the VPC.
		"TRUSTED_PROXIES": net.vpc.VpcCidrBlock(),
		// P2: the server builds every absolute URL from this, never from the
		// request's scheme (the ALB reports http).
		"PUBLIC_URL": publicURL,
	}
	if len(cfg.KnowledgeBaseIDs) > 0 {
		env["KNOWLEDGE_BASE_IDS"] = jsii.String(strings.Join(cfg.KnowledgeBaseIDs, ","))
	}
	if cfg.UsesGeneration() {
		env["BEDROCK_MODEL_ARN"] = jsii.String(cfg.GenerationModel)
	}
	if cfg.UsesRerank() {
		env["BEDROCK_RERANKER_MODEL_ARN"] = jsii.String(cfg.RerankModel)
	}
	if cfg.DataBucket != "" {
		env["DOCUMENT_BUCKETS"] = jsii.String(cfg.DataBucket)
	}
	maps.Copy(env, a.serverEnv())
	secrets := map[string]awsecs.Secret{
		"ORIGIN_VERIFY_SECRET": awsecs.Secret_FromSecretsManager(originSecret, nil),
	}
	maps.Copy(secrets, a.serverSecrets())

	td.AddContainer(jsii.String("Server"), &awsecs.ContainerDefinitionOptions{
		Image: awsecs.ContainerImage_FromAsset(jsii.String(cfg.ImageDir), &awsecs.AssetImageProps{
			Platform: imagePlatform(cfg),
			File:     jsii.String("Dockerfile"),
			Target:   jsii.String("runtime"),
		}),
		// The root file system stays writable only where the image allows:
		// the server runs as uid 65532 in a scratch image whose files are
		// root's, so /tmp (mode 1777) is the one place it can write.
		Essential: jsii.Bool(true),
		PortMappings: &[]*awsecs.PortMapping{{
			Name:          jsii.String("http"),
			ContainerPort: jsii.Number(ContainerPort),
			Protocol:      awsecs.Protocol_TCP,
		}},
		Environment: envMap(env),
		Secrets:     &secrets,
		Logging: awsecs.LogDrivers_AwsLogs(&awsecs.AwsLogDriverProps{
			LogGroup:     logGroup,
			StreamPrefix: jsii.String("knowledge-mcp"),
		}),
		// ECS waits this long after SIGTERM; the server drains inside it.
		StopTimeout: awscdk.Duration_Seconds(jsii.Number(StopTimeoutSeconds)),
		// The image has no shell or curl: the binary probes itself.
		HealthCheck: &awsecs.HealthCheck{
			Command:     jsii.Strings("CMD", "/knowledge-mcp", "healthcheck"),
			Interval:    awscdk.Duration_Seconds(jsii.Number(15)),
			Timeout:     awscdk.Duration_Seconds(jsii.Number(5)),
			Retries:     jsii.Number(3),
			StartPeriod: awscdk.Duration_Seconds(jsii.Number(10)),
		},
	})

	cluster := awsecs.NewCluster(st, jsii.String("Cluster"), &awsecs.ClusterProps{Vpc: net.vpc})

	sg := awsec2.NewSecurityGroup(st, jsii.String("ServiceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              net.vpc,
		Description:      jsii.String("knowledge-mcp tasks: port 8080 from the ALB only"),
		AllowAllOutbound: jsii.Bool(true),
	})
	sg.AddIngressRule(lb.sg, awsec2.Port_Tcp(jsii.Number(ContainerPort)), jsii.String("MCP and health checks from the ALB"), jsii.Bool(false))
	lb.sg.AddEgressRule(sg, awsec2.Port_Tcp(jsii.Number(ContainerPort)), jsii.String("to the knowledge-mcp tasks"), jsii.Bool(false))

	svc := awsecs.NewFargateService(st, jsii.String("Service"), &awsecs.FargateServiceProps{
		Cluster:                cluster,
		TaskDefinition:         td,
		DesiredCount:           jsii.Number(float64(cfg.MinTasks)),
		MinHealthyPercent:      jsii.Number(100),
		MaxHealthyPercent:      jsii.Number(200),
		CircuitBreaker:         &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		AssignPublicIp:         jsii.Bool(cfg.Networking == Public),
		VpcSubnets:             net.taskSubnets,
		SecurityGroups:         &[]awsec2.ISecurityGroup{sg},
		HealthCheckGracePeriod: awscdk.Duration_Seconds(jsii.Number(30)),
		PlatformVersion:        awsecs.FargatePlatformVersion_LATEST,
		EnableExecuteCommand:   jsii.Bool(false),
		PropagateTags:          awsecs.PropagatedTagSource_SERVICE,
	})
	svc.AttachToApplicationTargetGroup(lb.targetGroup)

	scaling := svc.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(float64(cfg.MinTasks)),
		MaxCapacity: jsii.Number(float64(cfg.MaxTasks)),
	})
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(60),
		ScaleInCooldown:          awscdk.Duration_Seconds(jsii.Number(120)),
		ScaleOutCooldown:         awscdk.Duration_Seconds(jsii.Number(60)),
	})
	scaling.ScaleOnRequestCount(jsii.String("Requests"), &awsecs.RequestCountScalingProps{
		RequestsPerTarget: jsii.Number(1000),
		TargetGroup:       lb.targetGroup,
		ScaleInCooldown:   awscdk.Duration_Seconds(jsii.Number(120)),
		ScaleOutCooldown:  awscdk.Duration_Seconds(jsii.Number(60)),
	})
	return &service{service: svc, taskRole: taskRole, executionRole: executionRole, logGroup: logGroup}
}
