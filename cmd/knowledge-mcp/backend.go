package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"

	"github.com/knowledge-mcp/knowledge-mcp/docs"
	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// Whether opening --kb folders may index them: serve and stdio index a
// folder at start; search only reads indexes that exist.
const (
	indexFolders = true
	readOnly     = false
)

// openBackend opens the configured knowledge-base backend. close releases
// it. A --kb value that names nothing servable is a usage error. build
// says whether a --kb folder is indexed (serve, stdio) or must have been
// indexed already (search).
func openBackend(ctx context.Context, cfg *config.Knowledge, logger *slog.Logger, build bool) (backend kb.Backend, close func(), err error) {
	switch cfg.Backend {
	case "bedrock":
		return openBedrock(ctx, &cfg.Bedrock, logger)
	default: // "local"
		store, err := local.Open(ctx, local.Options{
			Sources:        cfg.KBs,
			DataDir:        cfg.DataDir,
			Builtin:        local.Embedded{Name: docs.Name, Index: docs.Index, FS: docs.FS},
			Logger:         logger,
			ReadOnly:       !build,
			DefaultDataDir: config.DefaultDataDir(),
			Refresh:        cfg.Refresh,
			// A one-shot command waits for an s3:// index's first copy.
			AwaitRemote: cfg.AwaitRemote,
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

// dataDirFlag is " --data-dir DIR" when dir is not the default data
// folder, for commands printed as next steps.
func dataDirFlag(dir string) string {
	if dir == "" || filepath.Clean(dir) == filepath.Clean(config.DefaultDataDir()) {
		return ""
	}
	return " --data-dir " + local.ShellQuote(dir)
}
