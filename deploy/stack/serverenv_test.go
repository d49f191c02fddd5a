package stack_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
)

var (
	serverHelpOnce sync.Once
	serverHelp     map[string]bool
	serverHelpErr  error
)

// serverEnvNames returns the environment variables that knowledge-mcp serve
// reads, as its --help lists them: the real binary of the repository.
func serverEnvNames(t *testing.T) map[string]bool {
	t.Helper()
	serverHelpOnce.Do(func() {
		bin := filepath.Join(t.TempDir(), "knowledge-mcp")
		build := exec.Command("go", "build", "-o", bin, "./cmd/knowledge-mcp")
		build.Dir = repoRoot()
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			serverHelpErr = err
			t.Logf("%s", out)
			return
		}
		out, err := exec.Command(bin, "serve", "--help").Output()
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
