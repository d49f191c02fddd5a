//go:build e2e

package e2e

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// Load shape of the fault rounds: a bounded stream (both in time and in
// count) of tool calls through nginx.
const (
	loadWorkers      = 4
	loadMaxPerWorker = 2000
	loadDuration     = 3 * time.Second
	loadFaultAt      = 1 * time.Second
)

// testFaults drains one replica (SIGTERM) and then kills it (SIGKILL) while
// a client sends a stream of searches through nginx, restarting it after
// each round and showing that it serves again.
func (c *chain) testFaults(t *testing.T) {
	tool, args := "search_knowledge_base", map[string]any{"query": c.searchQuery, "max_results": 3}
	if !c.hasKB {
		if !allowMissing(featureKB) {
			t.Fatalf("search_knowledge_base is not in this binary (feature %q); the load is a stream of searches", featureKB)
		}
		t.Logf("E2E_ALLOW_MISSING=%s: NO SEARCH TOOL, the load calls simpleadd instead", featureKB)
		tool, args = "simpleadd", map[string]any{"a": 1, "b": 2}
	}
	// Both replicas must be in rotation: nginx may hold one out for
	// fail_timeout after an earlier failure.
	c.waitServes(t, c.a)
	c.waitServes(t, c.b)

	t.Run("SIGTERM", func(t *testing.T) {
		a0, b0 := c.spread()
		res := runLoad(c.client, c.proxy.endpoint(), tool, args, loadWorkers, loadMaxPerWorker, loadDuration, loadFaultAt,
			func() { c.a.signal(syscall.SIGTERM) })
		code, err := c.a.wait(15 * time.Second)
		a1, b1 := c.spread()
		t.Logf("SIGTERM round: %d calls succeeded, %d failed; replica a served %d before it drained, replica b %d",
			res.ok, res.failed, a1-a0, b1-b0)
		if err != nil || code != 0 {
			t.Errorf("replica a after SIGTERM: exit %d, %v; want a clean drain and exit 0", code, err)
		}
		if !c.a.hasLog("drained", 1) {
			t.Errorf("replica a did not log a completed drain:\n%s", c.a.logText())
		}
		if res.failed != 0 {
			t.Errorf("graceful drain: %d of %d calls failed, want 0: %v", res.failed, res.ok+res.failed, res.failures)
		}
		if a1-a0 == 0 || b1-b0 == 0 || res.ok == 0 {
			t.Errorf("load did not reach both replicas (a %d, b %d, ok %d)", a1-a0, b1-b0, res.ok)
		}
		c.a.restart()
		c.waitServes(t, c.a)
	})

	t.Run("SIGKILL", func(t *testing.T) {
		var bAtKill int
		a0, b0 := c.spread()
		res := runLoad(c.client, c.proxy.endpoint(), tool, args, loadWorkers, loadMaxPerWorker, loadDuration, loadFaultAt,
			func() {
				c.a.signal(syscall.SIGKILL)
				bAtKill = len(c.b.requests())
			})
		code, err := c.a.wait(10 * time.Second)
		a1, b1 := c.spread()
		t.Logf("SIGKILL round: %d calls succeeded, %d failed (%v); replica a served %d before the kill, replica b %d, %d of them after it",
			res.ok, res.failed, res.failures, a1-a0, b1-b0, b1-bAtKill)
		if err != nil || code != -1 {
			t.Errorf("replica a after SIGKILL: exit %d, %v; want killed by the signal", code, err)
		}
		// Only calls in flight on replica a at the kill may fail: nginx
		// retries a call it could not send, but never a POST it sent.
		if res.failed > loadWorkers {
			t.Errorf("%d calls failed, more than the %d that can be in flight at the kill: %v", res.failed, loadWorkers, res.failures)
		}
		if res.ok == 0 || b1-bAtKill == 0 {
			t.Errorf("after the kill, replica b must carry the load: %d calls succeeded, b served %d after the kill", res.ok, b1-bAtKill)
		}

		c.a.restart()
		c.waitServes(t, c.a)
		t.Logf("replica a restarted on :%d and serves again", c.a.port)
	})
}

// waitServes sends calls through nginx until r logs one (nginx puts a
// replica back into rotation after fail_timeout), within a bound.
func (c *chain) waitServes(t *testing.T, r *replica) {
	t.Helper()
	before := len(r.requests())
	deadline := time.Now().Add(15 * time.Second)
	for len(r.requests()) == before {
		if time.Now().After(deadline) {
			t.Fatalf("replica %s got no request through nginx within 15s", r.name)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := callTool(ctx, c.client, c.proxy.endpoint(), "simpleadd", map[string]any{"a": 1, "b": 2})
		cancel()
		if err != nil {
			t.Fatalf("simpleadd through nginx while waiting for %s: %v", r.name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
