// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package jsonrpc2

// errUnencodableResult answers a call whose handler returned a result that
// cannot be encoded as JSON. The message names the fault in the client's
// terms; the details go to the connection's internal-error log.
var errUnencodableResult = &WireError{
	Code:    -32603,
	Message: "internal error: the server could not encode its answer as JSON (a non-finite number or an unsupported value); the server log has the details",
}

// unencodableResponse is the error answer to the call id whose result could
// not be encoded.
func unencodableResponse(id ID) *Response {
	return &Response{ID: id, Error: errUnencodableResult}
}
