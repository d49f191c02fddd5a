// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package jsonrpc2

import (
	"errors"
	"strings"
	"testing"
)

// TestIDsComeBackExactly requires every id DecodeMessage accepts to encode
// back exactly as sent, and every other id to be refused as an invalid
// request saying why, in JSON's terms (v1.8.0 turned 1.5 into 1,
// 9007199254740993 into 9007199254740992 and 99999999999999999999999 into
// -9223372036854775808, and named Go types in its error).
func TestIDsComeBackExactly(t *testing.T) {
	ok := []string{`1`, `0`, `-7`, `9007199254740991`, `-9007199254740991`, `"abc"`, `""`, `"9007199254740993"`}
	for _, id := range ok {
		msg, err := DecodeMessage([]byte(`{"jsonrpc":"2.0","id":` + id + `,"method":"ping"}`))
		if err != nil {
			t.Errorf("id %s refused: %v", id, err)
			continue
		}
		resp, err := NewResponse(msg.(*Request).ID, map[string]any{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := EncodeMessage(resp)
		if err != nil {
			t.Fatal(err)
		}
		if want := `"id":` + id + `,`; !strings.Contains(string(out), want) {
			t.Errorf("id %s came back as %s", id, out)
		}
	}
	refused := map[string]string{
		`1.5`:                     "id 1.5 is not an integer",
		`9007199254740993`:        "id 9007199254740992 is too large to be returned exactly",
		`99999999999999999999999`: "too large to be returned exactly",
		`-1e300`:                  "too large",
		`{}`:                      "id must be a string or an integer, not an object",
		`[1]`:                     "not an array",
		`true`:                    "not a boolean",
	}
	for id, want := range refused {
		_, err := DecodeMessage([]byte(`{"jsonrpc":"2.0","id":` + id + `,"method":"ping"}`))
		if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), want) {
			t.Errorf("id %s: err = %v, want an invalid request saying %q", id, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "interface") {
			t.Errorf("id %s: error %q names a Go type", id, err)
		}
	}
}
