package container

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/test/agentcore"
)

// runtimeContract runs the AgentCore Runtime contract against the image
// TestImage built (a second build would double the test's time): started with the Runtime's environment (deploy/stack's
// RuntimeEnvironment), it answers the platform's loopback health check and
// its sessions, and survives a SIGTERM between sessions. The container
// shares the host's network (see TestImage), so the port is a free one
// rather than 8000; HOST=0.0.0.0 and everything else are the Runtime's.
// The linux/arm64 image the Runtime runs is cross-built and checked by
// TestImage.
func runtimeContract(ctx context.Context, t *testing.T, e *engine) {
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	name := fmt.Sprintf("kmcp-runtime-%d", port)
	args := []string{"run", "-d", "--name", name, "--network", "host"}
	for _, kv := range agentcore.Env {
		if !strings.HasPrefix(kv, "PORT=") {
			args = append(args, "-e", kv)
		}
	}
	args = append(args, "-e", "PORT="+strconv.Itoa(port), imageName)
	run := func(t *testing.T, args ...string) string {
		// e.mustRun would fail the parent test from this subtest.
		t.Helper()
		out, err := e.run(ctx, "podman", args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	run(t, args...)
	t.Cleanup(func() { _, _ = e.run(context.Background(), "podman", "rm", "-f", "-t", "0", name) })
	waitHealthy(ctx, t, e, name, base)

	restart := func(t *testing.T) agentcore.Platform {
		// The platform stops an idle microVM with SIGTERM; the server
		// must drain and exit 0 (podman stop sends SIGTERM first).
		run(t, "stop", "-t", "30", name)
		if code := strings.TrimSpace(run(t, "inspect", "--format", "{{.State.ExitCode}}", name)); code != "0" {
			logs, _ := e.run(ctx, "podman", "logs", name)
			t.Fatalf("exit code %s after SIGTERM, want 0\n%s", code, logs)
		}
		run(t, "start", name)
		waitHealthy(ctx, t, e, name, base)
		return agentcore.Platform{Base: base}
	}
	agentcore.Check(t, agentcore.Platform{Base: base}, restart)
}
