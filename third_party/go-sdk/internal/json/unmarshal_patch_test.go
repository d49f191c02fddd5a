// Copyright 2025 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package json

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// These tests prove that Unmarshal, which parses the in-memory bytes
// directly, behaves exactly like the v1.8.0 body it replaced, which wrapped
// them in a streaming Decoder: same values, same errors, same depth limit.

// streamingUnmarshal is the v1.8.0 body of Unmarshal.
func streamingUnmarshal(data []byte, v any) error {
	if err := checkMaxDepth(data, defaultMaxDepth); err != nil {
		return err
	}
	return NewDecoder(bytes.NewReader(data)).Decode(v)
}

// wireMessage has the shape of jsonrpc2's wire format.
type wireMessage struct {
	VersionTag string          `json:"jsonrpc"`
	ID         any             `json:"id,omitempty"`
	Method     json.RawMessage `json:"method,omitempty"`
	Params     json.RawMessage `json:"params,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      *struct {
		Code    int64           `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data,omitempty"`
	} `json:"error,omitempty"`
}

// callParams has the shape of mcp.CallToolParams on the wire.
type callParams struct {
	Meta      map[string]any `json:"_meta,omitempty"`
	Name      string         `json:"name"`
	Arguments any            `json:"arguments,omitempty"`
}

// toolInput is a typed tool input, as mcp.AddTool decodes arguments.
type toolInput struct {
	A      float64  `json:"a"`
	B      int      `json:"b"`
	Tags   []string `json:"tags,omitempty"`
	Nested *struct {
		Field string `json:"field"`
	} `json:"nested,omitempty"`
	Untagged string
}

// targets are the destinations every corpus entry is decoded into.
var targets = []func() any{
	func() any { return new(any) },
	func() any { return new(map[string]any) },
	func() any { return new(json.RawMessage) },
	func() any { return new(wireMessage) },
	func() any { return new(callParams) },
	func() any { return new(toolInput) },
	func() any { return new([]json.RawMessage) },
	func() any { return new(string) },
	func() any { return new(int) },
	func() any { return new(float64) },
}

var differentialCorpus = []string{
	// MCP traffic.
	`{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`,
	`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
	`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"30"}],"structuredContent":{"sum":30}}}`,
	`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"bad","data":{"x":[1,2]}}}`,
	`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]`,
	`{"name":"simpleadd","arguments":{"a":1.5,"b":2,"tags":["x","y"],"nested":{"field":"v"}},"_meta":{"progressToken":3}}`,
	`{"a":1e3,"b":-7,"Untagged":"u"}`,
	// Case-insensitive field names must not match (go-sdk security fix #805).
	`{"JSONRPC":"2.0","ID":1,"Method":"tools/call","PARAMS":{}}`,
	`{"Name":"evil","name":"good","Arguments":{"A":1,"a":2}}`,
	`{"a":1,"A":2,"untagged":"lower","Untagged":"exact","NESTED":{"field":"x"}}`,
	`{"nested":{"Field":"wrong case","field":"right"}}`,
	// Unknown fields, duplicates, null, empty containers.
	`{"jsonrpc":"2.0","id":1,"method":"x","extra":{"deep":[1,{"a":null}]},"more":true}`,
	`{"a":1,"a":2,"b":3,"b":4}`,
	`null`, `{}`, `[]`, `{"arguments":null,"nested":null}`,
	// Scalars and type mismatches.
	`"just a string"`, `42`, `-0.5e-3`, `true`, `12345678901234567890`,
	`{"a":"x","b":2}`, `{"b":1.5}`, `{"b":"2"}`, `{"tags":"notalist"}`, `{"name":7}`,
	`{"jsonrpc":2,"id":{"obj":1}}`, `{"id":[1,2]}`, `{"method":5}`,
	// Whitespace, trailing data after the first value.
	"  \n\t{\"a\":1}  \n", `{"a":1} {"a":2}`, `{"a":1}garbage`, `{"a":1}}`, `1 2`,
	// Strings: escapes, unicode, NUL, invalid UTF-8.
	`{"name":"caf\u00e9 \"q\" \\ \/ \n\t","arguments":"\ud83d\ude00"}`,
	"{\"name\":\"\x00\"}", `{"name":"\u0000"}`, "{\"name\":\"\xff\xfe\"}", `{"name":"\ud800"}`,
	// Invalid JSON.
	``, `   `, `{`, `{"a":`, `{"a":1`, `{"a":1,}`, `[1,2,]`, `{"a" 1}`, `{a:1}`, `{'a':1}`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":+1}`, `{"a":NaN}`, `{"a":tru}`, `{"a":nul}`,
	`{"name":"unterminated}`, `{"name":"bad \x escape"}`, `{"a":1 "b":2}`, `]`, `}`, `:`,
	`{"extra":{"deep":[1,2}}`, `{"extra":[1,{"k":}]}`, `{"a":1,"extra":tru}`,
	`[{"jsonrpc":"2.0","id":1,"method":"ping"},]`,
	// Type errors next to syntax errors, trailing data after a type error.
	`{"a":"x","b":tru}`, `{"b":"x","extra":[1,}`, `{"a":"x"} trailing`, `{"a":"x"} {"a":1}`, `"x" 1`,
	`["x"`, `["x",]`, `{"a":"x"`, `{"tags":[1,2]}`, `{"tags":[1,2]} x`, `{"nested":[{"field":1}]}`,
	"{\"a\":\"x\"}\r\n\t ", "\t[1,2,3]\n", `{"a":[1,2] ,"b":1}`, `{"a":{"b":1},"b":"c"}`,
	// Numbers the typed decoders might accept but JSON does not.
	`0.`, `1e`, `-`, `01`, `1.5e+`, `-0`, `1E400`, `[0.]`, `{"a":0.}`, `{"b":1e}`,
	// Depth limits: exactly at, and one past, the limit.
	strings.Repeat("[", defaultMaxDepth) + strings.Repeat("]", defaultMaxDepth),
	strings.Repeat("[", defaultMaxDepth+1) + strings.Repeat("]", defaultMaxDepth+1),
	`{"extra":` + strings.Repeat(`{"k":`, defaultMaxDepth) + `1` + strings.Repeat(`}`, defaultMaxDepth) + `}`,
	`{"a":"` + strings.Repeat("[", 2*defaultMaxDepth) + `"}`,
}

// checkSame decodes data with both bodies into a fresh target and reports
// any difference in the value or the error.
func checkSame(t *testing.T, data []byte, newTarget func() any) {
	t.Helper()
	got, want := newTarget(), newTarget()
	gotErr := Unmarshal(data, got)
	wantErr := streamingUnmarshal(data, want)
	if (gotErr == nil) != (wantErr == nil) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%T from %q: error %v, streaming decoder: %v", got, data, gotErr, wantErr)
	}
	for _, sentinel := range []error{io.EOF, io.ErrUnexpectedEOF, errMaxDepthExceeded} {
		if errors.Is(gotErr, sentinel) != errors.Is(wantErr, sentinel) {
			t.Fatalf("%T from %q: errors.Is(%v) differs: %v vs %v", got, data, sentinel, gotErr, wantErr)
		}
	}
	if reflect.TypeOf(gotErr) != reflect.TypeOf(wantErr) {
		t.Fatalf("%T from %q: error type %T, streaming decoder: %T", got, data, gotErr, wantErr)
	}
	if gotErr != nil {
		return // on error the target's contents are unspecified, as before
	}
	if reflect.DeepEqual(want, got) {
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%T from %q: value differs from the streaming decoder (-want +got):\n%s", got, data, diff)
	}
}

func TestUnmarshalMatchesStreamingDecoder(t *testing.T) {
	for _, data := range differentialCorpus {
		for _, target := range targets {
			checkSame(t, []byte(data), target)
		}
	}
}

// TestUnmarshalMatchesStreamingDecoderErrors pins the error classes callers
// can tell apart, so that the test above cannot pass by both sides agreeing
// on something else.
func TestUnmarshalMatchesStreamingDecoderErrors(t *testing.T) {
	tests := []struct {
		data string
		want error
	}{
		{"", io.EOF},
		{" \n ", io.EOF},
		{`{"a":`, io.ErrUnexpectedEOF},
		{strings.Repeat("[", defaultMaxDepth+1), errMaxDepthExceeded},
	}
	for _, tt := range tests {
		var v any
		if err := Unmarshal([]byte(tt.data), &v); !errors.Is(err, tt.want) {
			t.Errorf("Unmarshal(%q) = %v, want %v", tt.data, err, tt.want)
		}
	}
	var v toolInput
	err := Unmarshal([]byte(`{"a":"x"}`), &v)
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		t.Errorf("Unmarshal of a string into a float64 field: %T %v, want an *UnmarshalTypeError", err, err)
	}
	var syntaxErr *json.SyntaxError
	if err := Unmarshal([]byte(`{"a":1,}`), &v); !errors.As(err, &syntaxErr) {
		t.Errorf("Unmarshal of a trailing comma: %T %v, want a *SyntaxError", err, err)
	}
}

// TestUnmarshalAllocatesNoReadBuffer proves the point of the change: a small
// message no longer costs a 32 KiB buffer per call, neither when it decodes
// nor when it is well-formed JSON of another type (mcp.readBatch tries every
// message as a batch first).
func TestUnmarshalAllocatesNoReadBuffer(t *testing.T) {
	data := []byte(differentialCorpus[0])
	perCall := func(unmarshal func([]byte, any) error, target func() any, wantErr bool) uint64 {
		const calls = 200
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range calls {
			if err := unmarshal(data, target()); (err != nil) != wantErr {
				t.Fatalf("error %v, want error: %v", err, wantErr)
			}
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / calls
	}
	for _, tt := range []struct {
		name    string
		target  func() any
		wantErr bool
	}{
		{"message", func() any { return new(wireMessage) }, false},
		{"message as a batch (type error)", func() any { return new([]json.RawMessage) }, true},
	} {
		streaming, direct := perCall(streamingUnmarshal, tt.target, tt.wantErr), perCall(Unmarshal, tt.target, tt.wantErr)
		t.Logf("%s: bytes allocated per call of a %d-byte message: streaming decoder %d, Unmarshal %d", tt.name, len(data), streaming, direct)
		if direct >= 4096 {
			t.Errorf("%s: Unmarshal allocates %d bytes per call of a %d-byte message; want < 4096 (the streaming decoder: %d)",
				tt.name, direct, len(data), streaming)
		}
	}
}

// FuzzUnmarshalMatchesStreamingDecoder runs the corpus as seeds under plain
// "go test"; "go test -fuzz FuzzUnmarshalMatchesStreamingDecoder" explores further.
func FuzzUnmarshalMatchesStreamingDecoder(f *testing.F) {
	for _, data := range differentialCorpus {
		f.Add([]byte(data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range targets {
			checkSame(t, data, target)
		}
	})
}

func BenchmarkUnmarshalToolCall(b *testing.B) {
	data := []byte(differentialCorpus[0])
	for _, bb := range []struct {
		name      string
		unmarshal func([]byte, any) error
	}{{"direct", Unmarshal}, {"streaming", streamingUnmarshal}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var msg wireMessage
				if err := bb.unmarshal(data, &msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
