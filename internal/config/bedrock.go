package config

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
)

// Bedrock configures the Amazon Bedrock Knowledge Bases backend
// (--backend bedrock): the backend's own options, set by flags, and the
// implicit-filter attributes as given, parsed by Validate into
// Options.ImplicitFilter.
type Bedrock struct {
	bedrock.Options
	// ImplicitFilterAttributes is the JSON list, or a path to a file
	// holding it, of {"key","type","description"}; type is STRING,
	// NUMBER, BOOLEAN or STRING_LIST.
	ImplicitFilterAttributes string
}

// AddFlags registers the Bedrock settings.
func (c *Bedrock) AddFlags(f *FlagSet) {
	f.List(&c.KnowledgeBaseIDs, "knowledge-base-id", "KNOWLEDGE_BASE_IDS", nil, "Bedrock knowledge base ids (or ARNs) to serve, comma-separated; the only ones a tool may reach. Empty: discover by tag")
	f.String(&c.DiscoveryTagKey, "kb-tag-key", "KB_INCLUSION_TAG_KEY", "mcp-multirag-kb", "with no knowledge base id: serve every knowledge base whose tag of this key is \"true\"")
	f.Duration(&c.DiscoveryTTL, "kb-cache-ttl", "KB_CACHE_TTL", 5*time.Minute, "how long discovered knowledge bases and their data sources are cached")
	f.String(&c.ModelARN, "model-arn", "BEDROCK_MODEL_ARN", "", "model for ask_knowledge_base (RetrieveAndGenerate): foundation model id/ARN or inference profile ARN; empty disables generation")
	f.String(&c.RerankerModelARN, "reranker-model-arn", "BEDROCK_RERANKER_MODEL_ARN", "", "Bedrock reranking model ARN (or model id such as amazon.rerank-v1:0 with --reranker-region); empty disables reranking")
	f.String(&c.RerankerRegion, "reranker-region", "BEDROCK_RERANKER_REGION", "", "region of the reranker when --reranker-model-arn is a model id; empty means AWS_REGION")
	f.Bool(&c.RerankByDefault, "rerank-by-default", "BEDROCK_RERANK_BY_DEFAULT", false, "rerank every search unless the caller turns it off (needs --reranker-model-arn)")
	f.Int(&c.RerankedResults, "reranked-results", "BEDROCK_RERANKED_RESULTS", 0, "numberOfRerankedResults sent with reranking; 0 means as many as asked for")
	f.String(&c.ImplicitFilterModelARN, "implicit-filter-model-arn", "BEDROCK_IMPLICIT_FILTER_MODEL_ARN", "", "model that writes a metadata filter from each query (Bedrock implicit filtering); needs --implicit-filter-attributes")
	f.String(&c.ImplicitFilterAttributes, "implicit-filter-attributes", "BEDROCK_IMPLICIT_FILTER_ATTRIBUTES", "", `metadata attributes implicit filtering may use: a JSON list [{"key":"team","type":"STRING","description":"owning team"}] or a file holding it`)
	f.String(&c.GuardrailID, "guardrail-id", "BEDROCK_GUARDRAIL_ID", "", "Amazon Bedrock guardrail applied to retrieval and generation")
	f.String(&c.GuardrailVersion, "guardrail-version", "BEDROCK_GUARDRAIL_VERSION", "", "version of --guardrail-id (a number or DRAFT)")
	f.Duration(&c.CallTimeout, "aws-call-timeout", "AWS_CALL_TIMEOUT", 20*time.Second, "deadline of one backend call to AWS, retries included (keep it under the proxy's read timeout)")
	f.Int(&c.MaxAttempts, "aws-max-attempts", "AWS_MAX_ATTEMPTS", 3, "attempts per AWS request by the SDK retryer (throttling and 5xx are retried with backoff)")
	f.Duration(&c.MaxBackoff, "aws-max-backoff", "AWS_MAX_BACKOFF", 5*time.Second, "longest wait between two attempts of the SDK retryer")
	f.Int(&c.MaxConcurrency, "aws-max-concurrency", "AWS_MAX_CONCURRENCY", 16, "AWS requests in flight at once; more wait their turn within the call deadline")
	f.Int64(&c.MaxDocumentBytes, "max-document-bytes", "MAX_DOCUMENT_BYTES", 1<<20, "largest part of a document get_document reads; longer ones are truncated and marked so")
	f.List(&c.DocumentBuckets, "document-buckets", "DOCUMENT_BUCKETS", nil, "S3 buckets get_document may read; empty means the buckets of the served knowledge bases' S3 data sources")
	f.Bool(&c.S3ForcePathStyle, "s3-force-path-style", "S3_FORCE_PATH_STYLE", false, "address S3 as ENDPOINT/BUCKET/KEY (S3-compatible endpoints)")
}

// The patterns are compiled at first use, not at package init: every
// command links this package, and only a Bedrock configuration needs them.
var (
	guardrailVersion = lazyRegexp(`^(DRAFT|[1-9][0-9]{0,7})$`)
	bucketName       = lazyRegexp(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// lazyRegexp returns a function that compiles expr once, at its first call.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Validate checks the settings and normalizes knowledge base ARNs to ids.
func (c *Bedrock) Validate() error {
	ids := make([]string, 0, len(c.KnowledgeBaseIDs))
	for _, raw := range c.KnowledgeBaseIDs {
		id, ok := bedrock.KnowledgeBaseIDFromARN(raw)
		if !ok {
			return fmt.Errorf("knowledge-base-id (KNOWLEDGE_BASE_IDS): %q is not a knowledge base id (up to 10 letters and digits, as in the Bedrock console) or ARN", raw)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	c.KnowledgeBaseIDs = ids
	if len(ids) == 0 && strings.TrimSpace(c.DiscoveryTagKey) == "" {
		return fmt.Errorf("knowledge-base-id (KNOWLEDGE_BASE_IDS) or kb-tag-key (KB_INCLUSION_TAG_KEY): set one, so the server knows which knowledge bases to serve")
	}
	if strings.ContainsAny(c.ModelARN, " \t\n") {
		return fmt.Errorf("model-arn (BEDROCK_MODEL_ARN): %q contains spaces; use a model id such as anthropic.claude-3-haiku-20240307-v1:0 or an inference profile ARN", c.ModelARN)
	}
	if c.RerankerModelARN == "" && c.RerankByDefault {
		return fmt.Errorf("rerank-by-default (BEDROCK_RERANK_BY_DEFAULT): needs a reranking model; set reranker-model-arn (BEDROCK_RERANKER_MODEL_ARN), e.g. arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0")
	}
	if strings.ContainsAny(c.RerankerModelARN, " \t\n") {
		return fmt.Errorf("reranker-model-arn (BEDROCK_RERANKER_MODEL_ARN): %q contains spaces", c.RerankerModelARN)
	}
	if c.RerankedResults < 0 || c.RerankedResults > 100 {
		return fmt.Errorf("reranked-results (BEDROCK_RERANKED_RESULTS): %d must be between 0 and 100", c.RerankedResults)
	}
	if err := c.parseImplicitFilter(); err != nil {
		return err
	}
	if (c.GuardrailID == "") != (c.GuardrailVersion == "") {
		return fmt.Errorf("guardrail-id (BEDROCK_GUARDRAIL_ID) and guardrail-version (BEDROCK_GUARDRAIL_VERSION): set both or neither")
	}
	if c.GuardrailVersion != "" && !guardrailVersion().MatchString(c.GuardrailVersion) {
		return fmt.Errorf("guardrail-version (BEDROCK_GUARDRAIL_VERSION): %q must be a version number or DRAFT", c.GuardrailVersion)
	}
	if c.CallTimeout <= 0 {
		return fmt.Errorf("aws-call-timeout (AWS_CALL_TIMEOUT): %s must be positive", c.CallTimeout)
	}
	if c.DiscoveryTTL < 0 {
		return fmt.Errorf("kb-cache-ttl (KB_CACHE_TTL): %s must not be negative", c.DiscoveryTTL)
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 10 {
		return fmt.Errorf("aws-max-attempts (AWS_MAX_ATTEMPTS): %d must be between 1 and 10", c.MaxAttempts)
	}
	if c.MaxBackoff < 0 {
		return fmt.Errorf("aws-max-backoff (AWS_MAX_BACKOFF): %s must not be negative", c.MaxBackoff)
	}
	if c.MaxConcurrency < 1 {
		return fmt.Errorf("aws-max-concurrency (AWS_MAX_CONCURRENCY): %d must be at least 1", c.MaxConcurrency)
	}
	if c.MaxDocumentBytes < 1 {
		return fmt.Errorf("max-document-bytes (MAX_DOCUMENT_BYTES): %d must be positive", c.MaxDocumentBytes)
	}
	for _, b := range c.DocumentBuckets {
		if !bucketName().MatchString(b) {
			return fmt.Errorf("document-buckets (DOCUMENT_BUCKETS): %q is not an S3 bucket name (give names, not s3:// URIs or ARNs)", b)
		}
	}
	return nil
}

// parseImplicitFilter reads ImplicitFilterAttributes into ImplicitFilter.
func (c *Bedrock) parseImplicitFilter() error {
	const name = "implicit-filter-attributes (BEDROCK_IMPLICIT_FILTER_ATTRIBUTES)"
	raw := strings.TrimSpace(c.ImplicitFilterAttributes)
	if (raw == "") != (c.ImplicitFilterModelARN == "") {
		return fmt.Errorf("%s and implicit-filter-model-arn (BEDROCK_IMPLICIT_FILTER_MODEL_ARN): set both or neither", name)
	}
	c.ImplicitFilter = nil
	if raw == "" {
		return nil
	}
	data := []byte(raw)
	if !strings.HasPrefix(raw, "[") {
		var err error
		if data, err = os.ReadFile(raw); err != nil {
			return fmt.Errorf("%s: neither a JSON list nor a readable file: %v", name, err)
		}
	}
	if err := json.Unmarshal(data, &c.ImplicitFilter); err != nil {
		return fmt.Errorf("%s: not a JSON list of {\"key\",\"type\",\"description\"}: %v", name, err)
	}
	if len(c.ImplicitFilter) == 0 {
		return fmt.Errorf("%s: the list is empty", name)
	}
	for i, a := range c.ImplicitFilter {
		switch {
		case strings.TrimSpace(a.Key) == "":
			return fmt.Errorf("%s: attribute %d has no key", name, i)
		case strings.TrimSpace(a.Description) == "":
			return fmt.Errorf("%s: attribute %q has no description; the model chooses attributes by it", name, a.Key)
		case !slices.Contains([]string{"STRING", "NUMBER", "BOOLEAN", "STRING_LIST"}, a.Type):
			return fmt.Errorf("%s: attribute %q has type %q; use STRING, NUMBER, BOOLEAN or STRING_LIST", name, a.Key, a.Type)
		}
	}
	return nil
}
