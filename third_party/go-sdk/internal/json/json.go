// Copyright 2025 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package json provides internal JSON utilities.

package json

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/segmentio/encoding/json"
)

// defaultMaxDepth is the maximum JSON nesting depth accepted by [Unmarshal].
// Realistic MCP payloads nest only a handful of levels, so 1000 is far more
// than any legitimate message requires while keeping worst-case parse cost
// bounded.
const defaultMaxDepth = 1000

// errMaxDepthExceeded is returned by [Unmarshal] when the input nests deeper than [defaultMaxDepth].
var errMaxDepthExceeded = fmt.Errorf("json: exceeded maximum nesting depth of %d", defaultMaxDepth)

type Decoder struct {
	dec *json.Decoder
}

func NewDecoder(r io.Reader) *Decoder {
	dec := json.NewDecoder(r)
	dec.DontMatchCaseInsensitiveStructFields()
	return &Decoder{dec: dec}
}

func (d *Decoder) Decode(v any) error {
	return d.dec.Decode(v)
}

func Unmarshal(data []byte, v any) error {
	if err := checkMaxDepth(data, defaultMaxDepth); err != nil {
		return err
	}
	// Parse the in-memory bytes directly. Wrapping them in a streaming
	// Decoder, as before, made segmentio/encoding allocate a fresh 32 KiB read
	// buffer on every call (about a dozen calls per tools/call request).
	// Like Decoder.Decode, this decodes the first JSON value in data and
	// ignores anything after it; trailing whitespace is trimmed so that error
	// messages quote the same input the Decoder's do.
	data = bytes.TrimRight(data, " \t\r\n")
	rest, err := json.Parse(data, v, json.DontMatchCaseInsensitiveStructFields)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if len(rest) == 0 && errors.As(err, &typeErr) {
		// Well-formed JSON of another type, which data held entirely: the
		// Decoder reports the same error. This path is hot: readBatch tries
		// every single message as a batch first.
		return err
	}
	// Invalid, empty or truncated JSON, or more than one value: report the
	// error exactly as the streaming Decoder does (io.EOF,
	// io.ErrUnexpectedEOF, the same syntax errors).
	return NewDecoder(bytes.NewReader(data)).Decode(v)
}

// checkMaxDepth scans data once and reports [errMaxDepthExceeded] if the
// nesting of JSON objects and arrays exceeds maxDepth. It is a lightweight pass which
// tracks '{' and '[' against '}' and ']' while skipping over the contents of strings.
func checkMaxDepth(data []byte, maxDepth int) error {
	var (
		depth    int
		inString bool
		escaped  bool
	)
	for _, b := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}

		switch b {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return errMaxDepthExceeded
			}
		case '}', ']':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}
