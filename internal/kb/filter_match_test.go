package kb

import (
	"encoding/json"
	"testing"
)

func TestFilterMatch(t *testing.T) {
	meta := map[string]any{
		"team":   "search",
		"year":   2023,
		"score":  json.Number("4.5"),
		"draft":  false,
		"tags":   []any{"go", "mcp", "bedrock-kb"},
		"owners": []string{"ana", "bo"},
		"path":   "guides/deploy.md",
		"code":   "2023", // a string that looks like a number
	}
	tests := []struct {
		name   string
		filter string
		want   bool
	}{
		{"equals string", `{"equals":{"key":"team","value":"search"}}`, true},
		{"equals string other", `{"equals":{"key":"team","value":"ops"}}`, false},
		{"equals is case-sensitive", `{"equals":{"key":"team","value":"Search"}}`, false},
		{"equals int vs float", `{"equals":{"key":"year","value":2023}}`, true},
		{"equals number never equals string", `{"equals":{"key":"code","value":2023}}`, false},
		{"equals string never equals number", `{"equals":{"key":"year","value":"2023"}}`, false},
		{"equals bool", `{"equals":{"key":"draft","value":false}}`, true},
		{"equals missing key", `{"equals":{"key":"nope","value":"x"}}`, false},
		{"equals list whole", `{"equals":{"key":"owners","value":["ana","bo"]}}`, true},
		{"notEquals other value", `{"notEquals":{"key":"team","value":"ops"}}`, true},
		{"notEquals same value", `{"notEquals":{"key":"team","value":"search"}}`, false},
		{"notEquals missing key matches", `{"notEquals":{"key":"nope","value":"x"}}`, true},
		{"greaterThan true", `{"greaterThan":{"key":"year","value":2022}}`, true},
		{"greaterThan equal is false", `{"greaterThan":{"key":"year","value":2023}}`, false},
		{"greaterThanOrEquals equal", `{"greaterThanOrEquals":{"key":"year","value":2023}}`, true},
		{"greaterThanOrEquals json.Number", `{"greaterThanOrEquals":{"key":"score","value":4.5}}`, true},
		{"greaterThan on a string attribute", `{"greaterThan":{"key":"code","value":1}}`, false},
		{"lessThan true", `{"lessThan":{"key":"score","value":5}}`, true},
		{"lessThan false", `{"lessThan":{"key":"year","value":2000}}`, false},
		{"lessThanOrEquals equal", `{"lessThanOrEquals":{"key":"year","value":2023}}`, true},
		{"lessThanOrEquals missing", `{"lessThanOrEquals":{"key":"nope","value":1}}`, false},
		{"in string", `{"in":{"key":"team","value":["ops","search"]}}`, true},
		{"in number", `{"in":{"key":"year","value":[2021,2023]}}`, true},
		{"in absent value", `{"in":{"key":"team","value":["ops","web"]}}`, false},
		{"in missing key", `{"in":{"key":"nope","value":["x","y"]}}`, false},
		{"notIn absent value", `{"notIn":{"key":"team","value":["ops","web"]}}`, true},
		{"notIn present value", `{"notIn":{"key":"team","value":["search"]}}`, false},
		{"notIn missing key matches", `{"notIn":{"key":"nope","value":["x"]}}`, true},
		{"startsWith", `{"startsWith":{"key":"path","value":"guides/"}}`, true},
		{"startsWith no", `{"startsWith":{"key":"path","value":"deploy"}}`, false},
		{"startsWith on number", `{"startsWith":{"key":"year","value":"20"}}`, false},
		{"listContains any list", `{"listContains":{"key":"tags","value":"mcp"}}`, true},
		{"listContains []string", `{"listContains":{"key":"owners","value":"bo"}}`, true},
		{"listContains absent", `{"listContains":{"key":"tags","value":"rust"}}`, false},
		{"listContains on a string attribute", `{"listContains":{"key":"team","value":"search"}}`, false},
		{"stringContains string", `{"stringContains":{"key":"path","value":"deploy"}}`, true},
		{"stringContains list member", `{"stringContains":{"key":"tags","value":"bedrock"}}`, true},
		{"stringContains no", `{"stringContains":{"key":"path","value":"install"}}`, false},
		{"andAll all true", `{"andAll":[{"equals":{"key":"team","value":"search"}},{"greaterThan":{"key":"year","value":2020}}]}`, true},
		{"andAll one false", `{"andAll":[{"equals":{"key":"team","value":"search"}},{"greaterThan":{"key":"year","value":2024}}]}`, false},
		{"orAll one true", `{"orAll":[{"equals":{"key":"team","value":"ops"}},{"listContains":{"key":"tags","value":"go"}}]}`, true},
		{"orAll none true", `{"orAll":[{"equals":{"key":"team","value":"ops"}},{"listContains":{"key":"tags","value":"rust"}}]}`, false},
		{"nested", `{"andAll":[{"orAll":[{"equals":{"key":"team","value":"ops"}},{"startsWith":{"key":"path","value":"guides"}}]},{"notEquals":{"key":"draft","value":true}}]}`, true},
		{"null filter", `null`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFilter([]byte(tt.filter))
			if err != nil {
				t.Fatalf("ParseFilter(%s): %v", tt.filter, err)
			}
			if got := f.Match(meta); got != tt.want {
				t.Errorf("Match(%s) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}
