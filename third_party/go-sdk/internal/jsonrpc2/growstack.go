// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package jsonrpc2

// growStack grows the calling goroutine's stack to 32 KiB in one step
// (its frame needs 16 KiB; the runtime doubles the stack past that), while
// the goroutine is still shallow and the copy costs little.
//
// handleAsync starts one goroutine per request, with the runtime's initial
// 8 KiB stack. A tools/call then goes through the server's middleware,
// the typed tool handler and the JSON Schema validator, whose frames are
// large: the stack grows twice, and each growth copies every frame on it
// and adjusts its pointers. On a stateless HTTP server, where every request
// is a new goroutine, that was about a tenth of the CPU.
//
//go:noinline
func growStack() {
	var buf [growStackFrame]byte
	keepStack(buf[:])
}

// growStackFrame is growStack's frame size.
const growStackFrame = 16 << 10

// keepStack keeps the compiler from dropping growStack's frame.
//
//go:noinline
func keepStack(b []byte) { b[0] = 0 }
