package bedrock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// Managed knowledge bases (knowledgeBaseConfiguration.type MANAGED) take
// retrievalConfiguration.managedSearchConfiguration instead of
// vectorSearchConfiguration, always search HYBRID, use the metadata key
// _data_source_id, and cannot RetrieveAndGenerate. The SDK served here
// (bedrockagentruntime v1.41.0) predates them: it has neither the
// managedSearchConfiguration member nor the MANAGED type, so the backend
// detects the type from GetKnowledgeBase's raw value and renames the member
// on the wire with a build-step middleware (before signing, so the
// signature covers the body sent).

// managedType is GetKnowledgeBase's type value for managed knowledge bases.
const managedType = "MANAGED"

// isManaged reports whether knowledge base id is a managed one. When it
// cannot be described (no bedrock:GetKnowledgeBase), it is taken to be a
// vector knowledge base, the common case.
func (b *Backend) isManaged(ctx context.Context, id string) bool {
	info, err := b.catalog.describe(ctx, id)
	if err != nil {
		b.logger.Debug("knowledge base type unknown, assuming VECTOR", "knowledge_base_id", id, "error", err.Error())
		return false
	}
	return strings.EqualFold(info.Type, managedType)
}

// checkManaged refuses what managed knowledge bases do not do.
func checkManaged(id, searchType string, generate bool) error {
	if generate {
		return fmt.Errorf("knowledge_base_id: %w: %s is a managed knowledge base, and Bedrock's RetrieveAndGenerate does not serve managed knowledge bases; use search_knowledge_base and answer from its passages",
			kb.ErrInvalidArgument, id)
	}
	if searchType != "" {
		return fmt.Errorf("search_type: %w: %s is a managed knowledge base, which always searches HYBRID; leave search_type out", kb.ErrInvalidArgument, id)
	}
	return nil
}

// managedSearch is a per-call option that sends the retrieval configuration
// as managedSearchConfiguration.
func managedSearch(o *bedrockagentruntime.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("KnowledgeMCPManagedSearchConfiguration", renameSearchConfiguration), middleware.After)
	})
}

// renameSearchConfiguration moves retrievalConfiguration.vectorSearchConfiguration
// to managedSearchConfiguration in the serialized JSON body.
func renameSearchConfiguration(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok || req.GetStream() == nil {
		return next.HandleBuild(ctx, in)
	}
	data, err := io.ReadAll(req.GetStream())
	if err != nil {
		return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("managed search configuration: reading the body: %w", err)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(data, &body); err != nil {
		return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("managed search configuration: %w", err)
	}
	if raw, ok := body["retrievalConfiguration"]; ok {
		var rc map[string]json.RawMessage
		if err := json.Unmarshal(raw, &rc); err != nil {
			return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("managed search configuration: %w", err)
		}
		if vsc, ok := rc["vectorSearchConfiguration"]; ok {
			delete(rc, "vectorSearchConfiguration")
			rc["managedSearchConfiguration"] = vsc
		}
		if body["retrievalConfiguration"], err = json.Marshal(rc); err != nil {
			return middleware.BuildOutput{}, middleware.Metadata{}, err
		}
	}
	if data, err = json.Marshal(body); err != nil {
		return middleware.BuildOutput{}, middleware.Metadata{}, err
	}
	if req, err = req.SetStream(bytes.NewReader(data)); err != nil {
		return middleware.BuildOutput{}, middleware.Metadata{}, err
	}
	req.ContentLength = int64(len(data))
	in.Request = req
	return next.HandleBuild(ctx, in)
}
