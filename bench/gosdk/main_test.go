package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const simpleAdd = `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`

func serve(h http.Handler) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/mcp", strings.NewReader(simpleAdd))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestAnswers(t *testing.T) {
	w := serve(newHandler())
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"structuredContent":{"sum":30}`) {
		t.Fatalf("HTTP %d: %s", w.Code, w.Body)
	}
}

// BenchmarkSimpleAdd is one tools/call through the SDK's handler, in
// process. Compare upstream and patched go-sdk:
//
//	go test -bench . -benchmem                          # upstream v1.8.0
//	go test -modfile=go.patched.mod -bench . -benchmem  # third_party/go-sdk
func BenchmarkSimpleAdd(b *testing.B) {
	h := newHandler()
	b.ReportAllocs()
	for b.Loop() {
		serve(h)
	}
}
