package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// copyDir copies the testdata corpus to a temporary folder the test may
// change.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// newTestStore indexes a copy of the corpus as "handbook".
func newTestStore(t *testing.T) (store *Store, dir, dataDir string) {
	t.Helper()
	dir = copyDir(t, "testdata/corpus")
	dataDir = t.TempDir()
	st, err := Build(context.Background(), BuildOptions{Dir: dir, Name: "handbook", DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	store = NewStore(nil)
	if err := store.AddIndexFile("handbook", st.Path, "knowledge-mcp index "+dir+" --kb handbook"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store, dir, dataDir
}

func search(t *testing.T, s *Store, q kb.Query) []kb.Result {
	t.Helper()
	res, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%q): %v", q.Text, err)
	}
	return res.Results
}

// TestRankingSanity: queries whose right answer is known, phrased as an
// agent would, must put that passage first.
func TestRankingSanity(t *testing.T) {
	store, _, _ := newTestStore(t)
	tests := []struct {
		query, doc string
		heading    string
	}{
		{"how do I configure the health check of the target group", "ops/health-checks.md", "Configuring the target group"},
		{"why do my ECS tasks keep restarting", "ops/health-checks.md", "Why tasks restart"},
		{"list comprehension instead of appending in a loop", "dev/python-style.md", "List comprehensions"},
		{"what should I do before an imported certificate expires", "ops/certificates.md", ""},
		{"how to roll back a release", "dev/release.txt", ""},
		{"what does idempotent mean", "glossary.html", ""},
		{"catching exceptions", "dev/python-style.md", "Exceptions"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := search(t, store, kb.Query{Text: tt.query})
			if len(res) == 0 {
				t.Fatal("no results")
			}
			top := res[0]
			if top.DocumentID != tt.doc {
				t.Fatalf("top result %s (%v), want %s", top.DocumentID, top.HeadingPath, tt.doc)
			}
			if tt.heading != "" && (len(top.HeadingPath) == 0 || top.HeadingPath[len(top.HeadingPath)-1] != tt.heading) {
				t.Errorf("top heading path %v, want it to end in %q", top.HeadingPath, tt.heading)
			}
			if !strings.Contains(top.Snippet, "**") {
				t.Errorf("snippet has no highlight: %q", top.Snippet)
			}
			if top.URI != DocumentURI("handbook", tt.doc) || top.KnowledgeBaseID != "handbook" {
				t.Errorf("uri %q kb %q", top.URI, top.KnowledgeBaseID)
			}
			for i := 1; i < len(res); i++ {
				if res[i].Score > res[i-1].Score {
					t.Errorf("results not sorted by score at %d", i)
				}
			}
		})
	}
}

func TestSearchFilters(t *testing.T) {
	store, _, _ := newTestStore(t)
	tests := []struct {
		filter string
		want   []string // documents allowed in the results
	}{
		{`{"equals":{"key":"team","value":"ops"}}`, []string{"ops/health-checks.md", "ops/certificates.md"}},
		{`{"greaterThanOrEquals":{"key":"year","value":2024}}`, []string{"ops/health-checks.md", "dev/release.txt"}},
		{`{"listContains":{"key":"tags","value":"deploy"}}`, []string{"dev/release.txt"}},
		{`{"andAll":[{"equals":{"key":"team","value":"dev"}},{"lessThan":{"key":"year","value":2024}}]}`, []string{"dev/python-style.md"}},
		{`{"startsWith":{"key":"x-amz-bedrock-kb-source-uri","value":"kb://handbook/ops/"}}`, []string{"ops/health-checks.md", "ops/certificates.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := kb.ParseFilter([]byte(tt.filter))
			if err != nil {
				t.Fatal(err)
			}
			// A broad query that matches every document.
			res := search(t, store, kb.Query{Text: "the a health certificate python release tasks idempotent deploy", Filter: f, MaxResults: 100})
			if len(res) == 0 {
				t.Fatal("no results")
			}
			seen := map[string]bool{}
			for _, r := range res {
				seen[r.DocumentID] = true
				if !containsString(tt.want, r.DocumentID) {
					t.Errorf("result %s does not pass the filter", r.DocumentID)
				}
			}
			for _, w := range tt.want {
				if !seen[w] {
					t.Errorf("%s missing from filtered results", w)
				}
			}
		})
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSearchBadInput(t *testing.T) {
	store, _, _ := newTestStore(t)
	tests := []struct {
		q       kb.Query
		is      error
		mention string
	}{
		{kb.Query{Text: "   "}, kb.ErrInvalidArgument, "empty"},
		{kb.Query{Text: "x", MaxResults: 101}, kb.ErrInvalidArgument, "1-100"},
		{kb.Query{Text: "x", MaxResults: -1}, kb.ErrInvalidArgument, "1-100"},
		{kb.Query{Text: "x", SearchType: "FUZZY"}, kb.ErrInvalidArgument, "HYBRID"},
		{kb.Query{Text: "x", KnowledgeBaseID: "nope"}, kb.ErrNotFound, "known knowledge bases: handbook"},
		{kb.Query{Text: "x", NextToken: "abc"}, kb.ErrInvalidArgument, "paginate"},
	}
	for _, tt := range tests {
		t.Run(tt.mention, func(t *testing.T) {
			_, err := store.Search(context.Background(), tt.q)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tt.is, tt.mention)
			}
		})
	}
	// Stopwords only: no error, no results.
	if res := search(t, store, kb.Query{Text: "how do I"}); len(res) != 0 {
		t.Errorf("stopword query gave %d results", len(res))
	}
}

func TestIncrementalBuild(t *testing.T) {
	store, dir, dataDir := newTestStore(t)
	ctx := context.Background()
	before := search(t, store, kb.Query{Text: "zebra migration"})
	if len(before) != 0 {
		t.Fatalf("unexpected results before the change: %v", before)
	}
	// Add, change and delete a file.
	os.WriteFile(filepath.Join(dir, "ops", "zebra.md"), []byte("# Zebra migration\n\nMove the zebra cluster first.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "ops", "certificates.md"), []byte("# Certificates\n\nNow managed by the platform team with cert-manager.\n"), 0o644)
	os.Remove(filepath.Join(dir, "dev", "python-style.md"))
	st, err := Build(ctx, BuildOptions{Dir: dir, Name: "handbook", DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if st.Added != 1 || st.Updated != 1 || st.Removed != 1 || st.Unchanged != 3 {
		t.Errorf("stats added %d updated %d removed %d unchanged %d; want 1 1 1 3", st.Added, st.Updated, st.Removed, st.Unchanged)
	}
	// The running store picks the new file up without a restart.
	if res := search(t, store, kb.Query{Text: "zebra migration"}); len(res) == 0 || res[0].DocumentID != "ops/zebra.md" {
		t.Errorf("added file not found: %v", res)
	}
	if res := search(t, store, kb.Query{Text: "cert-manager platform team"}); len(res) == 0 || res[0].DocumentID != "ops/certificates.md" {
		t.Errorf("changed file not found: %v", res)
	}
	if res := search(t, store, kb.Query{Text: "imported certificates alarm"}); len(res) > 0 && res[0].DocumentID == "ops/certificates.md" && strings.Contains(res[0].Text, "re-imported") {
		t.Errorf("old text of the changed file still indexed")
	}
	for _, r := range search(t, store, kb.Query{Text: "list comprehension", MaxResults: 100}) {
		if r.DocumentID == "dev/python-style.md" {
			t.Errorf("deleted file still found")
		}
	}
	// A second build with nothing changed reuses everything.
	st, err = Build(ctx, BuildOptions{Dir: dir, Name: "handbook", DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if st.Added+st.Updated+st.Removed != 0 || st.Unchanged != 5 {
		t.Errorf("unchanged rebuild: %+v", st)
	}
}

func TestGetDocument(t *testing.T) {
	store, dir, _ := newTestStore(t)
	ctx := context.Background()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.md"), []byte("# secret\n\ntop secret"), 0o644)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("TOKEN=x"), 0o644)

	doc, err := store.GetDocument(ctx, "", "kb://handbook/ops/health-checks.md")
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Load balancer health checks" || !strings.Contains(doc.Text, "/healthz") || doc.Metadata["team"] != "ops" || doc.MIMEType != "text/markdown" {
		t.Errorf("document %+v", doc)
	}
	if _, err := store.GetDocument(ctx, "handbook", "dev/release.txt"); err != nil {
		t.Errorf("relative path: %v", err)
	}
	// After indexing, a document is replaced by a symlink leading out.
	os.Remove(filepath.Join(dir, "ops", "certificates.md"))
	if err := os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(dir, "ops", "certificates.md")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kb, uri string
		is      error
		mention string
	}{
		{"handbook", "../secret.md", kb.ErrInvalidArgument, `".."`},
		{"", "kb://handbook/ops/../../secret.md", kb.ErrInvalidArgument, `".."`},
		{"handbook", "/etc/passwd", kb.ErrInvalidArgument, "absolute"},
		{"handbook", "ops/certificates.md", kb.ErrPermission, "outside"},
		{"handbook", ".env", kb.ErrNotFound, "only indexed documents"},
		{"", "kb://nope/x.md", kb.ErrNotFound, "known knowledge bases: handbook"},
		{"other", "kb://handbook/dev/release.txt", kb.ErrInvalidArgument, "belongs to knowledge base"},
		{"", "s3://bucket/x", kb.ErrInvalidArgument, "kb://"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			_, err := store.GetDocument(ctx, tt.kb, tt.uri)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tt.is, tt.mention)
			}
		})
	}
}

func TestMissingAndCorruptIndex(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	store := NewStore(nil)
	path := IndexPath(dataDir, "later")
	if err := store.AddIndexFile("later", path, "knowledge-mcp index ./docs --kb later"); err != nil {
		t.Fatal(err)
	}
	_, err := store.Search(ctx, kb.Query{Text: "x"})
	if !errors.Is(err, kb.ErrUnavailable) || !strings.Contains(err.Error(), "knowledge-mcp index ./docs --kb later") {
		t.Fatalf("missing index: %v", err)
	}
	if err := store.Ready(ctx); err == nil || !strings.Contains(err.Error(), "knowledge-mcp index ./docs --kb later") {
		t.Fatalf("Ready with a missing index: %v", err)
	}
	// A corrupt file is refused with the same advice.
	os.WriteFile(path, []byte("KBIDX\x00\x00\x01 garbage that is long enough to have a footer........................................................................"), 0o644)
	_, err = store.Search(ctx, kb.Query{Text: "x"})
	if !errors.Is(err, kb.ErrUnavailable) || !strings.Contains(err.Error(), "rebuild it with: knowledge-mcp index ./docs --kb later") {
		t.Fatalf("corrupt index: %v", err)
	}
	// Once a good index appears, it is served: no restart.
	dir := copyDir(t, "testdata/corpus")
	if _, err := Build(ctx, BuildOptions{Dir: dir, Name: "later", DataDir: dataDir}); err != nil {
		t.Fatal(err)
	}
	if res := search(t, store, kb.Query{Text: "health check"}); len(res) == 0 {
		t.Fatal("no results after the index was built")
	}
	if err := store.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	// Truncating the file (a torn copy) keeps the previous generation.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)/2], 0o644)
	if res := search(t, store, kb.Query{Text: "health check"}); len(res) == 0 {
		t.Fatal("a torn index file broke a running store")
	}
}

func TestCorruptionDetected(t *testing.T) {
	dir := copyDir(t, "testdata/corpus")
	dataDir := t.TempDir()
	st, err := Build(context.Background(), BuildOptions{Dir: dir, Name: "c", DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(st.Path)
	for _, off := range []int{10, len(good) / 2, len(good) - 100} {
		bad := append([]byte(nil), good...)
		bad[off] ^= 0xff
		p := filepath.Join(t.TempDir(), "c.kbi")
		os.WriteFile(p, bad, 0o644)
		if _, err := openIndexFile(p); !errors.Is(err, ErrCorrupt) {
			t.Errorf("flipped byte at %d: err = %v, want ErrCorrupt", off, err)
		}
	}
}

func TestSeveralKnowledgeBases(t *testing.T) {
	store, _, _ := newTestStore(t)
	fsys := fstest.MapFS{"zebra.md": {Data: []byte("# Zebras\n\nZebra herds migrate across the plains.\n")}}
	if err := store.AddFS("animals", "Animal facts", fsys); err != nil {
		t.Fatal(err)
	}
	if err := store.AddFS("animals", "again", fsys); err == nil {
		t.Error("a duplicate name was accepted")
	}
	list, err := store.ListKnowledgeBases(context.Background())
	if err != nil || len(list) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if list[0].ID != "handbook" || list[0].Documents != 5 || list[0].Chunks == 0 || list[0].Backend != "local" || list[1].Description != "Animal facts" {
		t.Errorf("list = %+v", list)
	}
	// No knowledge base named: all are searched.
	res := search(t, store, kb.Query{Text: "zebra herds health check", MaxResults: 10})
	kbs := map[string]bool{}
	for _, r := range res {
		kbs[r.KnowledgeBaseID] = true
	}
	if !kbs["animals"] || !kbs["handbook"] {
		t.Errorf("merged search covered %v", kbs)
	}
	res = search(t, store, kb.Query{Text: "zebra", KnowledgeBaseID: "animals"})
	if len(res) != 1 || res[0].URI != "kb://animals/zebra.md" {
		t.Errorf("animals search: %+v", res)
	}
	doc, err := store.GetDocument(context.Background(), "", res[0].URI)
	if err != nil || !strings.Contains(doc.Text, "plains") {
		t.Errorf("embedded document: %+v %v", doc, err)
	}
}
