// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package mcp

import (
	"context"
	"runtime/debug"
	"testing"
	"unsafe"
)

// handlerStackMoves reports whether a call chain using about need bytes of
// stack made the runtime grow (and so move) the calling goroutine's stack.
//
//go:noinline
func handlerStackMoves(need int) bool {
	var marker byte
	before := uintptr(unsafe.Pointer(&marker))
	handlerUseStack(need / 1024)
	return uintptr(unsafe.Pointer(&marker)) != before
}

//go:noinline
func handlerUseStack(depth int) byte {
	var frame [1024]byte
	if depth <= 1 {
		return frame[0]
	}
	frame[depth%len(frame)] = byte(depth)
	return frame[depth%len(frame)] + handlerUseStack(depth-1)
}

// TestToolHandlerStackIsGrown checks the patch end to end: a tool handler
// runs on the per-request goroutine of jsonrpc2's handleAsync, below the
// session's dispatch, middleware and typed-handler frames, and can still use
// 16 KiB of stack without the runtime growing it.
func TestToolHandlerStackIsGrown(t *testing.T) {
	// No collection during the test: the collector may shrink a stack that
	// is mostly unused, which would undo the growth being checked.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	ctx := context.Background()
	const need = 16 << 10
	type in struct{}
	moved := make(chan bool, 1)
	server := NewServer(&Implementation{Name: "s", Version: "v"}, nil)
	AddTool(server, &Tool{Name: "deep"}, func(ctx context.Context, req *CallToolRequest, _ in) (*CallToolResult, any, error) {
		moved <- handlerStackMoves(need)
		return &CallToolResult{Content: []Content{&TextContent{Text: "ok"}}}, nil, nil
	})
	ct, st := NewInMemoryTransports()
	ss, err := server.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := NewClient(&Implementation{Name: "c", Version: "v"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if _, err := cs.CallTool(ctx, &CallToolParams{Name: "deep", Arguments: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	if <-moved {
		t.Errorf("the tool handler's goroutine grew its stack under a %d-byte call chain", need)
	}
}
