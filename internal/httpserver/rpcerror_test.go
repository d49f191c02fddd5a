package httpserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// topLevelKeys returns the keys of a JSON object (the first one of an
// event stream's data lines) in the order they are written.
func topLevelKeys(t *testing.T, body string) []string {
	t.Helper()
	if i := strings.Index(body, "data: "); i >= 0 {
		body = strings.SplitN(body[i+len("data: "):], "\n", 2)[0]
	}
	dec := json.NewDecoder(strings.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %q", body)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
	}
	return keys
}

// The JSON-RPC errors this package writes itself have the SDK's key order,
// so a client or a person comparing answers sees one shape.
func TestRPCErrorsHaveTheSDKKeyOrder(t *testing.T) {
	ts := httptest.NewServer(New(newSlowServer(), Options{}))
	defer ts.Close()
	post := func(body, contentType, host string) string {
		req, _ := http.NewRequest("POST", ts.URL+Path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept", "application/json, text/event-stream")
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return string(data)
	}
	// An error the SDK writes: a tool it does not know.
	sdk := post(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"no-such-tool","arguments":{}}}`, "application/json", "")
	sdkKeys := topLevelKeys(t, sdk)
	if !slices.Equal(sdkKeys, []string{"jsonrpc", "id", "error"}) {
		t.Fatalf("the SDK's error keys are %v (%s); this test assumes jsonrpc, id, error", sdkKeys, sdk)
	}
	for name, body := range map[string]string{
		"unknown method":     post(`{"jsonrpc":"2.0","id":1,"method":"nope/nope"}`, "application/json", ""),
		"parse error":        post(`{`, "application/json", ""),
		"wrong content type": post(`{}`, "text/plain", ""),
		"host not allowed":   post(`{"jsonrpc":"2.0","id":1,"method":"ping"}`, "application/json", "evil.example.com"),
	} {
		if !strings.Contains(body, `"error"`) {
			t.Errorf("%s: not an error answer: %s", name, body)
			continue
		}
		if got := topLevelKeys(t, body); !slices.Equal(got, sdkKeys) {
			t.Errorf("%s: keys %v, want the SDK's %v: %s", name, got, sdkKeys, body)
		}
	}
}
