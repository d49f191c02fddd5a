package mcpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

const (
	stdioInit        = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	stdioInitialized = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
)

func stdioCall(id string) string {
	return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":1,"b":2}}}`
}

// runStdio serves input (which ends at once: a pipe closed after writing)
// and returns the lines written, failing the test if the session does not
// end by a generous deadline.
func runStdio(t *testing.T, input string) []string {
	t.Helper()
	var out bytes.Buffer
	server := mcpserver.New(mcpserver.Options{Version: "test"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := server.Run(ctx, &mcpserver.StdioTransport{Reader: strings.NewReader(input), Writer: &out})
	if ctx.Err() != nil {
		t.Fatalf("the session did not end when its input did (err %v); wrote:\n%s", err, out.String())
	}
	var lines []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// answer decodes one written line.
type answer struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func answers(t *testing.T, lines []string) map[string]answer {
	t.Helper()
	out := map[string]answer{}
	for _, l := range lines {
		var a answer
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		out[string(a.ID)] = a
	}
	return out
}

// TestStdioAnswersEverythingBeforeEOF requires every request read before
// the input ends to be answered: the SDK's transport dropped the answers
// when stdin closed at once (a single initialize gave 0 bytes in 4 of 5
// runs). It is a race, so it runs many times.
func TestStdioAnswersEverythingBeforeEOF(t *testing.T) {
	input := strings.Join([]string{stdioInit, stdioInitialized, stdioCall("2"), stdioCall("3"), stdioCall(`"four"`)}, "\n") + "\n"
	for i := range 200 {
		got := answers(t, runStdio(t, input))
		for _, id := range []string{"1", "2", "3", `"four"`} {
			if a, ok := got[id]; !ok || a.Error != nil || len(a.Result) == 0 {
				t.Fatalf("run %d: no successful answer to id %s; answers %v", i, id, got)
			}
		}
	}
}

// TestStdioBadLineKeepsGoing requires a bad line to get a JSON-RPC error
// answer and the session to go on: one bad line ended stdio with rc 1 and
// no answer.
func TestStdioBadLineKeepsGoing(t *testing.T) {
	deep := strings.Repeat("[", 2000) + strings.Repeat("]", 2000)
	deeper := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	tests := []struct {
		name, line string
		wantID     string
		wantCode   int
		wantMsg    string
	}{
		{"bad JSON", `{"jsonrpc":"2.0","id":`, "null", -32700, "not valid JSON"},
		{"NUL bytes", "\x00\x00{\"jsonrpc\":\"2.0\"}", "null", -32700, "not valid JSON"},
		{"NUL in a string", "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"pi\x00ng\"}", "null", -32700, "not valid JSON"},
		{"nesting over the limit", `{"jsonrpc":"2.0","id":6,"method":"ping","params":{"x":` + deep + `}}`, "6", -32600, "exceeded maximum nesting depth of 1000"},
		{"nesting over JSON's limit", `{"jsonrpc":"2.0","id":6,"method":"ping","params":{"x":` + deeper + `}}`, "null", -32700, "exceeded max depth"},
		{"batch", `[` + stdioCall("7") + `]`, "null", -32600, "batches are not accepted"},
		{"fractional id", `{"jsonrpc":"2.0","id":1.5,"method":"ping"}`, "null", -32600, "id 1.5 is not an integer"},
		{"huge id", `{"jsonrpc":"2.0","id":99999999999999999999999,"method":"ping"}`, "null", -32600, "too large to be returned exactly"},
		{"object id", `{"jsonrpc":"2.0","id":{},"method":"ping"}`, "null", -32600, "not an object"},
		{"wrong version", `{"jsonrpc":"1.0","id":"v","method":"ping"}`, `"v"`, -32600, "invalid request"},
		{"not an object", `42`, "null", -32600, "invalid request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := strings.Join([]string{stdioInit, stdioInitialized, tt.line, stdioCall("100")}, "\n") + "\n"
			lines := runStdio(t, input)
			got := answers(t, lines)
			bad, ok := got[tt.wantID]
			if !ok || bad.Error == nil || bad.Error.Code != tt.wantCode || !strings.Contains(bad.Error.Message, tt.wantMsg) {
				t.Fatalf("answer to the bad line (id %s) = %+v, want code %d saying %q; lines:\n%s", tt.wantID, bad.Error, tt.wantCode, tt.wantMsg, strings.Join(lines, "\n"))
			}
			if len(bad.Error.Message) > 300 {
				t.Errorf("error message is %d bytes; it must not echo the input", len(bad.Error.Message))
			}
			if a, ok := got["100"]; !ok || a.Error != nil {
				t.Errorf("the call after the bad line was not answered: %+v", a)
			}
		})
	}
}

// TestStdioLongLine requires a line over the limit to be answered with an
// error, without holding it in memory, and the session to go on.
func TestStdioLongLine(t *testing.T) {
	var out bytes.Buffer
	long := `{"jsonrpc":"2.0","id":9,"method":"ping","params":{"x":"` + strings.Repeat("a", 5000) + `"}}`
	input := strings.Join([]string{stdioInit, stdioInitialized, long, stdioCall("100")}, "\n") + "\n"
	server := mcpserver.New(mcpserver.Options{Version: "test"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	server.Run(ctx, &mcpserver.StdioTransport{Reader: strings.NewReader(input), Writer: &out, MaxMessageBytes: 1000})
	got := answers(t, strings.Split(strings.TrimSpace(out.String()), "\n"))
	if a := got["null"]; a.Error == nil || !strings.Contains(a.Error.Message, "longer than 1000 bytes") {
		t.Errorf("answer to the long line: %+v", a.Error)
	}
	if a, ok := got["100"]; !ok || a.Error != nil {
		t.Errorf("the call after the long line was not answered: %+v", a)
	}
}
