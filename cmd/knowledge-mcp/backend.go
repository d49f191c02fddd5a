package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/docs"
	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// openBackend opens the configured knowledge-base backend. close releases
// it.
func openBackend(ctx context.Context, cfg *config.Knowledge, logger *slog.Logger) (backend kb.Backend, close func(), err error) {
	switch cfg.Backend {
	case "bedrock":
		return openBedrock(ctx, &cfg.Bedrock, logger)
	default: // "local"
		remote := newS3KBs(ctx, cfg, logger)
		store, err := openLocal(ctx, cfg, remote, logger)
		if err != nil {
			remote.close()
			return nil, nil, err
		}
		if cfg.AwaitRemote {
			remote.awaitFirst(ctx)
		}
		return store, func() { remote.close(); store.Close() }, nil
	}
}

// openLocal opens the local knowledge bases named by --kb, or the built-in
// documentation when there are none.
func openLocal(ctx context.Context, cfg *config.Knowledge, remote *s3KBs, logger *slog.Logger) (*local.Store, error) {
	store := local.NewStore(logger)
	if len(cfg.KBs) == 0 {
		if err := store.AddEmbedded(docs.Name, docs.Index, docs.FS); err != nil {
			return nil, fmt.Errorf("built-in documentation: %w", err)
		}
		logger.Info("serving the built-in documentation; pass --kb FOLDER to serve your own documents", "kb", docs.Name)
		return store, nil
	}
	for _, spec := range cfg.KBs {
		if name, url, ok := s3Spec(spec); ok {
			if err := remote.add(store, spec, name, url); err != nil {
				store.Close()
				return nil, err
			}
			continue
		}
		if err := addLocalKB(ctx, store, cfg.DataDir, spec, logger); err != nil {
			store.Close()
			return nil, err
		}
	}
	return store, nil
}

// addLocalKB adds one --kb item: NAME=FOLDER, FOLDER, an index file or a
// name in the data folder.
func addLocalKB(ctx context.Context, store *local.Store, dataDir, spec string, logger *slog.Logger) error {
	name, dir, paired := strings.Cut(spec, "=")
	if !paired {
		dir = spec
		name = ""
	}
	info, statErr := os.Stat(dir)
	switch {
	case statErr == nil && info.IsDir():
		if name == "" {
			name = local.DefaultName(dir)
		}
		if err := local.ValidName(name); err != nil {
			return usageError{err}
		}
		stats, err := local.Build(ctx, local.BuildOptions{Dir: dir, Name: name, DataDir: dataDir, Logger: logger})
		if err != nil {
			return fmt.Errorf("index %s: %w", dir, err)
		}
		logger.Info("indexed folder", "kb", name, "folder", dir, "documents", stats.Documents, "chunks", stats.Chunks,
			"added", stats.Added, "updated", stats.Updated, "unchanged", stats.Unchanged, "removed", stats.Removed,
			"skipped", len(stats.Skipped), "ms", stats.Duration.Milliseconds())
		return store.AddIndexFile(name, stats.Path, fmt.Sprintf("knowledge-mcp index %s --kb %s", dir, name))
	case statErr == nil && strings.HasSuffix(dir, local.FileExt):
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(dir), local.FileExt)
		}
		return store.AddIndexFile(name, dir, fmt.Sprintf("knowledge-mcp index FOLDER --kb %s --data-dir %s", name, filepath.Dir(dir)))
	case paired:
		return usagef("--kb %s: %s is not a folder: %v", spec, dir, statErr)
	}
	// A name built earlier with "knowledge-mcp index".
	if err := local.ValidName(spec); err != nil {
		return usagef("--kb %s: not a folder, an index file or a knowledge base name", spec)
	}
	path := local.IndexPath(dataDir, spec)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		known := knownIndexes(dataDir)
		list := "none yet"
		if len(known) > 0 {
			list = strings.Join(known, ", ")
		}
		return usagef("--kb %s: no such folder and no knowledge base %q in %s (known: %s); build it with: knowledge-mcp index FOLDER --kb %s",
			spec, spec, dataDir, list, spec)
	}
	return store.AddIndexFile(spec, path, fmt.Sprintf("knowledge-mcp index FOLDER --kb %s", spec))
}

// knownIndexes lists the knowledge bases with an index in dataDir.
func knownIndexes(dataDir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dataDir, "*"+local.FileExt))
	var names []string
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), local.FileExt))
	}
	return names
}
