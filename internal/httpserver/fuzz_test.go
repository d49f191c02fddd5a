package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Seeds shared by the fuzz targets; more are committed under
// testdata/fuzz/<target>. Run each briefly with
//
//	go test -run='^$' -fuzz='^FuzzParseEnvelope$' -fuzztime=10s ./internal/httpserver
//	go test -run='^$' -fuzz='^FuzzMCPHandler$' -fuzztime=10s ./internal/httpserver
var envelopeSeeds = []string{
	`{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"f","version":"1"}}}`,
	`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
	`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
	`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"\u0000"}}}`,
	`{"jsonrpc":"2.0","id":{},"method":"ping"}`,
	`{"id":1}`, `{}`, `[]`, `null`, ``, `{"jsonrpc":`,
}

// FuzzParseEnvelope: the envelope parser never panics, and what it reports
// agrees with the message: a request has a method and an id; a tool name is
// only taken from tools/call.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := parseEnvelope(body)
		if err != nil {
			return
		}
		if env.IsRequest && (env.Method == "" || len(env.ID) == 0) {
			t.Fatalf("request without method or id: %+v", env)
		}
		if env.Tool != "" && env.Method != "tools/call" {
			t.Fatalf("tool %q taken from method %q", env.Tool, env.Method)
		}
		if env.Method != "" && env.Method != "batch" && !json.Valid(bytes.TrimSpace(body)) {
			t.Fatalf("method %q read from invalid JSON", env.Method)
		}
	})
}

type echoIn struct {
	Text string `json:"text"`
}

type echoOut struct {
	Text string `json:"text"`
}

var fuzzHandler = sync.OnceValue(func() http.Handler {
	server := mcp.NewServer(&mcp.Implementation{Name: "fuzz", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "echo", Description: "echoes"}, func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
		return nil, echoOut(in), nil
	})
	return New(server, Options{MaxBodyBytes: 64 << 10, CORS: CORS{Origins: []string{"https://app.example.com"}}})
})

// FuzzMCPHandler drives the whole handler (edge middleware, envelope
// parsing, the SDK) with arbitrary bodies, Accept values and protocol
// versions: it must never panic nor answer 5xx, and every JSON answer must
// be valid JSON.
func FuzzMCPHandler(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s), "application/json", "")
		f.Add([]byte(s), "application/json, text/event-stream", "2025-06-18")
	}
	f.Add([]byte(envelopeSeeds[0]), "text/event-stream", "2026-07-28")
	f.Add([]byte(envelopeSeeds[0]), "*/*", "1999-01-01")
	h := fuzzHandler()
	f.Fuzz(func(t *testing.T, body []byte, accept, version string) {
		req := httptest.NewRequest(http.MethodPost, "/mcp", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if accept != "" && !strings.ContainsAny(accept, "\r\n") {
			req.Header.Set("Accept", accept)
		}
		if version != "" && !strings.ContainsAny(version, "\r\n") {
			req.Header.Set("MCP-Protocol-Version", version)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.Bytes())
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON answer for %q: %s", body, rec.Body.Bytes())
		}
	})
}
