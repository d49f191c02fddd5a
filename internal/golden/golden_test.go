package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that keeps whether the check failed.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.golden")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		got        string
		wantFailed bool
	}{{"same\n", false}, {"other\n", true}} {
		r := &recorder{TB: t}
		Check(r, path, []byte(tc.got))
		if r.failed != tc.wantFailed {
			t.Errorf("Check(%q): failed=%v, want %v", tc.got, r.failed, tc.wantFailed)
		}
	}
	*Update = true
	defer func() { *Update = false }()
	Check(t, path, []byte("rewritten\n"))
	if b, _ := os.ReadFile(path); string(b) != "rewritten\n" {
		t.Errorf("with -update the file holds %q", b)
	}
}
