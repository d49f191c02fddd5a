package metrics

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Go runtime and process metrics, with the names, help texts and types
// of client_golang's Go and process collectors, so that dashboards built
// for them keep working.

// sample is one unlabelled value of a runtime or process family.
type sample struct {
	name, typ, help string
	value           float64
}

// writeRuntime writes the go_* families, sorted by name.
func writeRuntime(w *bufio.Writer) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gc := debug.GCStats{PauseQuantiles: make([]time.Duration, 5)}
	debug.ReadGCStats(&gc)
	rm := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(rm)
	threads, _ := runtime.ThreadCreateProfile(nil)

	writeHeader(w, "go_gc_duration_seconds", "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.", "summary")
	for i, q := range []string{"0", "0.25", "0.5", "0.75", "1"} {
		w.WriteString(`go_gc_duration_seconds{quantile="` + q + `"} `)
		w.WriteString(formatFloat(gc.PauseQuantiles[i].Seconds()))
		w.WriteByte('\n')
	}
	writeSample(w, "go_gc_duration_seconds", "_sum", nil, gc.PauseTotal.Seconds())
	writeSample(w, "go_gc_duration_seconds", "_count", nil, float64(gc.NumGC))
	writeSamples(w, []sample{
		{"go_gc_gogc_percent", "gauge", "Heap size target percentage configured by the user, otherwise 100. This value is set by the GOGC environment variable, and the runtime/debug.SetGCPercent function. Sourced from /gc/gogc:percent.", runtimeValue(rm[0])},
		{"go_gc_gomemlimit_bytes", "gauge", "Go runtime memory limit configured by the user, otherwise math.MaxInt64. This value is set by the GOMEMLIMIT environment variable, and the runtime/debug.SetMemoryLimit function. Sourced from /gc/gomemlimit:bytes.", runtimeValue(rm[1])},
		{"go_goroutines", "gauge", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine())},
	})
	writeHeader(w, "go_info", "Information about the Go environment.", "gauge")
	w.WriteString(`go_info{version="` + runtime.Version() + `"} 1` + "\n")
	writeSamples(w, []sample{
		{"go_memstats_alloc_bytes", "gauge", "Number of bytes allocated in heap and currently in use. Equals to /memory/classes/heap/objects:bytes.", float64(ms.Alloc)},
		{"go_memstats_alloc_bytes_total", "counter", "Total number of bytes allocated in heap until now, even if released already. Equals to /gc/heap/allocs:bytes.", float64(ms.TotalAlloc)},
		{"go_memstats_buck_hash_sys_bytes", "gauge", "Number of bytes used by the profiling bucket hash table. Equals to /memory/classes/profiling/buckets:bytes.", float64(ms.BuckHashSys)},
		{"go_memstats_frees_total", "counter", "Total number of heap objects frees. Equals to /gc/heap/frees:objects + /gc/heap/tiny/allocs:objects.", float64(ms.Frees)},
		{"go_memstats_gc_sys_bytes", "gauge", "Number of bytes used for garbage collection system metadata. Equals to /memory/classes/metadata/other:bytes.", float64(ms.GCSys)},
		{"go_memstats_heap_alloc_bytes", "gauge", "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes. Equals to /memory/classes/heap/objects:bytes.", float64(ms.HeapAlloc)},
		{"go_memstats_heap_idle_bytes", "gauge", "Number of heap bytes waiting to be used. Equals to /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", float64(ms.HeapIdle)},
		{"go_memstats_heap_inuse_bytes", "gauge", "Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes", float64(ms.HeapInuse)},
		{"go_memstats_heap_objects", "gauge", "Number of currently allocated objects. Equals to /gc/heap/objects:objects.", float64(ms.HeapObjects)},
		{"go_memstats_heap_released_bytes", "gauge", "Number of heap bytes released to OS. Equals to /memory/classes/heap/released:bytes.", float64(ms.HeapReleased)},
		{"go_memstats_heap_sys_bytes", "gauge", "Number of heap bytes obtained from system. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes + /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", float64(ms.HeapSys)},
		{"go_memstats_mallocs_total", "counter", "Total number of heap objects allocated, both live and gc-ed. Semantically a counter version for go_memstats_heap_objects gauge. Equals to /gc/heap/allocs:objects + /gc/heap/tiny/allocs:objects.", float64(ms.Mallocs)},
		{"go_memstats_mcache_inuse_bytes", "gauge", "Number of bytes in use by mcache structures. Equals to /memory/classes/metadata/mcache/inuse:bytes.", float64(ms.MCacheInuse)},
		{"go_memstats_mcache_sys_bytes", "gauge", "Number of bytes used for mcache structures obtained from system. Equals to /memory/classes/metadata/mcache/inuse:bytes + /memory/classes/metadata/mcache/free:bytes.", float64(ms.MCacheSys)},
		{"go_memstats_mspan_inuse_bytes", "gauge", "Number of bytes in use by mspan structures. Equals to /memory/classes/metadata/mspan/inuse:bytes.", float64(ms.MSpanInuse)},
		{"go_memstats_mspan_sys_bytes", "gauge", "Number of bytes used for mspan structures obtained from system. Equals to /memory/classes/metadata/mspan/inuse:bytes + /memory/classes/metadata/mspan/free:bytes.", float64(ms.MSpanSys)},
		{"go_memstats_next_gc_bytes", "gauge", "Number of heap bytes when next garbage collection will take place. Equals to /gc/heap/goal:bytes.", float64(ms.NextGC)},
		{"go_memstats_other_sys_bytes", "gauge", "Number of bytes used for other system allocations. Equals to /memory/classes/other:bytes.", float64(ms.OtherSys)},
		{"go_memstats_stack_inuse_bytes", "gauge", "Number of bytes obtained from system for stack allocator in non-CGO environments. Equals to /memory/classes/heap/stacks:bytes.", float64(ms.StackInuse)},
		{"go_memstats_stack_sys_bytes", "gauge", "Number of bytes obtained from system for stack allocator. Equals to /memory/classes/heap/stacks:bytes + /memory/classes/os-stacks:bytes.", float64(ms.StackSys)},
		{"go_memstats_sys_bytes", "gauge", "Number of bytes obtained from system. Equals to /memory/classes/total:byte.", float64(ms.Sys)},
		{"go_memstats_last_gc_time_seconds", "gauge", "Number of seconds since 1970 of last garbage collection.", float64(ms.LastGC) / 1e9},
		{"go_sched_gomaxprocs_threads", "gauge", "The current runtime.GOMAXPROCS setting, or the number of operating system threads that can execute user-level Go code simultaneously. Sourced from /sched/gomaxprocs:threads.", float64(runtime.GOMAXPROCS(0))},
		{"go_threads", "gauge", "Number of OS threads created.", float64(threads)},
	})
}

func runtimeValue(s metrics.Sample) float64 {
	switch s.Value.Kind() {
	case metrics.KindUint64:
		return float64(s.Value.Uint64())
	case metrics.KindFloat64:
		return s.Value.Float64()
	}
	return 0
}

// writeSamples writes unlabelled families sorted by name.
func writeSamples(w *bufio.Writer, samples []sample) {
	slices.SortFunc(samples, func(a, b sample) int { return strings.Compare(a.name, b.name) })
	for _, s := range samples {
		writeHeader(w, s.name, s.help, s.typ)
		writeSample(w, s.name, "", nil, s.value)
	}
}

// clockTicks is USER_HZ, the unit of /proc CPU times (100 on every
// Linux architecture Go supports).
const clockTicks = 100

// writeProcess writes the process_* families from /proc (Linux); where
// /proc cannot be read, the families it would give are left out.
func writeProcess(w *bufio.Writer) {
	var out []sample
	add := func(name, typ, help string, v float64) { out = append(out, sample{name, typ, help, v}) }
	if stat, err := os.ReadFile("/proc/self/stat"); err == nil {
		// The fields after the command name, which may hold spaces.
		if i := bytes.LastIndexByte(stat, ')'); i > 0 {
			f := strings.Fields(string(stat[i+1:]))
			// f[0] is field 3 (state): field n is f[n-3].
			if len(f) > 21 {
				utime, _ := strconv.ParseFloat(f[11], 64)
				stime, _ := strconv.ParseFloat(f[12], 64)
				start, _ := strconv.ParseFloat(f[19], 64)
				vsize, _ := strconv.ParseFloat(f[20], 64)
				rss, _ := strconv.ParseFloat(f[21], 64)
				add("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", (utime+stime)/clockTicks)
				add("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", vsize)
				add("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", rss*float64(os.Getpagesize()))
				if boot, ok := bootTime(); ok {
					add("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", boot+start/clockTicks)
				}
			}
		}
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		add("process_open_fds", "gauge", "Number of open file descriptors.", float64(len(fds)))
	}
	if limits, err := os.ReadFile("/proc/self/limits"); err == nil {
		if v, ok := softLimit(string(limits), "Max open files"); ok {
			add("process_max_fds", "gauge", "Maximum number of open file descriptors.", v)
		}
		if v, ok := softLimit(string(limits), "Max address space"); ok {
			add("process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes.", v)
		}
	}
	if dev, err := os.ReadFile("/proc/self/net/dev"); err == nil {
		rx, tx := netTotals(string(dev))
		add("process_network_receive_bytes_total", "counter", "Number of bytes received by the process over the network.", rx)
		add("process_network_transmit_bytes_total", "counter", "Number of bytes sent by the process over the network.", tx)
	}
	writeSamples(w, out)
}

// bootTime reads the boot time (btime) from /proc/stat.
func bootTime() (float64, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// softLimit reads the soft limit of a /proc/self/limits row; unlimited is
// the largest uint64, as client_golang reports it.
func softLimit(limits, row string) (float64, bool) {
	for line := range strings.Lines(limits) {
		rest, ok := strings.CutPrefix(line, row)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		if f[0] == "unlimited" {
			return 18446744073709551615, true
		}
		v, err := strconv.ParseFloat(f[0], 64)
		return v, err == nil
	}
	return 0, false
}

// netTotals sums received and transmitted bytes over the interfaces of
// /proc/self/net/dev.
func netTotals(dev string) (rx, tx float64) {
	for line := range strings.Lines(dev) {
		_, counters, ok := strings.Cut(line, ":")
		f := strings.Fields(counters)
		if !ok || len(f) < 9 {
			continue
		}
		r, err1 := strconv.ParseFloat(f[0], 64)
		t, err2 := strconv.ParseFloat(f[8], 64)
		if err1 == nil && err2 == nil {
			rx += r
			tx += t
		}
	}
	return rx, tx
}
