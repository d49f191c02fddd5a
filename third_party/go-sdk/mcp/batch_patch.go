// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package mcp

// mayBeBatch reports whether data could unmarshal into a []json.RawMessage:
// only a JSON array or null can. readBatch skips its batch attempt for
// anything else, which is almost every message: that attempt always failed
// for a single message, building a type error each time.
func mayBeBatch(data []byte) bool {
	for _, b := range data {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case '[', 'n':
			return true
		default:
			return false
		}
	}
	return true // empty: let Unmarshal report it, as before
}
