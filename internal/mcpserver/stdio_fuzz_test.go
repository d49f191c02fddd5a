package mcpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

// FuzzStdioFraming feeds arbitrary input, then a ping, to a stdio session
// whose input then ends: the session must end, write only whole JSON lines,
// and still answer the ping (no input line can end the session or lose an
// answer).
func FuzzStdioFraming(f *testing.F) {
	for _, seed := range []string{
		"", "\n", "\x00\x00\n", `{"jsonrpc":"2.0","id":1,"method":"ping"}` + "\n",
		`{"jsonrpc":"2.0","id":1.5,"method":"ping"}` + "\n", `[{"jsonrpc":"2.0","id":1,"method":"ping"}]` + "\n",
		strings.Repeat("[", 3000) + "\n", stdioInit + "\n" + stdioInitialized + "\n" + stdioCall("7") + "\n",
		`{"jsonrpc":"2.0","id":{},"method":"ping"}` + "\r\n", "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n",
		"no newline at the end",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		const last = `{"jsonrpc":"2.0","id":"fuzz-last","method":"ping"}`
		in := append(append(bytes.Clone(input), '\n'), last+"\n"...)
		var out bytes.Buffer
		server := mcpserver.New(mcpserver.Options{Version: "fuzz"})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = server.Run(ctx, &mcpserver.StdioTransport{Reader: bytes.NewReader(in), Writer: &out, MaxMessageBytes: 64 << 10})
		if ctx.Err() != nil {
			t.Fatalf("the session did not end with its input")
		}
		answered := false
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if line == "" {
				continue
			}
			var msg struct {
				ID json.RawMessage `json:"id"`
			}
			if err := json.Unmarshal([]byte(line), &msg); err != nil {
				t.Fatalf("output line %q is not JSON: %v", line, err)
			}
			if string(msg.ID) == `"fuzz-last"` {
				answered = true
			}
		}
		if !answered {
			t.Fatalf("the final ping was not answered; output:\n%s", out.String())
		}
	})
}
