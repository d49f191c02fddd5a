// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package jsonrpc2

import (
	"runtime/debug"
	"testing"
	"unsafe"
)

// stackMoves reports whether a call chain using about need bytes of stack
// moved the calling goroutine's stack, that is made the runtime grow it:
// growing copies the stack elsewhere, so the address of a local changes.
//
//go:noinline
func stackMoves(need int) bool {
	var marker byte
	before := uintptr(unsafe.Pointer(&marker))
	useStack(need / 1024)
	return uintptr(unsafe.Pointer(&marker)) != before
}

//go:noinline
func useStack(depth int) byte {
	var frame [1024]byte
	if depth <= 1 {
		return frame[0]
	}
	frame[depth%len(frame)] = byte(depth)
	return frame[depth%len(frame)] + useStack(depth-1)
}

// onFreshGoroutine runs f on a new goroutine, as handleAsync does.
func onFreshGoroutine(f func() bool) bool {
	ch := make(chan bool)
	go func() { ch <- f() }()
	return <-ch
}

func TestGrowStack(t *testing.T) {
	// No collection during the test: the collector may shrink a stack that
	// is mostly unused, which would undo the growth being checked.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const need = 20 << 10 // more than the initial 8 KiB, less than 32 KiB
	// Without growStack a fresh goroutine's stack grows; this is what makes
	// the test able to fail.
	if !onFreshGoroutine(func() bool { return stackMoves(need) }) {
		t.Fatalf("a fresh goroutine using %d bytes of stack did not grow it: the test cannot tell", need)
	}
	if onFreshGoroutine(func() bool { growStack(); return stackMoves(need) }) {
		t.Errorf("after growStack, using %d bytes of stack still grew it", need)
	}
}
