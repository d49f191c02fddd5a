// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package jsonrpc2

import (
	"encoding/json"
	"fmt"
	"reflect"

	segjson "github.com/segmentio/encoding/json"
)

// encoding/json compacts every json.RawMessage it encodes and the output of
// every json.Marshaler, with a scanner that costs several nanoseconds a byte.
// A tools/call result is a Marshaler (*mcp.CallToolResult) whose output is
// compacted by jsonMarshal, and again, as the response's RawMessage, by
// EncodeMessage. For bytes that are one valid JSON value with no whitespace
// outside strings, that compaction (without HTML escaping, as here) returns
// the bytes unchanged; isCompactJSON recognises them at a fraction of the
// cost, and the two functions below then skip the compaction. Any other input
// takes the v1.8.0 path, so values and errors are unchanged.

// isCompactJSON reports whether b is one valid JSON value with no
// whitespace outside its strings.
func isCompactJSON(b []byte) bool {
	if len(b) == 0 || !segjson.Valid(b) {
		return false
	}
	inString, escaped := false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			return false
		}
	}
	return true
}

// encodeResult encodes a successful response whose result is compact, as
// EncodeMessage's wireCombined would: its fields in order, the id omitted
// when absent (omitempty), the result as is.
func encodeResult(r *Response) ([]byte, error) {
	var id []byte
	if r.ID.value != nil {
		var err error
		if id, err = jsonMarshal(r.ID.value); err != nil {
			return nil, fmt.Errorf("marshaling jsonrpc message: %w", err)
		}
	}
	const head, idKey, resultKey = `{"jsonrpc":"2.0"`, `,"id":`, `,"result":`
	b := make([]byte, 0, len(head)+len(idKey)+len(id)+len(resultKey)+len(r.Result)+1)
	b = append(b, head...)
	if id != nil {
		b = append(append(b, idKey...), id...)
	}
	b = append(append(b, resultKey...), r.Result...)
	return append(b, '}'), nil
}

// marshalCompact returns the output of obj's own MarshalJSON when that is
// compact, which is what jsonMarshal's encoder would write for it. ok is
// false for anything else: obj is not a json.Marshaler, is a nil pointer
// (the encoder writes null), MarshalJSON fails, or its output needs the
// encoder's compaction.
func marshalCompact(obj any) (data []byte, ok bool) {
	m, isMarshaler := obj.(json.Marshaler)
	if !isMarshaler {
		return nil, false
	}
	if v := reflect.ValueOf(obj); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, false
	}
	data, err := m.MarshalJSON()
	if err != nil || !isCompactJSON(data) {
		return nil, false
	}
	return data, true
}
