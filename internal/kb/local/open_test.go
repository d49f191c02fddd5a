package local_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/docs"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// TestOpenSources: every form of a --kb value, and the errors that tell
// the operator what to do.
func TestOpenSources(t *testing.T) {
	dir, dataDir := t.TempDir(), t.TempDir()
	folder := filepath.Join(dir, "Team Handbook")
	writeFiles(t, folder, map[string]string{"a.md": "# Alpha\n\nThe alpha runbook.\n"})
	prebuilt := filepath.Join(dir, "prebuilt")
	writeFiles(t, prebuilt, map[string]string{"b.md": "# Beta\n\nThe beta runbook.\n"})
	if _, err := local.Build(context.Background(), local.BuildOptions{Dir: prebuilt, Name: "beta", DataDir: dataDir}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		kbs     []string
		want    []string // knowledge base names served
		wantErr string
	}{
		{"none serves the built-in docs", nil, []string{docs.Name}, ""},
		{"a folder is indexed at start", []string{folder}, []string{"Team-Handbook"}, ""},
		{"NAME=FOLDER", []string{"hb=" + folder}, []string{"hb"}, ""},
		{"a name in the data folder", []string{"beta"}, []string{"beta"}, ""},
		{"an index file", []string{local.IndexPath(dataDir, "beta")}, []string{"beta"}, ""},
		{"several", []string{"beta", "hb=" + folder}, []string{"beta", "hb"}, ""},
		{"unknown name lists the known ones", []string{"gamma"}, nil, "(known: Team-Handbook, beta, hb)"},
		{"NAME=missing folder", []string{"x=" + filepath.Join(dir, "nope")}, nil, "is not a folder"},
		{"s3:// with a bad bucket", []string{"s3://Team_Docs/handbook.kbi"}, nil, "bucket name"},
		{"s3:// without a key", []string{"hb=s3://team-docs"}, nil, "no object key"},
		{"s3:// key that is no name", []string{"s3://team-docs/-draft.kbi"}, nil, "name it: --kb NAME=s3://team-docs/-draft.kbi"},
		{"NAME=s3:// with a bad name", []string{"bad name=s3://team-docs/h.kbi"}, nil, "knowledge base name"},
		{"bad name", []string{"../x=" + folder}, nil, "knowledge base name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend, err := local.Open(context.Background(), local.Options{
				Sources: tt.kbs, DataDir: dataDir,
				Builtin: local.Embedded{Name: docs.Name, Index: docs.Index, FS: docs.FS},
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if !errors.As(err, new(*local.SourceError)) {
					t.Errorf("err %v is not a *local.SourceError (the operator's mistake, exit 2)", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer backend.Close()
			list, err := backend.ListKnowledgeBases(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, k := range list {
				names = append(names, k.ID)
				if k.Status != "ready" {
					t.Errorf("%s: status %q", k.ID, k.Status)
				}
			}
			if strings.Join(names, ",") != strings.Join(tt.want, ",") {
				t.Errorf("served %v, want %v", names, tt.want)
			}
			if err := backend.Ready(context.Background()); err != nil {
				t.Errorf("Ready: %v", err)
			}
			res, err := backend.Search(context.Background(), kb.Query{Text: "runbook troubleshooting", MaxResults: 3})
			if err != nil || len(res.Results) == 0 {
				t.Errorf("search: %v, %d results", err, len(res.Results))
			}
		})
	}
	if _, err := os.Stat(local.IndexPath(dataDir, "hb")); err != nil {
		t.Errorf("serving a folder did not leave its index in the data folder: %v", err)
	}
}

// writeFiles writes files (path relative to dir → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
