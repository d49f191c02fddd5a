package httpserver

import (
	"strings"
	"testing"
)

func TestParseEnvelopeLikeSDK(t *testing.T) {
	tests := []struct {
		name, body string
		want       envelope
		wantErr    string
	}{
		{name: "tools/call", body: `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`,
			want: envelope{ID: []byte(`"test-1"`), Method: "tools/call", Tool: "simpleadd", IsRequest: true}},
		{name: "notification", body: ` {"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n",
			want: envelope{Method: "notifications/initialized"}},
		{name: "tool only for tools/call", body: `{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"cite"}}`,
			want: envelope{ID: []byte(`1`), Method: "prompts/get", IsRequest: true}},
		{name: "batch", body: `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, want: envelope{Method: "batch"}},
		// Field names match case-sensitively, as in the SDK, so the log
		// never names a method the SDK did not see.
		{name: "case-insensitive names ignored", body: `{"jsonrpc":"2.0","ID":1,"Method":"tools/call","params":{"Name":"x"}}`,
			want: envelope{}},
		{name: "unexpected shape left to the SDK", body: `{"jsonrpc":"2.0","id":1,"method":5}`,
			want: envelope{ID: []byte(`1`)}},
		{name: "empty", body: " \n", wantErr: "empty body"},
		{name: "truncated", body: `{"jsonrpc":"2.0",`, wantErr: "unexpected end"},
		{name: "trailing data", body: `{"jsonrpc":"2.0","id":1,"method":"ping"} x`, wantErr: "after top-level value"},
		{name: "invalid batch", body: `[{"id":1},`, wantErr: "unexpected end"},
		// A type error must not hide invalid JSON after it (found by FuzzParseEnvelope).
		{name: "type error then trailing data", body: `{"method":"0","params":0}0`, wantErr: "after top-level value"},
	}
	for _, tt := range tests {
		got, err := parseEnvelope([]byte(tt.body))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(got.ID) != string(tt.want.ID) || got.Method != tt.want.Method || got.Tool != tt.want.Tool || got.IsRequest != tt.want.IsRequest {
			t.Errorf("%s: got %+v (id %s), want %+v (id %s)", tt.name, got, got.ID, tt.want, tt.want.ID)
		}
	}
}

// BenchmarkParseEnvelope measures the pre-parse /mcp does of every POST body
// to log its method and tool (bench/inproc measures the whole request).
func BenchmarkParseEnvelope(b *testing.B) {
	body := []byte(`{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`)
	b.ReportAllocs()
	for b.Loop() {
		env, err := parseEnvelope(body)
		if err != nil || env.Tool != "simpleadd" {
			b.Fatal(env, err)
		}
	}
}
