package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name               string
		live, roots, floor uint64
		want               int
	}{
		{"tiny heap: the runtime's minimum scales to the floor", 1, 0, 16 * mib, 400},
		{"nothing known counts as one byte", 0, 0, 16 * mib, 400},
		{"2 MiB live, 8 MiB floor", 2 * mib, 0, 8 * mib, 200},
		{"1 MiB live, 1 MiB roots, 12 MiB floor", 1 * mib, 1 * mib, 12 * mib, 300},
		{"2 MiB live, 1 MiB roots, 16 MiB floor: capped", 2 * mib, 1 * mib, 16 * mib, 400},
		{"4 MiB live, 2 MiB roots, 24 MiB floor", 4 * mib, 2 * mib, 24 * mib, 334},
		{"4 MiB live, 16 MiB floor", 4 * mib, 0, 16 * mib, 301},
		{"floor below the runtime's minimum", 1 * mib, 0, 2 * mib, DefaultPercent},
		{"just under half the floor", 8*mib - 1, 0, 16 * mib, DefaultPercent + 1},
		{"half the floor: default", 8 * mib, 0, 16 * mib, DefaultPercent},
		{"roots make the default enough", 6 * mib, 4 * mib, 16 * mib, DefaultPercent},
		{"large heap: default", 60 * mib, 0, 8 * mib, DefaultPercent},
		{"floor 0: default", 2 * mib, 0, 0, DefaultPercent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Percent(tt.live, tt.roots, tt.floor)
			if got != tt.want {
				t.Fatalf("Percent(%d, %d, %d) = %d, want %d", tt.live, tt.roots, tt.floor, got, tt.want)
			}
			base := max(tt.live+tt.roots, 1)
			goal := max(tt.live+base*uint64(got)/100, 4*mib*uint64(got)/100)
			if goal < tt.floor && tt.floor > 4*mib {
				t.Errorf("goal %d below floor %d", goal, tt.floor)
			}
			if got > DefaultPercent && goal > tt.floor+tt.floor/50 {
				t.Errorf("goal %d overshoots floor %d", goal, tt.floor)
			}
		})
	}
}

var sink []byte

// churn allocates total bytes of short-lived garbage and returns how many
// collections ran meanwhile.
func churn(total int) uint32 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range total / 8192 {
		sink = make([]byte, 8192)
	}
	runtime.ReadMemStats(&after)
	return after.NumGC - before.NumGC
}

func TestKeepHeapGoalAboveCollectsLessOften(t *testing.T) {
	const churnBytes = 256 << 20
	runtime.GC()
	untuned := churn(churnBytes)

	previous := debug.SetGCPercent(77)
	defer debug.SetGCPercent(previous)
	// A collection with nothing allocating beside it, so that the live heap
	// the tuner starts from is not inflated by objects allocated during a
	// mark phase that a busy machine made long.
	runtime.GC()
	tuner := KeepHeapGoalAbove(64 << 20)
	if p := tuner.Percent(); p <= DefaultPercent {
		t.Fatalf("GOGC %d after start with a small heap; want above %d", p, DefaultPercent)
	}
	runtime.GC()
	tuned := churn(churnBytes)
	// After many cycles the tuner must still be running (it re-arms after every one).
	runtime.GC()
	runtime.GC()
	if got := debug.SetGCPercent(tuner.Percent()); got != tuner.Percent() {
		t.Errorf("GOGC is %d, tuner says %d", got, tuner.Percent())
	}
	tuner.Stop()
	if got := debug.SetGCPercent(previous); got != 77 {
		t.Errorf("after Stop GOGC = %d, want the 77 found at start", got)
	}
	t.Logf("collections while allocating %d MiB: %d at GOGC=100, %d with a 64 MiB floor", churnBytes>>20, untuned, tuned)
	if untuned < 20 {
		t.Fatalf("only %d collections at GOGC=100 for %d MiB of garbage; the test cannot compare", untuned, churnBytes>>20)
	}
	// 256 MiB of garbage at a 64 MiB goal: about 4 collections, not 1 (a goal far above the floor).
	if tuned*4 > untuned || tuned < 2 {
		t.Errorf("%d collections with a 64 MiB floor vs %d without: want 2 to a quarter of it", tuned, untuned)
	}
}

func TestStopIsIdempotent(t *testing.T) {
	previous := debug.SetGCPercent(100)
	defer debug.SetGCPercent(previous)
	tuner := KeepHeapGoalAbove(1 << 30)
	tuner.Stop()
	tuner.Stop()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC = %d after two Stops, want 100", got)
	}
}
