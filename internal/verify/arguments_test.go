package verify

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestArgumentsFor(t *testing.T) {
	tests := []struct {
		name, schema string
		want         map[string]any
		err          string
	}{
		{"required only", `{"type":"object","properties":{"query":{"type":"string"},"max_results":{"type":"integer"}},"required":["query"]}`,
			map[string]any{"query": "test"}, ""},
		{"bounds, enum, default, example", `{"type":"object","properties":{
			"n":{"type":"integer","minimum":5},"m":{"type":"number","maximum":0.5},
			"kind":{"type":"string","enum":["HYBRID","SEMANTIC"]},"flag":{"type":"boolean","default":true},
			"q":{"type":"string","examples":["what is MCP?"]}},"required":["n","m","kind","flag","q"]}`,
			map[string]any{"n": 5.0, "m": 0.5, "kind": "HYBRID", "flag": true, "q": "what is MCP?"}, ""},
		{"formats and arrays", `{"type":"object","properties":{"uri":{"type":"string","format":"uri"},"tags":{"type":"array","items":{"type":"string"},"minItems":1},"when":{"type":["null","string"],"format":"date"}},"required":["uri","tags","when"]}`,
			map[string]any{"uri": "https://example.com/verify", "tags": []any{"test"}, "when": "2025-01-01"}, ""},
		{"nested object", `{"type":"object","properties":{"filter":{"type":"object","properties":{"key":{"type":"string"}},"required":["key"]}},"required":["filter"]}`,
			map[string]any{"filter": map[string]any{"key": "test"}}, ""},
		{"no properties", `{"type":"object"}`, map[string]any{}, ""},
		{"untyped property", `{"type":"object","properties":{"x":{}},"required":["x"]}`, nil, `property "x" has no type`},
		{"not an object", `{"type":"string"}`, nil, "not object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var schema any
			if err := json.Unmarshal([]byte(tt.schema), &schema); err != nil {
				t.Fatal(err)
			}
			got, err := argumentsFor(&mcp.Tool{Name: "tool", InputSchema: schema})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	got, err := argumentsFor(&mcp.Tool{Name: "simpleadd", InputSchema: map[string]any{"type": "object"}})
	if err != nil || got["a"] != 10.0 || got["b"] != 20.0 {
		t.Errorf("simpleadd arguments %v, %v; want a=10, b=20", got, err)
	}
}

func TestSummarize(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Millisecond)
		}
		return out
	}
	l := summarize(ms(5, 1, 4, 2, 3, 10, 6, 7, 8, 9), 2)
	if l.Calls != 12 || l.Errors != 2 || l.P50 != 5*time.Millisecond || l.P95 != 10*time.Millisecond || l.Max != 10*time.Millisecond {
		t.Errorf("summarize = %+v", l)
	}
	if l := summarize(nil, 3); l.Calls != 3 || l.Max != 0 {
		t.Errorf("summarize of no successes = %+v", l)
	}
}
