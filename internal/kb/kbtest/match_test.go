package kbtest_test

import (
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
)

func TestMatch(t *testing.T) {
	meta := map[string]any{
		"team":  "search",
		"year":  2024.0,
		"draft": false,
		"tags":  []any{"go", "mcp"},
		"count": 3, // a Go int, as a test might build it
		"path":  "docs/guide.md",
	}
	tests := []struct {
		filter string
		want   bool
	}{
		{`{"equals":{"key":"team","value":"search"}}`, true},
		{`{"equals":{"key":"team","value":"Search"}}`, false},
		{`{"equals":{"key":"year","value":2024}}`, true},
		{`{"equals":{"key":"year","value":"2024"}}`, false},
		{`{"equals":{"key":"draft","value":false}}`, true},
		{`{"equals":{"key":"count","value":3}}`, true},
		{`{"equals":{"key":"missing","value":"x"}}`, false},
		{`{"notEquals":{"key":"team","value":"search"}}`, false},
		{`{"notEquals":{"key":"team","value":"ops"}}`, true},
		{`{"notEquals":{"key":"missing","value":"x"}}`, true},
		{`{"greaterThan":{"key":"year","value":2023}}`, true},
		{`{"greaterThan":{"key":"year","value":2024}}`, false},
		{`{"greaterThan":{"key":"team","value":1}}`, false},
		{`{"greaterThanOrEquals":{"key":"year","value":2024}}`, true},
		{`{"lessThan":{"key":"year","value":2024}}`, false},
		{`{"lessThan":{"key":"count","value":4}}`, true},
		{`{"lessThanOrEquals":{"key":"year","value":2024}}`, true},
		{`{"lessThanOrEquals":{"key":"missing","value":2024}}`, false},
		{`{"in":{"key":"team","value":["ops","search"]}}`, true},
		{`{"in":{"key":"team","value":["ops"]}}`, false},
		{`{"in":{"key":"year","value":[2023,2024]}}`, true},
		{`{"notIn":{"key":"team","value":["ops"]}}`, true},
		{`{"notIn":{"key":"team","value":["search"]}}`, false},
		{`{"notIn":{"key":"missing","value":["x"]}}`, true},
		{`{"startsWith":{"key":"path","value":"docs/"}}`, true},
		{`{"startsWith":{"key":"path","value":"guide"}}`, false},
		{`{"startsWith":{"key":"year","value":"20"}}`, false},
		{`{"listContains":{"key":"tags","value":"mcp"}}`, true},
		{`{"listContains":{"key":"tags","value":"rust"}}`, false},
		{`{"listContains":{"key":"team","value":"search"}}`, false},
		{`{"stringContains":{"key":"path","value":"guide"}}`, true},
		{`{"stringContains":{"key":"tags","value":"m"}}`, true},
		{`{"stringContains":{"key":"tags","value":"x"}}`, false},
		{`{"andAll":[{"equals":{"key":"team","value":"search"}},{"greaterThan":{"key":"year","value":2020}}]}`, true},
		{`{"andAll":[{"equals":{"key":"team","value":"search"}},{"greaterThan":{"key":"year","value":2030}}]}`, false},
		{`{"orAll":[{"equals":{"key":"team","value":"ops"}},{"greaterThan":{"key":"year","value":2020}}]}`, true},
		{`{"orAll":[{"equals":{"key":"team","value":"ops"}},{"greaterThan":{"key":"year","value":2030}}]}`, false},
		{`{"andAll":[{"orAll":[{"equals":{"key":"team","value":"ops"}},{"listContains":{"key":"tags","value":"go"}}]},{"notEquals":{"key":"draft","value":true}}]}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			f, err := kb.ParseFilter([]byte(tc.filter))
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			if got := kbtest.Match(f, meta); got != tc.want {
				t.Errorf("Match = %v; want %v", got, tc.want)
			}
		})
	}
	if !kbtest.Match(nil, meta) {
		t.Error("a nil filter must match everything")
	}
}
