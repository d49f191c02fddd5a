package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

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
// it. build says whether a --kb folder is indexed (serve, stdio) or must
// have been indexed already (search).
func openBackend(ctx context.Context, cfg *config.Knowledge, logger *slog.Logger, build bool) (backend kb.Backend, close func(), err error) {
	switch cfg.Backend {
	case "bedrock":
		return openBedrock(ctx, &cfg.Bedrock, logger)
	default: // "local"
		store, err := openLocal(ctx, cfg, logger, build)
		if err != nil {
			return nil, nil, err
		}
		return store, func() { store.Close() }, nil
	}
}

// openLocal opens the local knowledge bases named by --kb, or the built-in
// documentation when there are none.
func openLocal(ctx context.Context, cfg *config.Knowledge, logger *slog.Logger, build bool) (*local.Store, error) {
	store := local.NewStore(logger)
	if len(cfg.KBs) == 0 {
		if err := store.AddEmbedded(docs.Name, docs.Index, docs.FS); err != nil {
			return nil, fmt.Errorf("built-in documentation: %w", err)
		}
		logger.Info("serving the built-in documentation; pass --kb FOLDER to serve your own documents", "kb", docs.Name)
		return store, nil
	}
	for _, spec := range cfg.KBs {
		if err := addLocalKB(ctx, store, cfg.DataDir, spec, logger, build); err != nil {
			store.Close()
			return nil, err
		}
	}
	return store, nil
}

// addLocalKB adds one --kb item, read by local.ParseSource: a name is a
// stored knowledge base, a path is a folder (or an index file), and
// NAME=FOLDER names a folder. A folder is indexed when build is set, and
// otherwise must have been indexed before.
func addLocalKB(ctx context.Context, store *local.Store, dataDir, spec string, logger *slog.Logger, build bool) error {
	src, err := local.ParseSource(spec)
	if err != nil {
		return usageError{err}
	}
	switch {
	case src.Kind == local.SourceIndexFile:
		if _, err := os.Stat(src.Path); err != nil {
			return usagef("--kb %s: index file: %v", spec, err)
		}
		return store.AddIndexFile(src.Name, src.Path, fmt.Sprintf("knowledge-mcp index FOLDER --kb %s --data-dir %s", src.Name, filepath.Dir(src.Path)))
	case src.Kind == local.SourceFolder && build:
		if info, err := os.Stat(src.Path); err != nil || !info.IsDir() {
			return usagef("--kb %s: %s is not a folder", spec, src.Path)
		}
		stats, err := local.Build(ctx, local.BuildOptions{Dir: src.Path, Name: src.Name, DataDir: dataDir, Logger: logger})
		if err != nil {
			return fmt.Errorf("index %s: %w", src.Path, err)
		}
		logger.Info("indexed folder", "kb", src.Name, "folder", src.Path, "documents", stats.Documents, "chunks", stats.Chunks,
			"added", stats.Added, "updated", stats.Updated, "unchanged", stats.Unchanged, "removed", stats.Removed,
			"skipped", len(stats.Skipped), "ignored", len(stats.Ignored), "duration", stats.Duration)
		return store.AddIndexFile(src.Name, stats.Path, fmt.Sprintf("knowledge-mcp index %s --kb %s%s", src.Path, src.Name, dataDirFlag(dataDir)))
	}
	path, err := local.StoredIndex(src, dataDir)
	if errors.Is(err, local.ErrNoIndex) {
		return usageError{noIndexError(spec, src, dataDir, err)}
	}
	if err != nil {
		return err
	}
	if src.Kind == local.SourceName {
		if info, err := os.Stat(src.Name); err == nil && info.IsDir() {
			logger.Warn(fmt.Sprintf("--kb %s is the stored knowledge base %s, not the folder ./%s; write --kb ./%s for the folder", spec, src.Name, src.Name, src.Name))
		}
	}
	return store.AddIndexFile(src.Name, path, fmt.Sprintf("knowledge-mcp index FOLDER --kb %s%s", src.Name, dataDirFlag(dataDir)))
}

// noIndexError explains a --kb value with no index and says how to build
// one, or how to write the folder that was probably meant.
func noIndexError(spec string, src local.Source, dataDir string, err error) error {
	if src.Kind == local.SourceFolder {
		return fmt.Errorf("--kb %s: %v; search reads indexes and does not build them: run knowledge-mcp index %s --kb %s%s first",
			spec, err, src.Path, src.Name, dataDirFlag(dataDir))
	}
	if info, statErr := os.Stat(src.Name); statErr == nil && info.IsDir() {
		return fmt.Errorf("--kb %s: %v; a folder is written as a path: --kb ./%s (or build the knowledge base: knowledge-mcp index ./%s --kb %s%s)",
			spec, err, src.Name, src.Name, src.Name, dataDirFlag(dataDir))
	}
	list := "none yet"
	if known := local.Stored(dataDir); len(known) > 0 {
		list = strings.Join(known, ", ")
	}
	return fmt.Errorf("--kb %s: %v (known: %s); build it with: knowledge-mcp index FOLDER --kb %s%s",
		spec, err, list, src.Name, dataDirFlag(dataDir))
}

// dataDirFlag is " --data-dir DIR" when dir is not the default data
// folder, for commands printed as next steps.
func dataDirFlag(dir string) string {
	if dir == "" || filepath.Clean(dir) == filepath.Clean(config.DefaultDataDir()) {
		return ""
	}
	return " --data-dir " + shellQuote(dir)
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
