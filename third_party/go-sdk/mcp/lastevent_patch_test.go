// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package mcp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLastEventNotFlushedAlone checks the patch: on a stateless SSE
// response, the event that completes the stream goes out with the end of
// the response (net/http then knows the length), and events before it are
// still flushed as they are written (the response is chunked).
func TestLastEventNotFlushedAlone(t *testing.T) {
	type in struct {
		Notify bool `json:"notify,omitempty"`
	}
	server := NewServer(&Implementation{Name: "s", Version: "v"}, nil)
	AddTool(server, &Tool{Name: "t"}, func(ctx context.Context, req *CallToolRequest, args in) (*CallToolResult, any, error) {
		if args.Notify {
			//lint:ignore SA1019 logging notifications are still served to clients of 2025-11-25 and earlier
			if err := req.Session.Log(ctx, &LoggingMessageParams{Level: "info", Data: "working"}); err != nil {
				return nil, nil, err
			}
		}
		return &CallToolResult{Content: []Content{&TextContent{Text: "done"}}}, nil, nil
	})
	ts := httptest.NewServer(NewStreamableHTTPHandler(func(*http.Request) *Server { return server }, &StreamableHTTPOptions{Stateless: true}))
	defer ts.Close()
	for _, tt := range []struct {
		name, args    string
		wantUnchunked bool
	}{
		{"answer only", `{}`, true},
		{"notification first", `{"notify":true}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":` + tt.args + `}}`
			req, _ := http.NewRequest("POST", ts.URL, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || !strings.Contains(string(data), `"done"`) {
				t.Fatalf("HTTP %d: %s", resp.StatusCode, data)
			}
			if got := resp.ContentLength >= 0; got != tt.wantUnchunked {
				t.Errorf("Content-Length %d (chunked: %v), want unchunked %v:\n%s", resp.ContentLength, resp.TransferEncoding, tt.wantUnchunked, data)
			}
		})
	}
}
