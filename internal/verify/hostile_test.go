package verify

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestEndlessBodyIsCapped requires the doctor to stop reading a response
// body at its cap: against an endpoint streaming an endless JSON body it
// read on until it reached 6 GB of memory. The server here stops at 1 GiB
// per response; the doctor must take far less than that in all.
func TestEndlessBodyIsCapped(t *testing.T) {
	var sent atomic.Int64
	chunk := []byte(`{"jsonrpc":"2.0","id":1,"result":{"x":"` + strings.Repeat("a", 64<<10))
	endless := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "no", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for n := 0; n < 1<<30; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			sent.Add(int64(len(chunk)))
		}
	})
	srv := start(t, endless, false)
	opts := optionsFor(srv)
	opts.Timeout = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := Run(ctx, opts)
	if ctx.Err() != nil {
		t.Fatal("the run did not end")
	}
	if !r.Failed() {
		t.Error("the run passed against an endless body")
	}
	// Each response is read to at most maxSessionBody (plus what the
	// connection buffers); a handful of requests reach the body.
	const bound = 320 << 20 // 20 × maxSessionBody
	if got := sent.Load(); got > bound {
		t.Errorf("the doctor read %d MiB in all; want under %d MiB", got>>20, bound>>20)
	}
	t.Logf("%d MiB sent in all", sent.Load()>>20)
}
