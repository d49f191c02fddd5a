// Package bedrock serves Amazon Bedrock Knowledge Bases as a [kb.Backend]:
// Retrieve for search, RetrieveAndGenerate for cited answers, the
// bedrock-agent control plane for listing knowledge bases and their data
// sources, and S3 GetObject for reading source documents.
//
// The knowledge bases a caller may reach are fixed by the operator, either
// as a list of ids or as a tag that discovery looks for; a request for any
// other knowledge base is refused before it reaches AWS. Every AWS failure
// becomes an error wrapping one of the kb sentinels, with a message that
// says what to change (for a missing permission: the action, the resource
// ARN and that it belongs on the ECS task role).
//
// AWS configuration is the standard one (config.LoadDefaultConfig):
// AWS_REGION, the default credential chain, and the service endpoint
// variables AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME, AWS_ENDPOINT_URL_BEDROCK_AGENT
// and AWS_ENDPOINT_URL_S3.
package bedrock

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/knowledge-mcp/knowledge-mcp/internal/awslog"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// BackendName is the value of [kb.KnowledgeBase.Backend] for Bedrock.
const BackendName = "bedrock"

// runtimeAPI is the part of the bedrock-agent-runtime client the backend uses.
type runtimeAPI interface {
	Retrieve(context.Context, *bedrockagentruntime.RetrieveInput, ...func(*bedrockagentruntime.Options)) (*bedrockagentruntime.RetrieveOutput, error)
	RetrieveAndGenerate(context.Context, *bedrockagentruntime.RetrieveAndGenerateInput, ...func(*bedrockagentruntime.Options)) (*bedrockagentruntime.RetrieveAndGenerateOutput, error)
}

// agentAPI is the part of the bedrock-agent (control plane) client the
// backend uses.
type agentAPI interface {
	ListKnowledgeBases(context.Context, *bedrockagent.ListKnowledgeBasesInput, ...func(*bedrockagent.Options)) (*bedrockagent.ListKnowledgeBasesOutput, error)
	GetKnowledgeBase(context.Context, *bedrockagent.GetKnowledgeBaseInput, ...func(*bedrockagent.Options)) (*bedrockagent.GetKnowledgeBaseOutput, error)
	ListDataSources(context.Context, *bedrockagent.ListDataSourcesInput, ...func(*bedrockagent.Options)) (*bedrockagent.ListDataSourcesOutput, error)
	GetDataSource(context.Context, *bedrockagent.GetDataSourceInput, ...func(*bedrockagent.Options)) (*bedrockagent.GetDataSourceOutput, error)
	ListTagsForResource(context.Context, *bedrockagent.ListTagsForResourceInput, ...func(*bedrockagent.Options)) (*bedrockagent.ListTagsForResourceOutput, error)
	ListKnowledgeBaseDocuments(context.Context, *bedrockagent.ListKnowledgeBaseDocumentsInput, ...func(*bedrockagent.Options)) (*bedrockagent.ListKnowledgeBaseDocumentsOutput, error)
}

// objectAPI is the part of the S3 client the backend uses.
type objectAPI interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Backend is the Amazon Bedrock Knowledge Bases backend. It is safe for
// concurrent use.
type Backend struct {
	settings Options
	logger   *slog.Logger
	region   string
	creds    aws.CredentialsProvider
	// initErr is why the AWS configuration could not be loaded; every call
	// reports it and Ready says so, but the server keeps serving.
	initErr error

	runtime runtimeAPI
	agent   agentAPI
	objects objectAPI

	slots   chan struct{}
	catalog *catalog
	now     func() time.Time
}

var (
	_ kb.Backend           = (*Backend)(nil)
	_ kb.Generator         = (*Backend)(nil)
	_ kb.GenerationSupport = (*Backend)(nil)
)

// New loads the AWS configuration the standard way and returns the backend.
// It does not fail for missing credentials or region: the backend is then
// not ready ([Backend.Ready] says why) and its calls fail with ErrUnavailable,
// so the server can start and report the problem. settings must have passed
// Validate. optFns adjust the AWS configuration (tests pass static
// credentials).
func New(ctx context.Context, settings Options, logger *slog.Logger, optFns ...func(*awsconfig.LoadOptions) error) *Backend {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	maxAttempts := settings.MaxAttempts
	if maxAttempts < 1 {
		maxAttempts = 3
	}
	maxBackoff := settings.MaxBackoff
	opts := append([]func(*awsconfig.LoadOptions) error{
		awsconfig.WithAppID("knowledge-mcp"),
		awsconfig.WithLogger(awslog.New(logger)),
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				if maxBackoff > 0 {
					o.MaxBackoff = maxBackoff
				}
			})
		}),
	}, optFns...)
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		b := newBackend(aws.Config{}, settings, logger)
		b.initErr = fmt.Errorf("bedrock: %w: loading the AWS configuration failed: %v; check AWS_PROFILE, AWS_CONFIG_FILE and the AWS_* variables", kb.ErrUnavailable, err)
		logger.Error("bedrock backend not usable", "error", b.initErr.Error())
		return b
	}
	return newBackend(cfg, settings, logger)
}

func newBackend(cfg aws.Config, settings Options, logger *slog.Logger) *Backend {
	if settings.MaxConcurrency < 1 {
		settings.MaxConcurrency = 16
	}
	if settings.CallTimeout <= 0 {
		settings.CallTimeout = 20 * time.Second
	}
	if settings.MaxDocumentBytes <= 0 {
		settings.MaxDocumentBytes = 1 << 20
	}
	b := &Backend{
		settings: settings,
		logger:   logger,
		region:   cfg.Region,
		creds:    cfg.Credentials,
		runtime:  bedrockagentruntime.NewFromConfig(cfg),
		agent:    bedrockagent.NewFromConfig(cfg),
		objects: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = settings.S3ForcePathStyle
			// Ranged reads carry no whole-object checksum to validate.
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}),
		slots: make(chan struct{}, settings.MaxConcurrency),
		now:   time.Now,
	}
	b.catalog = newCatalog(b)
	return b
}

// Region is the AWS region the backend calls.
func (b *Backend) Region() string { return b.region }

// CanGenerate reports whether a model is configured for [Backend.Ask].
func (b *Backend) CanGenerate() bool { return b.settings.ModelARN != "" }

// CanRerank reports whether a reranking model is configured.
func (b *Backend) CanRerank() bool { return b.settings.RerankerModelARN != "" }

// usable reports why no AWS call can be made at all, or nil.
func (b *Backend) usable() error {
	if b.initErr != nil {
		return b.initErr
	}
	if b.region == "" {
		return fmt.Errorf("bedrock: %w: no AWS region configured; set AWS_REGION (ECS sets it for you) to the region of the knowledge bases", kb.ErrUnavailable)
	}
	return nil
}

// Ready reports whether the backend can answer: a region, credentials, and
// every served knowledge base known and usable (checked through
// GetKnowledgeBase, cached). The error says what to fix.
func (b *Backend) Ready(ctx context.Context) error {
	if err := b.usable(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, b.settings.CallTimeout)
	defer cancel()
	if b.creds == nil {
		return b.credentialsError(fmt.Errorf("no credential provider configured"))
	}
	if _, err := b.creds.Retrieve(ctx); err != nil {
		return b.credentialsError(err)
	}
	ids, err := b.catalog.allowed(ctx)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return b.noKnowledgeBases()
	}
	for _, id := range ids {
		info, err := b.catalog.describe(ctx, id)
		if err != nil {
			return err
		}
		switch info.Status {
		case "ACTIVE", "UPDATING":
		default:
			return fmt.Errorf("bedrock: %w: knowledge base %s in %s is %s, not ACTIVE", kb.ErrUnavailable, id, b.region, info.Status)
		}
	}
	return nil
}

func (b *Backend) noKnowledgeBases() error {
	return fmt.Errorf("bedrock: %w: no knowledge base to serve: none in %s carries the tag %s=true; tag one, or set KNOWLEDGE_BASE_IDS",
		kb.ErrNotFound, b.region, b.settings.DiscoveryTagKey)
}

// withDeadline bounds one backend call, SDK retries included.
func (b *Backend) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.settings.CallTimeout)
}

// acquire takes one of the slots bounding concurrent AWS requests.
func (b *Backend) acquire(ctx context.Context) (release func(), err error) {
	select {
	case b.slots <- struct{}{}:
		return func() { <-b.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("bedrock: %w: all %d AWS request slots stayed busy until the deadline (AWS_MAX_CONCURRENCY); try again, or raise it", kb.ErrUnavailable, cap(b.slots))
	}
}

// call runs one AWS request within a concurrency slot, logs it, and maps its
// error. act names the IAM action and resource for permission errors.
func call[T any](ctx context.Context, b *Backend, act action, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := b.usable(); err != nil {
		return zero, err
	}
	release, err := b.acquire(ctx)
	if err != nil {
		return zero, err
	}
	defer release()
	start := b.now()
	out, err := fn(ctx)
	elapsed := b.now().Sub(start)
	if err != nil {
		mapped := b.mapError(ctx, act, err)
		b.logger.Warn("aws call failed", "action", act.Action, "resource", act.Resource, "duration_ms", elapsed.Milliseconds(), "error", err.Error())
		return zero, mapped
	}
	b.logger.Debug("aws call", "action", act.Action, "resource", act.Resource, "duration_ms", elapsed.Milliseconds())
	return out, nil
}

// resolveKnowledgeBase turns the id a caller gave (empty, an id or an ARN)
// into one allowed id, or an error listing the allowed ones.
func (b *Backend) resolveKnowledgeBase(ctx context.Context, requested string) (string, error) {
	ids, err := b.catalog.allowed(ctx)
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", b.noKnowledgeBases()
	}
	requested = strings.TrimSpace(requested)
	if requested == "" {
		if len(ids) == 1 {
			return ids[0], nil
		}
		return "", fmt.Errorf("knowledge_base_id: %w: several knowledge bases are served, choose one: %s (list_knowledge_bases describes them)",
			kb.ErrInvalidArgument, b.describeAllowed(ctx, ids))
	}
	id, _ := KnowledgeBaseIDFromARN(requested)
	for _, allowed := range ids {
		if id == allowed {
			return id, nil
		}
	}
	hint := ""
	if looksLikePlaceholder(requested) {
		hint = " (it looks like a placeholder, not a real id)"
	}
	if len(ids) == 1 {
		hint += "; or leave knowledge_base_id out"
	}
	return "", fmt.Errorf("knowledge_base_id: %w: %q is not served here%s; use one of: %s",
		kb.ErrNotFound, requested, hint, b.describeAllowed(ctx, ids))
}

// describeAllowed lists ids with the names already cached, without calling AWS.
func (b *Backend) describeAllowed(_ context.Context, ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id
		if info, ok := b.catalog.cached(id); ok && info.Name != "" {
			parts[i] = fmt.Sprintf("%s (%s)", id, info.Name)
		}
	}
	return strings.Join(parts, ", ")
}

func looksLikePlaceholder(s string) bool {
	u := strings.ToUpper(s)
	for _, p := range []string{"YOUR", "PLACEHOLDER", "EXAMPLE", "<", "KB_ID", "KNOWLEDGE_BASE_ID", "XXX", "ID_HERE"} {
		if strings.Contains(u, p) {
			return true
		}
	}
	return false
}
