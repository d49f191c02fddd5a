//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// resultDir matches a scenario's result folder, server-SCENARIO-TIMESTAMP.
var resultDir = regexp.MustCompile(`^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$`)

// testConformance runs the official MCP conformance suite's server
// scenarios (all of them, pending ones included) through nginx against the
// replicas that serve the test fixtures. The suite itself compares the run
// with conformance-baseline.yml: it exits non-zero on a failure not listed
// there and on a listed failure that now passes.
func (c *chain) testConformance(t *testing.T) {
	t.Run("ThroughNginx", func(t *testing.T) {
		runConformance(t, "conformance", c.nodeEnv, "--url", c.proxy.conformanceEndpoint(), "--suite", "all",
			"--expected-failures", filepath.Join(e2eDir, "conformance-baseline.yml"))
	})
	// dns-rebinding-protection sends Host: evil.example.com, which fails TLS
	// name checks at the proxy; it needs a plain localhost URL, so it runs
	// against a replica of its own (no origin-verify: no proxy in front).
	t.Run("DNSRebindingDirect", func(t *testing.T) {
		r := startFixturesReplica(t, "conformance-direct", freePort(t))
		runConformance(t, "conformance-direct", nil, "--url", fmt.Sprintf("http://localhost:%d/mcp", r.port),
			"--scenario", "dns-rebinding-protection")
	})
}

// runConformance runs `conformance server` with args, keeps its log and
// results under artifacts/NAME, and fails on a non-zero exit.
func runConformance(t *testing.T, name string, env []string, args ...string) {
	t.Helper()
	out := filepath.Join(artifacts, name)
	_ = os.RemoveAll(out)
	res := runNode(t, 5*time.Minute, env, npmBin(t, "conformance"), append(append([]string{"server"}, args...), "-o", out)...)
	_ = os.WriteFile(filepath.Join(artifacts, name+".log"), append(res.stdout, res.stderr...), 0o644)

	passed, failed := scenarioResults(t, out)
	sort.Strings(passed)
	sort.Strings(failed)
	t.Logf("conformance 0.1.16 (%s) in %s: %d scenarios pass, %d fail (failing: %s)\npassing: %s",
		name, res.elapsed.Round(time.Millisecond), len(passed), len(failed), strings.Join(failed, ", "), strings.Join(passed, ", "))
	if len(passed)+len(failed) == 0 {
		t.Fatalf("conformance suite printed no scenario summary (exit %d):\n%s\n%s", res.exitCode, tail(res.stdout), tail(res.stderr))
	}
	if res.exitCode != 0 {
		t.Fatalf("conformance suite: exit %d, a regression from conformance-baseline.yml (or a stale entry there); see artifacts/%s.log\n%s",
			res.exitCode, name, tail(res.stdout))
	}
}

// scenarioResults reads each scenario's checks.json under dir: a scenario
// fails when any of its checks has status FAILURE.
func scenarioResults(t *testing.T, dir string) (passed, failed []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("conformance results: %v", err)
	}
	for _, e := range entries {
		m := resultDir.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name(), "checks.json"))
		if err != nil {
			t.Fatalf("conformance results: %v", err)
		}
		var checks []struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(data, &checks); err != nil {
			t.Fatalf("conformance results %s: %v", e.Name(), err)
		}
		ok := true
		for _, c := range checks {
			if c.Status == "FAILURE" {
				ok = false
			}
		}
		if ok {
			passed = append(passed, m[1])
		} else {
			failed = append(failed, m[1])
		}
	}
	return passed, failed
}
