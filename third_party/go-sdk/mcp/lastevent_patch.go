// Copyright 2026 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Part of knowledge-mcp's patch to go-sdk v1.8.0: see PATCH.md.

package mcp

import "net/http"

// lastEventWriter writes the event that completes a POST's stream without
// flushing it: the handler returns right after, and net/http then sends the
// event together with the end of the response, in one write, where a flush
// made two (the event, then the chunked body's terminator). It hides the
// underlying writer's Flush, so writeEvent's flush is a no-op.
type lastEventWriter struct{ http.ResponseWriter }
