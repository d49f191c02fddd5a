// Package inproc holds the in-process benchmarks of one MCP request: the
// handlers of bench/run.sh's contenders called through ServeHTTP, with no
// network and no load generator, so that CPU and allocations per request can
// be compared and profiled precisely:
//
//	go test ./bench/inproc -run '^$' -bench . -benchmem -cpuprofile cpu.out
package inproc
