// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package mcp

import (
	"encoding/json"
	"fmt"
	"testing"

	internaljson "github.com/modelcontextprotocol/go-sdk/internal/json"
	"github.com/modelcontextprotocol/go-sdk/internal/jsonrpc2"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// readBatchV180 is readBatch as go-sdk v1.8.0 has it, kept verbatim to
// compare against.
func readBatchV180(data []byte) (msgs []jsonrpc.Message, isBatch bool, _ error) {
	// Try to read an array of messages first.
	var rawBatch []json.RawMessage
	if err := internaljson.Unmarshal(data, &rawBatch); err == nil {
		if len(rawBatch) == 0 {
			return nil, true, fmt.Errorf("empty batch")
		}
		for _, raw := range rawBatch {
			msg, err := jsonrpc2.DecodeMessage(raw)
			if err != nil {
				return nil, true, err
			}
			msgs = append(msgs, msg)
		}
		return msgs, true, nil
	}
	// Try again with a single message.
	msg, err := jsonrpc2.DecodeMessage(data)
	return []jsonrpc.Message{msg}, false, err
}

var readBatchCorpus = []string{
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":1,"b":2}}}`,
	`  {"jsonrpc":"2.0","method":"notifications/initialized"}`,
	"\t\r\n{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":{}}",
	`{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"no"}}`,
	`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
	` [ {"jsonrpc":"2.0","id":1,"method":"ping"} ] `,
	`[]`, ` [ ] `, `null`, ` null `, `nul`, `nothing`, `[1,2]`, `[{"jsonrpc":"2.0"}]`, `[`, `[{]`,
	``, ` `, `{`, `{}`, `{"jsonrpc":"1.0","id":1,"method":"x"}`, `"text"`, `42`, `true`, `false`, `-1`,
	`{"jsonrpc":"2.0","id":1,"method":"x"} trailing`, `{"jsonrpc":"2.0","id":1,"method":"x"}{"jsonrpc":"2.0"}`,
	"\xef\xbb\xbf{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}", "\x00", `{"JSONRPC":"2.0","ID":1,"METHOD":"x"}`,
}

// TestReadBatchMatchesV180 requires the patched readBatch to return what
// v1.8.0's does for every input: messages, batch flag and error text.
func TestReadBatchMatchesV180(t *testing.T) {
	for _, in := range readBatchCorpus {
		checkReadBatch(t, []byte(in))
	}
}

func FuzzReadBatchMatchesV180(f *testing.F) {
	for _, in := range readBatchCorpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkReadBatch(t, data) })
}

func checkReadBatch(t *testing.T, data []byte) {
	t.Helper()
	wantMsgs, wantBatch, wantErr := readBatchV180(data)
	gotMsgs, gotBatch, gotErr := readBatch(data)
	if gotBatch != wantBatch || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("readBatch(%q) = batch %v, error %v; v1.8.0: batch %v, error %v", data, gotBatch, gotErr, wantBatch, wantErr)
	}
	if len(gotMsgs) != len(wantMsgs) {
		t.Fatalf("readBatch(%q): %d messages; v1.8.0: %d", data, len(gotMsgs), len(wantMsgs))
	}
	for i := range gotMsgs {
		g, err1 := json.Marshal(gotMsgs[i])
		w, err2 := json.Marshal(wantMsgs[i])
		if string(g) != string(w) || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("readBatch(%q) message %d = %s; v1.8.0: %s", data, i, g, w)
		}
	}
}

// TestReadBatchSingleMessageSkipsBatchAttempt shows the gain: a single
// message no longer allocates a type error on the way.
func TestReadBatchSingleMessageSkipsBatchAttempt(t *testing.T) {
	data := []byte(readBatchCorpus[0])
	patched := testing.AllocsPerRun(200, func() { _, _, _ = readBatch(data) })
	old := testing.AllocsPerRun(200, func() { _, _, _ = readBatchV180(data) })
	t.Logf("allocations per single-message readBatch: %.0f (v1.8.0: %.0f)", patched, old)
	if patched >= old {
		t.Errorf("patched readBatch allocates %.0f, v1.8.0 %.0f: the batch attempt was not skipped", patched, old)
	}
}

// BenchmarkReadBatch compares readBatch with v1.8.0's on the body of one
// tools/call, the common case the patch is for:
//
//	go test ./mcp -run '^$' -bench ReadBatch -benchmem -count 10
func BenchmarkReadBatch(b *testing.B) {
	body := []byte(`{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`)
	for _, bc := range []struct {
		name string
		read func([]byte) ([]jsonrpc.Message, bool, error)
	}{{"v1.8.0", readBatchV180}, {"patched", readBatch}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := bc.read(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
