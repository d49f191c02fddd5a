package stack

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// geoPrefixes begin the ids of cross-region (system-defined) inference
// profiles, e.g. us.anthropic.claude-3-5-haiku-20241022-v1:0.
var geoPrefixes = []string{"us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov."}

// taskPolicy is least privilege for what the server does (P5):
// bedrock:Retrieve (and the metadata reads list_knowledge_bases needs) on
// the configured knowledge bases only; RetrieveAndGenerate and the model
// only when generation is configured; Rerank and the reranker only when
// reranking is; s3:GetObject on the data bucket only when one is given.
// The local backend gets no AWS permission at all.
func taskPolicy(st awscdk.Stack, cfg Config) []awsiam.PolicyStatement {
	var out []awsiam.PolicyStatement
	stmt := func(sid string, actions []string, resources []string) {
		out = append(out, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid),
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings(actions...),
			Resources: jsii.Strings(resources...),
		}))
	}
	if cfg.Backend == "bedrock" && len(cfg.KnowledgeBaseIDs) > 0 {
		var kbs []string
		for _, id := range cfg.KnowledgeBaseIDs {
			kbs = append(kbs, *st.FormatArn(&awscdk.ArnComponents{
				Service:      jsii.String("bedrock"),
				Resource:     jsii.String("knowledge-base"),
				ResourceName: jsii.String(id),
				ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
			}))
		}
		stmt("RetrieveFromKnowledgeBases", []string{"bedrock:Retrieve", "bedrock:GetKnowledgeBase", "bedrock:ListDataSources"}, kbs)
	}
	if cfg.UsesGeneration() {
		// RetrieveAndGenerate has no resource-level permissions.
		stmt("RetrieveAndGenerate", []string{"bedrock:RetrieveAndGenerate"}, []string{"*"})
		stmt("InvokeGenerationModel", []string{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:GetInferenceProfile"},
			modelResources(st, cfg, cfg.GenerationModel))
	}
	if cfg.UsesRerank() {
		// Rerank has no resource-level permissions; the model call does.
		stmt("Rerank", []string{"bedrock:Rerank"}, []string{"*"})
		stmt("InvokeRerankModel", []string{"bedrock:InvokeModel"}, modelResources(st, cfg, cfg.RerankModel))
	}
	if cfg.DataBucket != "" {
		stmt("ReadSourceDocuments", []string{"s3:GetObject"}, []string{"arn:" + *awscdk.Aws_PARTITION() + ":s3:::" + cfg.DataBucket + "/*"})
	}
	return out
}

// modelResources are the ARNs InvokeModel needs for a model given by id or
// ARN. A cross-region inference profile needs the profile and the
// foundation model in every region the profile routes to.
func modelResources(st awscdk.Stack, cfg Config, model string) []string {
	partition := *awscdk.Aws_PARTITION()
	id, kind := model, ""
	if strings.HasPrefix(model, "arn:") {
		// arn:PARTITION:bedrock:REGION:ACCOUNT:KIND/ID, where ID may hold colons.
		if parts := strings.SplitN(model, ":", 6); len(parts) == 6 {
			kind, id, _ = strings.Cut(parts[5], "/")
		}
	}
	for _, p := range geoPrefixes {
		if base, ok := strings.CutPrefix(id, p); ok {
			profile := model
			if kind == "" {
				profile = *st.FormatArn(&awscdk.ArnComponents{
					Service:      jsii.String("bedrock"),
					Resource:     jsii.String("inference-profile"),
					ResourceName: jsii.String(id),
					ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
				})
			}
			return []string{profile, "arn:" + partition + ":bedrock:*::foundation-model/" + base}
		}
	}
	switch kind {
	case "":
		return []string{"arn:" + partition + ":bedrock:" + cfg.Region + "::foundation-model/" + id}
	case "foundation-model":
		return []string{model}
	default:
		// An application inference profile or provisioned model: the model
		// behind it is not named in its ARN.
		return []string{model, "arn:" + partition + ":bedrock:*::foundation-model/*"}
	}
}
