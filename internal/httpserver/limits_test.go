package httpserver

import (
	"testing"
	"time"
)

func TestClientLimiter(t *testing.T) {
	l := newClientLimiter(2, 2) // 2/s, burst 2
	now := time.Unix(1_000_000, 0)
	for i := range 2 {
		if ok, _ := l.allow("a", now, 1); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	ok, wait := l.allow("a", now, 1)
	if ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("third request: ok=%v wait=%v, want refused with a wait of at most 500ms", ok, wait)
	}
	if ok, _ := l.allow("b", now, 1); !ok {
		t.Errorf("another client shares the bucket")
	}
	if ok, _ := l.allow("a", now.Add(wait), 1); !ok {
		t.Errorf("refused after waiting what was asked")
	}
	// A refused request costs nothing: after the wait exactly one token.
	if ok, _ := l.allow("a", now.Add(wait), 1); ok {
		t.Errorf("two requests allowed after one token's wait")
	}
	// Idle buckets are dropped on the next sweep.
	if n := l.size(); n != 2 {
		t.Fatalf("%d buckets, want 2", n)
	}
	l.allow("c", now.Add(2*time.Minute), 1)
	if n := l.size(); n != 1 {
		t.Errorf("%d buckets after the idle ones expired, want 1", n)
	}
}

// size returns the number of buckets held.
func (c *clientLimiter) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.buckets)
}
