//go:build unix

package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within runs f and fails the test when it has not returned by a generous
// deadline: the bug it guards against is a read that never returns.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s never returned", what)
	}
}

// TestNonRegularFilesAreNotRead requires a named pipe, reached through a
// symlink, a sidecar that is a pipe, or a pipe swapped in after the walk,
// to be skipped with a reason, promptly: a pipe blocked index forever, and
// a document replaced by one hung get_document.
func TestNonRegularFilesAreNotRead(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "inner.fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "swapped.md"), []byte("# Swapped\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "side.md"), []byte("# Side\n"), 0o644)
	os.Symlink("inner.fifo", filepath.Join(dir, "pipe.md"))
	os.Symlink("inner.fifo", filepath.Join(dir, "side.md"+SidecarSuffix))

	var files []File
	var skips []*SkipError
	var err error
	within(t, "Walk", func() {
		var l *Listing
		if l, err = Walk(dir, WalkOptions{}); err == nil {
			files, skips = l.Files, l.Skipped
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, s := range skips {
		reasons[s.Path] = s.Reason
	}
	if !strings.Contains(reasons["pipe.md"], "not a regular file (a named pipe)") {
		t.Errorf("pipe.md: skip reason %q, want it to say it is a named pipe", reasons["pipe.md"])
	}
	listed := map[string]File{}
	for _, f := range files {
		listed[f.Path] = f
	}
	if _, ok := listed["swapped.md"]; !ok {
		t.Fatalf("walk listed %+v", files)
	}
	// After the walk, a listed file is swapped for a pipe: it is refused on
	// the opened descriptor. side.md's sidecar is a pipe all along.
	os.Remove(filepath.Join(dir, "swapped.md"))
	if err := syscall.Mkfifo(filepath.Join(dir, "swapped.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"swapped.md", "side.md"} {
		var errs [3]error
		within(t, "reading "+name, func() {
			_, _, _, errs[0] = ReadFile(listed[name], Options{})
			_, errs[1] = Load(dir, name, Options{})
			_, _, errs[2] = LoadPrefix(dir, name, 1000)
		})
		for i, err := range errs {
			if !IsSkip(err) || !strings.Contains(err.Error(), "not a regular file (a named pipe)") {
				t.Errorf("%s, read %d: %v; want a skip saying it is a named pipe", name, i, err)
			}
		}
	}
}

// TestDeviceIsNotRead requires a character device to be refused, not read
// until memory runs out (/dev/zero never ends).
func TestDeviceIsNotRead(t *testing.T) {
	var err error
	within(t, "readRegular /dev/zero", func() { _, _, err = readRegular("/dev/zero", 1<<20, true) })
	if err == nil || !strings.Contains(err.Error(), "character device") {
		t.Errorf("readRegular(/dev/zero) = %v, want a refusal naming a character device", err)
	}
}

// TestReadLimit requires a file to be read no further than the limit:
// refused whole when it must be whole, cut (at a character) otherwise.
func TestReadLimit(t *testing.T) {
	dir := t.TempDir()
	// 'é' is two bytes; 1001 of them cut at 1001 bytes splits one.
	os.WriteFile(filepath.Join(dir, "long.md"), []byte(strings.Repeat("é", 1001)), 0o644)
	_, err := Load(dir, "long.md", Options{MaxFileBytes: 1001})
	if !IsSkip(err) || !strings.Contains(err.Error(), "too large: 2002 bytes, the limit is 1001") {
		t.Errorf("Load over the limit: %v", err)
	}
	doc, truncated, err := LoadPrefix(dir, "long.md", 1001)
	if err != nil || !truncated || doc.Text != strings.Repeat("é", 500) || doc.Size != 2002 {
		t.Fatalf("LoadPrefix = %d bytes of text, truncated %v, size %v, %v; want 500 'é', truncated, size 2002", len(doc.Text), truncated, doc.Size, err)
	}
	doc, truncated, err = LoadPrefix(dir, "long.md", 4000)
	if err != nil || truncated || len(doc.Text) != 2002 {
		t.Fatalf("LoadPrefix under the limit: %d bytes, truncated %v, %v", len(doc.Text), truncated, err)
	}
}
