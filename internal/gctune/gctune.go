// Package gctune keeps the Go garbage collector from running hundreds of
// times a second when the live heap is small.
//
// The collector's heap goal is the live heap times (1 + GOGC/100), but never
// less than 4 MB. A server whose live heap is 2 MB and which allocates 20 KB
// per request therefore collects every 200 requests: at 10k requests a second
// that is about 60 cycles a second, and the collector is running most of the
// time (write barriers on, mark assists, stack scans). Raising GOGC for the
// whole process would fix that and hurt servers with large heaps (a local
// index of 100k chunks holds about 60 MB live).
//
// KeepHeapGoalAbove sets GOGC after every collection so that the next heap
// goal is at least a floor: a small heap collects at the floor, a heap whose
// default goal is above the floor collects with the runtime's default GOGC
// of 100. This is
// the "GC tuner" used by large Go services (for example bytedance/gopkg's
// gctuner), reduced to the one rule needed here.
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// DefaultPercent is the runtime's default GOGC, used once the live heap is
// large enough that the floor no longer matters.
const DefaultPercent = 100

// runtimeHeapMinimum is the runtime's smallest heap goal at GOGC=100. The
// runtime scales it with GOGC (4 MB × GOGC/100), which bounds the GOGC that
// a floor may ask for.
const runtimeHeapMinimum = 4 << 20

// Percent returns the GOGC that makes the heap goal about floor bytes, and
// never less than DefaultPercent. The runtime's goal is the larger of
// live + (live + stacks + globals) × GOGC/100 (live is the live heap, roots
// the scannable stacks and globals) and 4 MB × GOGC/100, so GOGC is at most
// floor / 4 MB × 100: a nearly empty heap then collects at the floor, not
// at a multiple of it.
func Percent(live, roots, floor uint64) int {
	base := max(live+roots, 1)
	if live+base >= floor { // the default's goal already reaches the floor
		return DefaultPercent
	}
	p := (floor-live)*100/base + 1
	p = min(p, floor*100/runtimeHeapMinimum)
	return max(int(p), DefaultPercent)
}

// Tuner adjusts GOGC after every collection. Stop it to restore the
// setting it found.
type Tuner struct {
	floor    uint64
	previous int

	mu      sync.Mutex
	stopped bool
	percent int
	sample  []metrics.Sample
}

// sentinel is garbage made on purpose: its cleanup runs after the
// collection that finds it unreachable, which is how the tuner learns that
// a cycle ended.
type sentinel struct{ _ *byte }

// KeepHeapGoalAbove starts a Tuner that keeps the heap goal at or above
// floor bytes. It sets GOGC at once, from the heap in use now, and again
// after every collection from the live heap that collection measured.
func KeepHeapGoalAbove(floor uint64) *Tuner {
	t := &Tuner{
		floor: floor,
		sample: []metrics.Sample{
			{Name: "/gc/heap/live:bytes"},
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/gc/scan/stack:bytes"},
			{Name: "/gc/scan/globals:bytes"},
		},
	}
	t.mu.Lock()
	t.previous = debug.SetGCPercent(DefaultPercent)
	t.percent = DefaultPercent
	t.adjustLocked()
	t.mu.Unlock()
	t.arm()
	return t
}

// arm registers a cleanup on fresh garbage, to run after the next cycle.
func (t *Tuner) arm() {
	runtime.AddCleanup(new(sentinel), func(t *Tuner) { t.afterGC() }, t)
}

func (t *Tuner) afterGC() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.adjustLocked()
	t.arm()
}

// adjustLocked sets GOGC from the last measured live heap (before the first
// collection: from the heap objects in use, an overestimate of the live heap).
// It changes the setting only when it moved by more than a tenth, since
// every change recomputes the pacer.
func (t *Tuner) adjustLocked() {
	metrics.Read(t.sample)
	live := t.sample[0].Value.Uint64()
	if live == 0 {
		live = t.sample[1].Value.Uint64()
	}
	p := Percent(live, t.sample[2].Value.Uint64()+t.sample[3].Value.Uint64(), t.floor)
	if diff := p - t.percent; diff*10 > t.percent || -diff*10 > t.percent {
		debug.SetGCPercent(p)
		t.percent = p
	}
}

// Percent returns the GOGC the tuner set last.
func (t *Tuner) Percent() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.percent
}

// Stop stops adjusting and restores the GOGC found at start.
func (t *Tuner) Stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.stopped = true
	debug.SetGCPercent(t.previous)
}
