package local

import (
	"context"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
)

// TestConformance runs the suite every kb.Backend must pass: the fixture
// is written as folders with Bedrock sidecars, indexed by Build and served
// by a Store, as "knowledge-mcp serve --kb" would.
func TestConformance(t *testing.T) {
	fixture := kbtest.DefaultFixture()
	kbtest.Run(t, func(t *testing.T) kb.Backend {
		folders, err := fixture.WriteDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		dataDir := t.TempDir()
		store := NewStore(nil)
		t.Cleanup(func() { store.Close() })
		for _, k := range fixture.KnowledgeBases {
			st, err := Build(context.Background(), BuildOptions{Dir: folders[k.ID], Name: k.ID, Description: k.Description, DataDir: dataDir})
			if err != nil {
				t.Fatal(err)
			}
			if err := store.AddIndexFile(k.ID, st.Path, ""); err != nil {
				t.Fatal(err)
			}
		}
		return store
	}, fixture)
}
