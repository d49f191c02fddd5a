package local

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
)

// writeCorpus writes files Markdown files of size bytes each under dir:
// a title heading, then sections under headings of words drawn from a
// Zipf law over 5,000 pseudo-words, as in natural text. It returns the
// bytes written.
func writeCorpus(t *testing.T, dir string, files, size int) int64 {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	syll := strings.Fields("ka lo mi ne ta ri su po de ga fe bi zo lu ve ha ni ro sa te co ma pu di ge")
	vocab := make([]string, 5000)
	for i := range vocab {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		vocab[i] = b.String()
	}
	zipf := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
	word := func() string { return vocab[zipf.Uint64()] }
	var total int64
	for i := range files {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("doc%03d.md", i)))
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		n, _ := fmt.Fprintf(w, "# %s %s\n\n", word(), word())
		for n < size {
			k, _ := fmt.Fprintf(w, "## %s\n\n", word())
			n += k
			for sec := 0; sec < 900 && n < size; {
				k, _ := w.WriteString(word() + " ")
				sec, n = sec+k, n+k
			}
			k, _ = w.WriteString("\n\n")
			n += k
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		total += int64(n)
	}
	return total
}

// liveHeap is the bytes of heap objects still reachable.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// A build holds, once every file is read, little more than its compact
// postings (about half the size of the text read, on this corpus; eight
// bytes a posting made them larger than the text): not the documents'
// texts, which a title sliced from its document's text used to keep
// alive, nor, when it updates an index, the previous index's postings.
// When the file is written, before it replaces the old one, the postings
// are released too: they are written from the builder's own, not copied
// into the index's arrays first. The figures are the live heap after a
// collection, so they do not depend on when the collector runs.
func TestBuildReleasesTextsAndPostings(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	const files = 64
	input := writeCorpus(t, dir, files, 128<<10)
	// Slack for what does not grow with the corpus: tokenizer caches,
	// buffers, the dictionary.
	const slack = 3 << 20
	for _, build := range []string{"first", "incremental"} {
		base := liveHeap()
		var afterFiles, beforeRename int64
		_, err := Build(context.Background(), BuildOptions{Dir: dir, Name: "mem", DataDir: data, Hooks: BuildHooks{
			AfterFile: func(n int) {
				if n == files {
					afterFiles = liveHeap() - base
				}
			},
			BeforeRename: func() { beforeRename = liveHeap() - base },
		}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s build: input %d bytes; live heap after the last file %d, before the rename %d", build, input, afterFiles, beforeRename)
		if bound := input*3/4 + slack; afterFiles > bound {
			t.Errorf("%s build: live heap after the last file is %d bytes for %d bytes read; want at most %d", build, afterFiles, input, bound)
		}
		if bound := input/4 + slack; beforeRename > bound {
			t.Errorf("%s build: live heap once the index is written is %d bytes for %d bytes read; want at most %d", build, beforeRename, input, bound)
		}
	}
}

// The postings written from the builder's scored postings are those an
// index built in memory holds, byte for byte.
func TestStreamedPostingsEqualInMemory(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, dir, 6, 20<<10)
	build := func() *builder {
		b := newBuilder(DefaultRanking(), &countingWriter{w: discard{}})
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			content, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := ingest.Parse(e.Name(), content, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := b.addDoc(docEntryOf(doc), chunksOf(doc, ingest.ChunkOptions{})); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	want := build().finish(header{})
	ix, post := build().finishStreamed(header{})
	var ids, impacts strings.Builder
	if err := post.writeIDs(&ids); err != nil {
		t.Fatal(err)
	}
	if err := post.writeImpacts(&impacts); err != nil {
		t.Fatal(err)
	}
	var wantIDs, wantImpacts strings.Builder
	writeUint32s(&wantIDs, want.ids)
	writeUint16s(&wantImpacts, want.impacts)
	if len(want.ids) == 0 || ids.String() != wantIDs.String() || impacts.String() != wantImpacts.String() || ix.scale != want.scale {
		t.Fatalf("streamed postings differ: %d/%d id bytes, %d/%d impact bytes, scale %g/%g",
			ids.Len(), wantIDs.Len(), impacts.Len(), wantImpacts.Len(), ix.scale, want.scale)
	}
	if fmt.Sprint(ix.postStart) != fmt.Sprint(want.postStart) {
		t.Fatal("term offsets differ")
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
