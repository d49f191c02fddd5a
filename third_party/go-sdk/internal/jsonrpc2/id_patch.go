// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package jsonrpc2

import (
	"fmt"
	"math"
)

// maxExactID bounds the integer ids that survive decoding exactly: the
// decoder reads every JSON number as a float64, and beyond 2^53 two
// integers share one float64.
const maxExactID = 1 << 53

// checkNumericID refuses a numeric id that would not be returned exactly as
// sent: a fraction (1.5 came back as 1) or an integer of 2^53 or more
// (9007199254740993 came back as …992, 1e23 as a negative number).
func checkNumericID(v float64) error {
	if v != math.Trunc(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%w: id %v is not an integer; use a string or an integer id", ErrInvalidRequest, v)
	}
	if math.Abs(v) >= maxExactID {
		return fmt.Errorf("%w: id %.0f is too large to be returned exactly; use a string id or an integer below 2^53 (9007199254740992)", ErrInvalidRequest, v)
	}
	return nil
}

// invalidIDType says, in JSON's terms, that an id is neither a string nor a
// number.
func invalidIDType(v any) error {
	kind := "an unsupported value"
	switch v.(type) {
	case map[string]any:
		kind = "an object"
	case []any:
		kind = "an array"
	case bool:
		kind = "a boolean"
	}
	return fmt.Errorf("%w: id must be a string or an integer, not %s", ErrInvalidRequest, kind)
}
