package local

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// namePattern is the language ValidName accepts, as it was once checked.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// TestValidName checks the hand-written name check against the regexp it
// replaced, on a table of edge cases.
func TestValidName(t *testing.T) {
	for _, name := range []string{
		"", "a", "Z", "0", "docs", "my-docs_v1.2", ".hidden", "-x", "_x", "a.", "a b", "a/b", "a\n", "\na",
		"é", "aé", "a\x00", "a\xff", strings.Repeat("a", 64), strings.Repeat("a", 65), "a" + strings.Repeat("-", 63),
	} {
		err := ValidName(name)
		if want := namePattern.MatchString(name); (err == nil) != want {
			t.Errorf("ValidName(%q) = %v, the pattern says valid=%v", name, err, want)
		}
		if err != nil && !errors.Is(err, kb.ErrInvalidArgument) {
			t.Errorf("ValidName(%q) = %v, not an ErrInvalidArgument", name, err)
		}
	}
}

// FuzzValidName holds the hand-written check to the regexp on any input.
func FuzzValidName(f *testing.F) {
	for _, s := range []string{"docs", "-x", "a.b", strings.Repeat("b", 64), "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := ValidName(name) == nil, namePattern.MatchString(name); got != want {
			t.Fatalf("ValidName(%q) valid=%v, the pattern says %v", name, got, want)
		}
	})
}
