package local

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// A build reports each file's fate consistently: the progress callback
// never calls a file done that the stats report skipped, a front matter
// error indexes the body with one warning, and ignored paths are counted.
func TestBuildReportsWhatHappenedToEachFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"a-good.md":                "# Good\n\nplain text about rotation\n",
		"b-bad-front-matter.md":    "---\ntitle: x\n\tteam: y\n---\n# Body kept\n\nzebra crossing\n",
		"c-empty.md":               "",
		"node_modules/dep/read.md": "# dependency",
		"z-binary.txt":             "\x00\x01\x02",
	} {
		full := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var progress []Progress
	st, err := Build(context.Background(), BuildOptions{Dir: dir, Name: "kb", DataDir: t.TempDir(),
		Progress: func(p Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	skipped := map[string]string{}
	for _, s := range st.Skipped {
		skipped[s.Path] = s.Reason
	}
	if skipped["c-empty.md"] != "empty file" || skipped["z-binary.txt"] != "binary content" || len(skipped) != 2 {
		t.Errorf("skipped = %v, want c-empty.md (empty file) and z-binary.txt (binary content)", skipped)
	}
	for _, p := range progress {
		_, isSkipped := skipped[p.Path]
		if p.Skipped != isSkipped {
			t.Errorf("progress for %s says skipped=%v; the stats say %v", p.Path, p.Skipped, isSkipped)
		}
	}
	if st.Documents != 2 || st.Added != 2 {
		t.Errorf("documents %d, added %d; want 2 and 2 (the body of the bad front matter file is indexed)", st.Documents, st.Added)
	}
	if len(st.Warnings) != 1 || st.Warnings[0].Path != "b-bad-front-matter.md" || st.Warnings[0].Line != 3 {
		t.Errorf("warnings = %+v, want one for b-bad-front-matter.md line 3", st.Warnings)
	}
	if !slices.ContainsFunc(st.Ignored, func(ig ingest.Ignored) bool { return ig.Path == "node_modules" && ig.Dir }) {
		t.Errorf("ignored = %+v, want node_modules", st.Ignored)
	}
	store := NewStore(nil)
	defer store.Close()
	if err := store.AddIndexFile("kb", st.Path, "test"); err != nil {
		t.Fatal(err)
	}
	res, err := store.Search(context.Background(), kb.Query{Text: "zebra crossing"})
	if err != nil || len(res.Results) == 0 || res.Results[0].DocumentID != "b-bad-front-matter.md" {
		t.Errorf("body of the file with bad front matter not searchable: %v %v", res, err)
	}
	for _, r := range res.Results {
		if strings.HasPrefix(r.DocumentID, "node_modules") {
			t.Errorf("ignored dependency indexed: %s", r.DocumentID)
		}
	}
}
