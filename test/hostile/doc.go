// Package hostile drives the real knowledge-mcp binary as a hostile client
// and with a hostile folder would: each case asserts the specific answer,
// that the process still answers afterwards, and for the memory cases that
// its peak resident memory stays under a stated bound. Everything runs on
// loopback, bounded in time. The in-process cases are beside the code they
// test (internal/httpserver/hostile_test.go and others).
package hostile
