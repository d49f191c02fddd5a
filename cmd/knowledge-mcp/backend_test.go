package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/docs"
	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
)

// TestOpenBackendUsageErrors: a --kb value that names nothing servable
// (local.Open's *SourceError) exits with status 2; the forms of --kb are
// tested beside local.Open.
func TestOpenBackendUsageErrors(t *testing.T) {
	dir, dataDir := t.TempDir(), t.TempDir()
	for _, kbs := range [][]string{{"gamma"}, {"x=" + filepath.Join(dir, "nope")}} {
		cfg := &config.Knowledge{Backend: "local", KBs: kbs, DataDir: dataDir}
		_, _, err := openBackend(context.Background(), cfg, slog.New(slog.DiscardHandler), indexFolders)
		if !errors.As(err, new(usageError)) {
			t.Errorf("--kb %v: err %v is not a usage error (exit 2)", kbs, err)
		}
	}
	cfg := &config.Knowledge{Backend: "local", DataDir: dataDir}
	backend, closeBackend, err := openBackend(context.Background(), cfg, slog.New(slog.DiscardHandler), indexFolders)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBackend()
	list, err := backend.ListKnowledgeBases(context.Background())
	if err != nil || len(list) != 1 || list[0].ID != docs.Name {
		t.Errorf("no --kb: serves %+v (%v), want the built-in %s", list, err, docs.Name)
	}
}
