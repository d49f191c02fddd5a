package buildinfo

import (
	"runtime"
	"testing"
)

func TestStampedValuesWin(t *testing.T) {
	oldV, oldC := Version, Commit
	t.Cleanup(func() { Version, Commit = oldV, oldC })
	Version, Commit = "v1.2.3", "abc123"
	if got := Get(); got.Version != "v1.2.3" || got.Commit != "abc123" || got.GoVersion != runtime.Version() {
		t.Errorf("Get() = %+v", got)
	}
	Version, Commit = "", ""
	if got := Get(); got.Version == "" || got.Commit == "" {
		t.Errorf("unstamped Get() has empty fields: %+v", got)
	}
}
