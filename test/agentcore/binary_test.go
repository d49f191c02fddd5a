package agentcore_test

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
	"github.com/knowledge-mcp/knowledge-mcp/test/agentcore"
)

// runtimeEnv is the Runtime's environment on a loopback port of this
// machine (PORT=0: other tests share it). A connection to 127.0.0.1 is a
// loopback connection, as the platform's health check is.
func runtimeEnv(extra ...string) []string {
	env := append([]string{}, agentcore.Env...)
	env = append(env, "HOST=127.0.0.1", "PORT=0")
	return append(env, extra...)
}

// The binary honours the Runtime's contract with nothing but environment
// values.
func TestRuntimeContractBinary(t *testing.T) {
	srv := testbin.Start(t, runtimeEnv())
	restart := func(t *testing.T) agentcore.Platform {
		srv.Signal(syscall.SIGTERM)
		if code := srv.Wait(30 * time.Second); code != 0 {
			t.Fatalf("exit code %d after SIGTERM, want 0:\n%s", code, srv.Stderr())
		}
		srv = testbin.Start(t, runtimeEnv())
		return agentcore.Platform{Base: srv.URL}
	}
	agentcore.Check(t, agentcore.Platform{Base: srv.URL}, restart)
}

// Without ALLOWED_HOSTS the server's DNS-rebinding guard refuses the
// platform's health check (loopback connection, public Host): the setting
// is what makes the probe pass, and the harness can tell.
func TestHealthProbeNeedsAllowedHosts(t *testing.T) {
	var env []string
	for _, e := range runtimeEnv() {
		if !strings.HasPrefix(e, "ALLOWED_HOSTS=") {
			env = append(env, e)
		}
	}
	srv := testbin.Start(t, env)
	r := agentcore.Platform{Base: srv.URL}.HealthProbe(t)
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "ALLOWED_HOSTS") {
		t.Fatalf("health probe without ALLOWED_HOSTS: HTTP %d, want 403 naming ALLOWED_HOSTS:\n%s", r.Status, r.Body)
	}
}
