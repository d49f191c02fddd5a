// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package mcp

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestUnencodableResultIsAnswered requires a call whose result cannot be
// encoded (here, an infinity in structured content) to be answered with a
// -32603 error, and the fault to be logged; v1.8.0 never answers it.
func TestUnencodableResultIsAnswered(t *testing.T) {
	for _, value := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		var logs lockedBuffer
		server := NewServer(&Implementation{Name: "s", Version: "1"}, &ServerOptions{
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		})
		server.AddTool(&Tool{Name: "inf", InputSchema: map[string]any{"type": "object"}},
			func(context.Context, *CallToolRequest) (*CallToolResult, error) {
				return &CallToolResult{StructuredContent: map[string]any{"v": value}}, nil
			})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ct, st := NewInMemoryTransports()
		ss, err := server.Connect(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		client := NewClient(&Implementation{Name: "c", Version: "1"}, nil)
		cs, err := client.Connect(ctx, ct, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cs.CallTool(ctx, &CallToolParams{Name: "inf"})
		var werr *jsonrpc.Error
		if !errors.As(err, &werr) || werr.Code != jsonrpc.CodeInternalError {
			t.Fatalf("%v: CallTool error = %v, want a -32603 answer", value, err)
		}
		if ctx.Err() != nil {
			t.Fatalf("%v: no answer before the deadline", value)
		}
		if !strings.Contains(werr.Message, "could not encode") {
			t.Errorf("%v: message %q does not say the answer could not be encoded", value, werr.Message)
		}
		// The session is still usable.
		if err := cs.Ping(ctx, nil); err != nil {
			t.Errorf("%v: ping after the failed call: %v", value, err)
		}
		cs.Close()
		ss.Wait()
		cancel()
		if !strings.Contains(logs.String(), "malformed result") {
			t.Errorf("%v: nothing logged; log:\n%s", value, logs.String())
		}
	}
}
