package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
)

// openBedrock opens the Amazon Bedrock Knowledge Bases backend. It never
// fails for missing credentials or permissions: the server starts, /readyz
// says what is wrong, and a first readiness check logs it at once.
func openBedrock(ctx context.Context, cfg *config.Bedrock, logger *slog.Logger) (kb.Backend, func(), error) {
	b := bedrock.New(ctx, cfg.Options, logger)
	selection := "knowledge_base_ids"
	value := strings.Join(cfg.KnowledgeBaseIDs, ",")
	if len(cfg.KnowledgeBaseIDs) == 0 {
		selection, value = "discovery_tag", cfg.DiscoveryTagKey+"=true"
	}
	logger.Info("serving Amazon Bedrock knowledge bases",
		"region", b.Region(), selection, value,
		"generation", cfg.ModelARN != "", "model", cfg.ModelARN,
		"reranking", cfg.RerankerModelARN != "", "rerank_by_default", cfg.RerankByDefault,
		"guardrail", cfg.GuardrailID != "")
	checkCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := b.Ready(checkCtx); err != nil {
			logger.Warn("bedrock backend not ready; the server keeps serving and /readyz reports it", "reason", err.Error())
			return
		}
		logger.Info("bedrock backend ready")
	}()
	return b, func() { cancel(); <-done }, nil
}
