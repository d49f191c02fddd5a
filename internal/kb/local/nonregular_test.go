//go:build unix

package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// TestGetDocumentRefusesPipe requires a document replaced by a named pipe
// after indexing to be refused promptly; it hung get_document forever,
// holding its slot, goroutine and thread.
func TestGetDocumentRefusesPipe(t *testing.T) {
	store, dir, _ := newTestStore(t)
	p := filepath.Join(dir, "ops", "certificates.md")
	os.Remove(p)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := store.GetDocument(context.Background(), "handbook", "ops/certificates.md")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, kb.ErrPermission) || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("err = %v, want a permission error naming the pipe", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("GetDocument of a pipe never returned")
	}
}

// TestGetDocumentReadsThroughLimit requires get_document to read no more of
// a file than it can return: a 24 MB document grown after indexing must
// cost a small part of that in allocations (it read the whole file, up to
// 256 MiB, and 64 concurrent reads of a 14 MB file took RSS to 2.2 GB).
func TestGetDocumentReadsThroughLimit(t *testing.T) {
	store, dir, _ := newTestStore(t)
	line := strings.Repeat("lorem ipsum dolor sit amet ", 3) + "\n"
	big := "# Big\n\n" + strings.Repeat(line, 24<<20/len(line))
	if err := os.WriteFile(filepath.Join(dir, "ops", "certificates.md"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	doc, err := store.GetDocument(context.Background(), "handbook", "ops/certificates.md")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Truncated || len(doc.Text) > MaxDocumentBytes || len(doc.Text) < MaxDocumentBytes-len(line) || doc.SizeBytes != int64(len(big)) {
		t.Errorf("document: truncated %v, %d bytes of text, size %d; want truncated, about %d bytes, size %d", doc.Truncated, len(doc.Text), doc.SizeBytes, MaxDocumentBytes, len(big))
	}
	const bound = 8 * MaxDocumentBytes
	if got := after.TotalAlloc - before.TotalAlloc; got > bound {
		t.Errorf("GetDocument allocated %d bytes for a %d-byte file; want under %d", got, len(big), bound)
	}
}
