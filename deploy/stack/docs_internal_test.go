package stack

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDocsAssetHash: the index asset's hash follows the folders' files,
// not the index bytes (which record when they were built): a redeploy
// with unchanged folders uploads nothing, and any edit uploads a new index.
func TestDocsAssetHash(t *testing.T) {
	folder := filepath.Join(t.TempDir(), "handbook")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(text string) {
		if err := os.WriteFile(filepath.Join(folder, "leave.md"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	cfg := Config{ImageDir: root, Docs: []DocsFolder{{Name: "handbook", Dir: folder}}}
	build := func() string {
		t.Helper()
		dir, hash, err := buildDocsIndexes(cfg, filepath.Join(t.TempDir(), "stage"))
		if err != nil {
			t.Fatal(err)
		}
		if data, err := os.ReadFile(filepath.Join(dir, "handbook.kbi")); err != nil || len(data) < 8 || string(data[:5]) != "KBIDX" {
			t.Fatalf("no index in %s: %v", dir, err)
		}
		return hash
	}
	write("# Leave\n\nTwenty-five days.\n")
	first, again := build(), build()
	if first != again {
		t.Errorf("unchanged folder: hash %s then %s; a redeploy would upload the same documents again", first, again)
	}
	write("# Leave\n\nThirty days.\n")
	if edited := build(); edited == first {
		t.Error("an edited folder keeps its hash; the redeploy would not upload the new index")
	}
}
