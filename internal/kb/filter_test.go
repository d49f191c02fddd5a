package kb

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		name, filter string
		mention      string // the error must name this
	}{
		{"not json", `{"equals":`, "not valid JSON"},
		{"not an object", `[1,2]`, "must be an object"},
		{"two operators", `{"equals":{"key":"a","value":1},"in":{"key":"b","value":[1]}}`, "exactly one operator"},
		{"unknown operator", `{"like":{"key":"a","value":"x"}}`, `"like"`},
		{"missing key", `{"equals":{"value":"x"}}`, "filter.equals.key"},
		{"missing value names key", `{"equals":{"key":"team"}}`, `"team"`},
		{"extra field", `{"equals":{"key":"a","value":1,"vlaue":2}}`, `"vlaue"`},
		{"greaterThan needs number", `{"greaterThan":{"key":"year","value":"2020"}}`, `key "year" needs a number`},
		{"in needs list", `{"in":{"key":"team","value":"ops"}}`, `key "team" needs a list`},
		{"startsWith needs string", `{"startsWith":{"key":"path","value":3}}`, "needs a string"},
		{"listContains single value", `{"listContains":{"key":"tags","value":["a"]}}`, "single value"},
		{"andAll needs two", `{"andAll":[{"equals":{"key":"a","value":1}}]}`, "at least 2"},
		{"andAll needs list", `{"andAll":{"equals":{"key":"a","value":1}}}`, "list of filters"},
		{"nested path", `{"orAll":[{"equals":{"key":"a","value":1}},{"lessThan":{"key":"n","value":true}}]}`, "filter.orAll[1].lessThan.value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFilter([]byte(tt.filter))
			if err == nil {
				t.Fatalf("ParseFilter(%s) succeeded, want an error", tt.filter)
			}
			if !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("error %v does not wrap ErrInvalidArgument", err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestFilterJSONRoundTrip(t *testing.T) {
	in := `{"andAll":[{"equals":{"key":"team","value":"search"}},{"in":{"key":"year","value":[2020,2021]}}]}`
	var f Filter
	if err := json.Unmarshal([]byte(in), &f); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(&f)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip:\n got %s\nwant %s", out, in)
	}
}
