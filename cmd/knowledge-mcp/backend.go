package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/knowledge-mcp/knowledge-mcp/docs"
	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// openBackend opens the configured knowledge-base backend. close releases
// it. A --kb value that names nothing servable is a usage error.
func openBackend(ctx context.Context, cfg *config.Knowledge, logger *slog.Logger) (backend kb.Backend, close func(), err error) {
	switch cfg.Backend {
	case "bedrock":
		return openBedrock(ctx, &cfg.Bedrock, logger)
	default: // "local"
		store, err := local.Open(ctx, local.Options{
			Sources: cfg.KBs,
			DataDir: cfg.DataDir,
			Builtin: local.Embedded{Name: docs.Name, Index: docs.Index, FS: docs.FS},
			Logger:  logger,
		})
		if err != nil {
			if errors.As(err, new(*local.SourceError)) {
				return nil, nil, usageError{err}
			}
			return nil, nil, err
		}
		return store, func() { store.Close() }, nil
	}
}
