// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package jsonrpc2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// jsonMarshalV180 and encodeMessageV180 are the v1.8.0 bodies, kept
// verbatim to compare against.
func jsonMarshalV180(obj any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	// json.Encoder.Encode adds a trailing newline. Trim it to be consistent with json.Marshal.
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func encodeMessageV180(msg Message) ([]byte, error) {
	wire := wireCombined{VersionTag: wireVersion}
	msg.marshal(&wire)
	data, err := jsonMarshalV180(&wire)
	if err != nil {
		return nil, fmt.Errorf("marshaling jsonrpc message: %w", err)
	}
	return data, nil
}

// rawMarshaler returns its bytes from MarshalJSON, as a result type with
// its own MarshalJSON (mcp.CallToolResult) does.
type rawMarshaler []byte

func (r rawMarshaler) MarshalJSON() ([]byte, error) { return r, nil }

type ptrMarshaler struct{ raw []byte }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) { return p.raw, nil }

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

var compactCorpus = []string{
	`{"content":[{"type":"text","text":"30"}],"structuredContent":{"sum":30}}`,
	`{"a":"<b>&amp;</b>","u":"\u2028\u2029","e":"\"\\\/\b\f\n\r\t\u0000","n":-1.5e-7}`,
	"{\"raw\":\"\xe2\x80\xa8 and \xe2\x80\xa9 unescaped\",\"x\":\"<>&\"}",
	"\"\xff\xfe invalid utf-8\"", `"text"`, `42`, `-0`, `1e400`, `true`, `false`, `null`, `[]`, `{}`, `[1,[2,[3]]]`,
	`{"a" : 1}`, " {\"a\":1}", "{\"a\":1} ", "{\"a\":\n1}", `{"a":"x y"}`, `{"a":"\" "}`, `{"a":"\\" , "b":1}`,
	``, ` `, `{`, `{"a":}`, `{"a":1}{"b":2}`, `{"a":1} x`, `[1,]`, `01`, `"\x"`, "\"\t\"", `{"a":1,"a":2}`,
	`{"deep":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}`,
	"\xef\xbb\xbf{}",
}

func checkEncodeMessage(t *testing.T, msg Message) {
	t.Helper()
	got, gotErr := EncodeMessage(msg)
	want, wantErr := encodeMessageV180(msg)
	if !bytes.Equal(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("EncodeMessage(%#v)\n got %q, %v\nwant %q, %v", msg, got, gotErr, want, wantErr)
	}
}

func checkJSONMarshal(t *testing.T, obj any) {
	t.Helper()
	got, gotErr := jsonMarshal(obj)
	want, wantErr := jsonMarshalV180(obj)
	if !bytes.Equal(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("jsonMarshal(%#v)\n got %q, %v\nwant %q, %v", obj, got, gotErr, want, wantErr)
	}
}

// TestEncodeMessageMatchesV180 requires the bytes and errors of v1.8.0 for
// responses made by NewResponse and responses built by hand, with every
// kind of id, with and without errors.
func TestEncodeMessageMatchesV180(t *testing.T) {
	ids := []ID{{}, StringID("a-1"), StringID(`<"&>`), Int64ID(0), Int64ID(-7)}
	for _, raw := range compactCorpus {
		for _, id := range ids {
			checkEncodeMessage(t, &Response{ID: id, Result: json.RawMessage(raw)})
			checkEncodeMessage(t, &Response{ID: id, Result: json.RawMessage(raw), Error: NewError(-32000, "boom")})
			if r, err := NewResponse(id, rawMarshaler(raw), nil); err == nil {
				checkEncodeMessage(t, r)
			}
			var v any
			if json.Unmarshal([]byte(raw), &v) == nil {
				r, err := NewResponse(id, v, nil)
				if err != nil {
					t.Fatal(err)
				}
				checkEncodeMessage(t, r)
			}
		}
	}
	r, _ := NewResponse(Int64ID(1), nil, nil)
	checkEncodeMessage(t, r)
	checkEncodeMessage(t, &Request{ID: Int64ID(1), Method: "m", Params: json.RawMessage(`{"a":1}`)})
}

// TestJSONMarshalMatchesV180 does the same for jsonMarshal: Marshalers
// whose output is compact, spaced or invalid, nil pointers, failing
// Marshalers, and plain values.
func TestJSONMarshalMatchesV180(t *testing.T) {
	for _, raw := range compactCorpus {
		checkJSONMarshal(t, rawMarshaler(raw))
		checkJSONMarshal(t, &ptrMarshaler{raw: []byte(raw)})
		checkJSONMarshal(t, json.RawMessage(raw))
	}
	checkJSONMarshal(t, (*ptrMarshaler)(nil))
	checkJSONMarshal(t, failingMarshaler{})
	checkJSONMarshal(t, map[string]any{"html": "<&>", "n": 1})
	checkJSONMarshal(t, "plain")
	checkJSONMarshal(t, nil)
}

func FuzzCompactMatchesV180(f *testing.F) {
	for _, raw := range compactCorpus {
		f.Add([]byte(raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkEncodeMessage(t, &Response{ID: Int64ID(3), Result: json.RawMessage(raw)})
		checkJSONMarshal(t, rawMarshaler(raw))
	})
}

// BenchmarkEncodeResponse measures the gain: encoding a response with a
// 14 KB result (a search answer's size), patched and as v1.8.0 does it.
func BenchmarkEncodeResponse(b *testing.B) {
	var v []map[string]string
	for i := range 50 {
		v = append(v, map[string]string{"text": strings.Repeat("passage text ", 20), "n": fmt.Sprint(i)})
	}
	r, err := NewResponse(Int64ID(1), v, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		encode func(Message) ([]byte, error)
	}{{"patched", EncodeMessage}, {"v1.8.0", encodeMessageV180}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(r.Result)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.encode(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
