package bedrock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// action names an AWS request for error messages: the IAM action it needs,
// the resource it acts on, and what else to say when it is refused.
type action struct {
	Action   string
	Resource string
	// KnowledgeBaseID, when set, is named in not-found errors.
	KnowledgeBaseID string
	// Also lists further permissions the request needs behind the scenes
	// (RetrieveAndGenerate invokes the model).
	Also string
	// Hint is appended to permission errors.
	Hint string
}

// Error codes of the Bedrock and S3 APIs, grouped by what a caller can do.
var (
	permissionCodes = []string{"AccessDeniedException", "AccessDenied", "UnauthorizedException", "UnrecognizedClientException",
		"InvalidSignatureException", "ExpiredTokenException", "ExpiredToken", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "AllAccessDisabled"}
	notFoundCodes   = []string{"ResourceNotFoundException", "NoSuchKey", "NoSuchBucket", "NotFound"}
	validationCodes = []string{"ValidationException", "InvalidRequest", "InvalidArgument", "InvalidRange", "BadRequestException"}
	throttleCodes   = []string{"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException", "SlowDown", "RequestLimitExceeded"}
)

// validationParams maps the API's parameter paths, as ValidationException
// messages name them, to the tool argument or setting to change.
var validationParams = []struct{ apiName, what string }{
	{"implicitFilterConfiguration", "the operator settings implicit-filter-model-arn and implicit-filter-attributes (BEDROCK_IMPLICIT_FILTER_MODEL_ARN, BEDROCK_IMPLICIT_FILTER_ATTRIBUTES)"},
	{"numberOfRerankedResults", "the operator setting reranked-results (BEDROCK_RERANKED_RESULTS)"},
	{"numberOfResults", "max_results (numberOfResults, 1-100)"},
	{"overrideSearchType", "search_type (HYBRID is only for OpenSearch Serverless stores with a filterable text field; use SEMANTIC or leave it empty)"},
	{"rerankingConfiguration", "reranking (the operator settings reranker-model-arn / BEDROCK_RERANKER_MODEL_ARN and reranker-region; reranking must be available in the region and enabled for the account)"},
	{"RerankingConfiguration", "reranking (the operator settings reranker-model-arn / BEDROCK_RERANKER_MODEL_ARN and reranker-region; reranking must be available in the region and enabled for the account)"},
	{"filter", "filter (or data_source_ids, which add a filter)"},
	{"nextToken", "next_token (pass back exactly the token of the previous page, with the same query)"},
	{"retrievalQuery", "query"},
	{"input.text", "question"},
	{"modelArn", "the operator setting model-arn (BEDROCK_MODEL_ARN): a model id or inference profile ARN enabled in this region"},
	{"guardrail", "the operator settings guardrail-id and guardrail-version (BEDROCK_GUARDRAIL_ID, BEDROCK_GUARDRAIL_VERSION)"},
	{"sessionId", "session_id (pass back the session id of a previous answer, or leave it empty)"},
	{"knowledgeBaseId", "knowledge_base_id"},
	{"vectorSearchConfiguration", "the knowledge base type: a managed knowledge base does not take vectorSearchConfiguration (see docs/bedrock.md)"},
}

// Compiled at the first error they read, not at package init.
var (
	assumedRole = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`assumed-role/([^/\s]+)/`) })
	onResource  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`on resource:? (arn:[^\s,;]+)`) })
)

// mapError turns an AWS SDK error into an error wrapping a kb sentinel,
// with a message a person can act on.
func (b *Backend) mapError(ctx context.Context, act action, err error) error {
	attempts := ""
	var maxAttempts *retry.MaxAttemptsError
	if errors.As(err, &maxAttempts) {
		attempts = fmt.Sprintf(" after %d attempts", maxAttempts.Attempt)
	}

	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code, msg := apiErr.ErrorCode(), apiErr.ErrorMessage()
		switch {
		case slices.Contains(permissionCodes, code):
			return b.permissionError(act, code, msg)
		case slices.Contains(notFoundCodes, code):
			if act.KnowledgeBaseID != "" {
				return fmt.Errorf("%s: %w: knowledge base %s does not exist in region %s (%s: %s); check the id and AWS_REGION",
					act.Action, kb.ErrNotFound, act.KnowledgeBaseID, b.region, code, msg)
			}
			return fmt.Errorf("%s: %w: %s does not exist in region %s (%s: %s)", act.Action, kb.ErrNotFound, act.Resource, b.region, code, msg)
		case slices.Contains(validationCodes, code):
			return fmt.Errorf("%s: %w: AWS refused the request (%s: %s); change %s", act.Action, kb.ErrInvalidArgument, code, msg, validationParam(msg))
		case slices.Contains(throttleCodes, code):
			return fmt.Errorf("%s: %w: AWS throttled the request%s (%s: %s); try again in a few seconds, or ask for a higher Bedrock quota",
				act.Action, kb.ErrUnavailable, attempts, code, msg)
		}
		status := 0
		var respErr *smithyhttp.ResponseError
		if errors.As(err, &respErr) {
			status = respErr.HTTPStatusCode()
		}
		if status >= 400 && status < 500 && code != "ConflictException" {
			return fmt.Errorf("%s: %w: AWS refused the request with %d %s: %s", act.Action, kb.ErrInvalidArgument, status, code, msg)
		}
		return fmt.Errorf("%s: %w: AWS failed%s (%s: %s); try again later", act.Action, kb.ErrUnavailable, attempts, code, msg)
	}

	var deser *smithy.DeserializationError
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return fmt.Errorf("%s: %w: no answer from AWS within the %s call deadline (AWS_CALL_TIMEOUT)%s; try again, or raise AWS_CALL_TIMEOUT",
			act.Action, kb.ErrUnavailable, b.settings.CallTimeout, attempts)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w: the request was cancelled", act.Action, context.Canceled)
	case isCredentialsError(err):
		return b.credentialsError(err)
	case errors.As(err, &deser):
		return fmt.Errorf("%s: %w: AWS answered with a response that cannot be read%s: %v", act.Action, kb.ErrUnavailable, attempts, deser.Err)
	}
	var netErr net.Error
	if errors.As(err, &netErr) || strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "no such host") {
		return fmt.Errorf("%s: %w: cannot reach the AWS endpoint%s: %v; check the network path (NAT gateway or VPC endpoint) and any AWS_ENDPOINT_URL_* setting",
			act.Action, kb.ErrUnavailable, attempts, err)
	}
	return fmt.Errorf("%s: %w: %v", act.Action, kb.ErrUnavailable, err)
}

// permissionError names the action, the resource and the role it belongs on.
func (b *Backend) permissionError(act action, code, msg string) error {
	resource := act.Resource
	if m := onResource().FindStringSubmatch(msg); m != nil {
		resource = m[1]
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %v: AWS denied %s on %s (%s: %s). ", act.Action, kb.ErrPermission, act.Action, resource, code, msg)
	role := ""
	if m := assumedRole().FindStringSubmatch(msg); m != nil {
		role = m[1]
		fmt.Fprintf(&sb, "The server runs as role %s. ", role)
	}
	fmt.Fprintf(&sb, "Grant %q on %q", act.Action, resource)
	if act.Also != "" {
		fmt.Fprintf(&sb, " (and %s)", act.Also)
	}
	sb.WriteString(" to the ECS task role (the task definition's taskRoleArn, which the server runs as), not to the task execution role, which only pulls the image and writes logs")
	if strings.Contains(strings.ToLower(role), "execution") {
		sb.WriteString("; the role named above looks like an execution role: set a separate task role on the task definition")
	}
	if act.Hint != "" {
		sb.WriteString("; " + act.Hint)
	}
	sb.WriteString(". See docs/bedrock.md for the policy.")
	return &wrapped{msg: sb.String(), err: kb.ErrPermission}
}

// credentialsError explains a missing credential.
func (b *Backend) credentialsError(err error) error {
	return fmt.Errorf("bedrock: %w: no AWS credentials (%v); on ECS give the task definition a task role (taskRoleArn), not only an execution role; elsewhere set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
		kb.ErrUnavailable, rootCause(err))
}

func isCredentialsError(err error) bool {
	s := err.Error()
	for _, m := range []string{"get identity:", "failed to refresh cached credentials", "failed to retrieve credentials", "no valid credential sources", "static credentials are empty"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// rootCause shortens SDK error chains to their last message.
func rootCause(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "get identity: "); i >= 0 {
		return s[i+len("get identity: "):]
	}
	return s
}

func validationParam(msg string) string {
	for _, p := range validationParams {
		if strings.Contains(msg, p.apiName) {
			return p.what
		}
	}
	return "the arguments named in the message"
}

// wrapped is an error with its own message that still matches a sentinel.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }
