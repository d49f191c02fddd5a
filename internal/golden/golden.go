// Package golden compares what a test produced with a file it keeps under
// testdata/, and rewrites the file when the test runs with -update: one
// flag and one comparison for every package with golden files.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// Update is the -update flag of every test binary that imports golden:
// golden files and generated documentation are rewritten instead of
// compared.
var Update = flag.Bool("update", false, "rewrite golden files and generated documentation instead of comparing them")

// Check compares got with the file at path, or writes got there with
// -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; if on purpose, rerun with go test -update\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
