package bedrock

import (
	"regexp"
	"strings"
	"sync"
	"time"
)

// Options configures the backend. Region and credentials come from the
// standard AWS environment (AWS_REGION, the credential chain,
// AWS_ENDPOINT_URL_*), not from here. Everything here is operator
// configuration: none of it can be chosen by the model through a tool
// argument.
type Options struct {
	// KnowledgeBaseIDs is the allowlist of knowledge bases served. Empty
	// means discovery by DiscoveryTagKey.
	KnowledgeBaseIDs []string
	// DiscoveryTagKey is the tag whose value "true" marks a knowledge base
	// to serve when KnowledgeBaseIDs is empty.
	DiscoveryTagKey string
	// DiscoveryTTL is how long a discovery or a knowledge base description
	// is cached.
	DiscoveryTTL time.Duration
	// ModelARN is the model (foundation model id or ARN, or inference
	// profile ARN) that RetrieveAndGenerate answers with; empty disables
	// ask_knowledge_base.
	ModelARN string
	// RerankerModelARN is the Bedrock reranking model (ARN, or a model id
	// combined with RerankerRegion); empty disables reranking.
	RerankerModelARN string
	// RerankerRegion is where the reranker model id runs when
	// RerankerModelARN is an id, not an ARN; empty means AWS_REGION.
	RerankerRegion string
	// RerankByDefault reranks every search unless the query says otherwise.
	RerankByDefault bool
	// RerankedResults is numberOfRerankedResults; 0 means as many as asked.
	RerankedResults int
	// ImplicitFilterModelARN and ImplicitFilter configure Bedrock's
	// implicit filtering: a model writes a metadata filter from the query,
	// choosing among these attributes. Both or neither.
	ImplicitFilterModelARN string
	ImplicitFilter         []MetadataAttribute
	// GuardrailID and GuardrailVersion apply an Amazon Bedrock guardrail to
	// Retrieve and RetrieveAndGenerate.
	GuardrailID      string
	GuardrailVersion string
	// CallTimeout bounds one backend call, SDK retries included.
	CallTimeout time.Duration
	// MaxAttempts is the SDK retryer's attempts per AWS request.
	MaxAttempts int
	// MaxBackoff caps the SDK retryer's wait between attempts.
	MaxBackoff time.Duration
	// MaxConcurrency bounds the AWS requests in flight at once.
	MaxConcurrency int
	// MaxDocumentBytes caps what get_document reads from S3.
	MaxDocumentBytes int64
	// DocumentBuckets restricts get_document to these S3 buckets; empty
	// means the buckets of the served knowledge bases' S3 data sources.
	DocumentBuckets []string
	// S3ForcePathStyle addresses S3 as endpoint/bucket/key, for
	// S3-compatible endpoints without virtual-host buckets.
	S3ForcePathStyle bool
}

// MetadataAttribute describes one metadata attribute for implicit
// filtering.
type MetadataAttribute struct {
	Key         string `json:"key"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

// The patterns are compiled at first use, not at package init.
var (
	knowledgeBaseIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-zA-Z]{1,10}$`) })
	knowledgeBaseARN       = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:knowledge-base/([0-9a-zA-Z]{1,10})$`)
	})
)

// KnowledgeBaseIDFromARN returns the id of a knowledge base given as its id
// or its ARN, and whether it is well formed.
func KnowledgeBaseIDFromARN(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if m := knowledgeBaseARN().FindStringSubmatch(s); m != nil {
		return m[1], true
	}
	return s, knowledgeBaseIDPattern().MatchString(s)
}
