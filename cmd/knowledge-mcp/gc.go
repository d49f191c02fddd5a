package main

import (
	"log/slog"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/gctune"
)

// tuneGC starts the garbage-collector tuner of a serving process unless the
// operator set GOGC (which then wins) or turned the floor off, and returns
// the function that stops it.
func tuneGC(env *environment, cfg *config.Runtime, logger *slog.Logger) (stop func()) {
	if gogc := env.getenv("GOGC"); gogc != "" || cfg.GCHeapFloor == 0 {
		logger.Debug("GC tuner off", "GOGC", gogc, "gc_heap_floor", cfg.GCHeapFloor)
		return func() {}
	}
	t := gctune.KeepHeapGoalAbove(uint64(cfg.GCHeapFloor))
	logger.Debug("GC tuner on", "gc_heap_floor", cfg.GCHeapFloor, "gogc", t.Percent())
	return t.Stop
}
