//go:build !conformance

package main

import (
	"strings"
	"testing"
)

// TestShippedBinaryHasNoTestingFlags: the conformance suite's fixtures are
// only in a binary built with -tags conformance; the default build neither
// lists nor accepts their flag.
func TestShippedBinaryHasNoTestingFlags(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help: exit %d\n%s%s", code, out, errOut)
	}
	for _, unwanted := range []string{"conformance", "CONFORMANCE_FIXTURES", "TESTING"} {
		if strings.Contains(out+errOut, unwanted) {
			t.Errorf("serve --help mentions %q:\n%s%s", unwanted, out, errOut)
		}
	}
	code, _, errOut = runCLI(t, nil, "serve", "--conformance-fixtures")
	if code != 2 || !strings.Contains(errOut, "conformance-fixtures") {
		t.Errorf("serve --conformance-fixtures: exit %d, want 2 (unknown flag)\n%s", code, errOut)
	}
}
