// Package scripts holds the shell scripts that set up and run the test
// suite; its Go tests check what those scripts print.
package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// runSteps sources lib/steps.sh in bash, runs script after it and returns
// what the terminal would show.
func runSteps(t *testing.T, logdir, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", "set -uo pipefail; logdir="+strconv.Quote(logdir)+"; source lib/steps.sh; "+script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return string(out)
}

func TestStepRunnerOutput(t *testing.T) {
	logdir := t.TempDir()
	baseline := filepath.Join(t.TempDir(), "baseline.yml")
	os.WriteFile(baseline, []byte("# header\nserver:\n  - one   # why\n  - two\n\n  # more\n  - three\n"), 0o644)
	out := runSteps(t, logdir, `
run_quiet "setup" bash -c 'echo "npm warn deprecated x"; printf "added 312 packages\n"; echo "go: downloading example.com/m v1.0.0"'
run_check "passing check" true
run_check "failing check" bash -c 'echo "the reason it failed"; exit 1'
print_summary `+strconv.Quote(baseline))

	for _, hidden := range []string{"npm warn", "added 312 packages", "go: downloading"} {
		if strings.Contains(out, hidden) {
			t.Errorf("package-manager output %q reached the terminal:\n%s", hidden, out)
		}
	}
	setupLog, err := os.ReadFile(filepath.Join(logdir, "setup.log"))
	if err != nil || !strings.Contains(string(setupLog), "added 312 packages") {
		t.Errorf("setup log lacks the package manager's output: %q, %v", setupLog, err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^-- setup: ok in \d+s \(log: ` + regexp.QuoteMeta(logdir) + `/setup\.log\)$`),
		regexp.MustCompile(`(?m)^-- passing check: ok in \d+s `),
		regexp.MustCompile(`(?m)^the reason it failed$`),
		regexp.MustCompile(`(?m)^-- failing check: FAILED in \d+s \(log: ` + regexp.QuoteMeta(logdir) + `/failing_check\.log\)$`),
		regexp.MustCompile(`(?m)^failed: failing check$`),
		regexp.MustCompile(`(?m)^logs of every step: ` + regexp.QuoteMeta(logdir) + `$`),
		regexp.MustCompile(`(?m)^expected failures: 3 conformance checks \(` + regexp.QuoteMeta(baseline) + ` say why\)\ntests: 1 passed, 1 failed\n?$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// Each conformance baseline's header states how many checks it lists; it
// must agree with the list (the count test.sh prints comes from the lists).
func TestConformanceBaselineHeaderMatchesItsEntries(t *testing.T) {
	for _, file := range []string{"../test/e2e/conformance-2026-07-28.yml", "../test/e2e/conformance-2025-11-25.yml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		entries := regexp.MustCompile(`(?m)^\s+- [A-Za-z0-9_-]+`).FindAllString(string(data), -1)
		m := regexp.MustCompile(`Expected failures: (\d+) checks`).FindStringSubmatch(string(data))
		if m == nil {
			t.Fatalf(`%s: the header has no "Expected failures: N checks"`, file)
		}
		if n, _ := strconv.Atoi(m[1]); n != len(entries) {
			t.Errorf("%s: the header says %d checks; the file lists %d", file, n, len(entries))
		}
		out := runSteps(t, t.TempDir(), `expected_failures `+file)
		if strings.TrimSpace(out) != strconv.Itoa(len(entries)) {
			t.Errorf("%s: expected_failures counts %q, want %d", file, out, len(entries))
		}
	}
}
