package config

import "fmt"

// Runtime configures the Go runtime of a serving process.
type Runtime struct {
	// GCHeapFloor is the smallest heap goal, in bytes, the garbage collector
	// is tuned to (package gctune); 0 leaves GOGC alone.
	GCHeapFloor int64
}

// DefaultGCHeapFloor is the default GC_HEAP_FLOOR: 16 MiB.
const DefaultGCHeapFloor = 16 << 20

// AddFlags registers the runtime settings.
func (c *Runtime) AddFlags(f *FlagSet) {
	f.Int64(&c.GCHeapFloor, "gc-heap-floor", "GC_HEAP_FLOOR", DefaultGCHeapFloor,
		"smallest heap (bytes) the garbage collector waits for before collecting; a small heap then collects tens, not hundreds, of times a second under load. 0 turns it off; ignored when GOGC is set")
}

// Validate checks the settings.
func (c *Runtime) Validate() error {
	if c.GCHeapFloor < 0 {
		return fmt.Errorf("gc-heap-floor (GC_HEAP_FLOOR): %d must be 0 (off) or a number of bytes", c.GCHeapFloor)
	}
	return nil
}
