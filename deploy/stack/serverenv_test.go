package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var (
	serverBinOnce  sync.Once
	serverBin      string
	serverBinErr   error
	serverHelpOnce sync.Once
	serverHelp     map[string]bool
	serverHelpErr  error
)

// serverBinary builds the repository's knowledge-mcp binary once.
func serverBinary(t *testing.T) string {
	t.Helper()
	serverBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "knowledge-mcp-deploy-test-")
		if err != nil {
			serverBinErr = err
			return
		}
		serverBin = filepath.Join(dir, "knowledge-mcp")
		build := exec.Command("go", "build", "-o", serverBin, "./cmd/knowledge-mcp")
		build.Dir = repoRoot()
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			serverBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if serverBinErr != nil {
		t.Fatal(serverBinErr)
	}
	return serverBin
}

// serverEnvNames returns the environment variables that knowledge-mcp serve
// reads, as its --help lists them: the real binary of the repository.
func serverEnvNames(t *testing.T) map[string]bool {
	t.Helper()
	serverHelpOnce.Do(func() {
		out, err := exec.Command(serverBinary(t), "serve", "--help").Output()
		if err != nil {
			serverHelpErr = err
			return
		}
		serverHelp = map[string]bool{}
		for _, m := range regexp.MustCompile(`(?m)^\s+--\S+(?: \S+)?\s+([A-Z][A-Z0-9_]+)\s`).FindAllStringSubmatch(string(out), -1) {
			serverHelp[m[1]] = true
		}
	})
	if serverHelpErr != nil {
		t.Fatalf("knowledge-mcp serve --help: %v", serverHelpErr)
	}
	if len(serverHelp) < 20 {
		t.Fatalf("read only %d environment names from serve --help", len(serverHelp))
	}
	return serverHelp
}

// Every variable the task definition sets must be one the server reads
// (or one the AWS SDK reads): a misspelt name is a setting silently lost.
func TestContainerEnvironmentIsReadByTheServer(t *testing.T) {
	known := serverEnvNames(t)
	readByAWSSDK := map[string]bool{"AWS_REGION": true}
	for _, ps := range allSets {
		t.Run(ps.name, func(t *testing.T) {
			s := synth(t, ps)
			names := map[string]bool{}
			for name := range s.env(t) {
				names[name] = true
			}
			for name := range s.secrets(t) {
				names[name] = true
			}
			for name := range names {
				if !known[name] && !readByAWSSDK[name] {
					t.Errorf("the task sets %s, which knowledge-mcp serve does not read", name)
				}
			}
		})
	}
}

// The doctor's static check (knowledge-mcp verify --template) passes every
// template this app synthesizes: the pitfalls it looks for are not there.
func TestVerifyTemplatePasses(t *testing.T) {
	bin := serverBinary(t)
	for _, ps := range allSets {
		t.Run(ps.name, func(t *testing.T) {
			s := synth(t, ps)
			data, err := json.Marshal(s.template)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "template.json")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			checks := verifyTemplate(t, bin, file)
			if len(checks) < 8 {
				t.Fatalf("only %d checks in the report: %+v", len(checks), checks)
			}
			for _, c := range checks {
				if strings.EqualFold(c.Status, "fail") {
					t.Errorf("check %s failed: %s", c.ID, c.Summary)
				}
				if !strings.EqualFold(c.Status, "pass") {
					t.Logf("check %s: %s: %s", c.ID, c.Status, c.Summary)
				}
			}
		})
	}
}

// templateCheck is one check of a `verify --template --json` report.
type templateCheck struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Summary string `json:"summary"`
}

// verifyTemplate runs knowledge-mcp verify --template on file and returns
// its checks, failing the test when the doctor fails or prints no report.
func verifyTemplate(t *testing.T, bin, file string) []templateCheck {
	t.Helper()
	out, err := exec.Command(bin, "verify", "--template", file, "--json").CombinedOutput()
	if err != nil {
		t.Fatalf("verify --template failed (%v):\n%s", err, out)
	}
	var report struct {
		Checks []templateCheck `json:"checks"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("verify --template --json: %v\n%s", err, out)
	}
	return report.Checks
}
