package kb

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseFilterValid(t *testing.T) {
	tests := []string{
		`{"equals":{"key":"team","value":"search"}}`,
		`{"notEquals":{"key":"draft","value":true}}`,
		`{"greaterThan":{"key":"year","value":2020}}`,
		`{"greaterThanOrEquals":{"key":"year","value":2020.5}}`,
		`{"lessThan":{"key":"year","value":2030}}`,
		`{"lessThanOrEquals":{"key":"year","value":2030}}`,
		`{"in":{"key":"lang","value":["go","rust"]}}`,
		`{"notIn":{"key":"lang","value":["cobol"]}}`,
		`{"startsWith":{"key":"path","value":"docs/"}}`,
		`{"listContains":{"key":"tags","value":"aws"}}`,
		`{"stringContains":{"key":"title","value":"deploy"}}`,
		`{"andAll":[{"equals":{"key":"a","value":1}},{"orAll":[{"equals":{"key":"b","value":"x"}},{"equals":{"key":"b","value":"y"}}]}]}`,
	}
	for _, in := range tests {
		f, err := ParseFilter([]byte(in))
		if err != nil {
			t.Errorf("ParseFilter(%s): %v", in, err)
			continue
		}
		// The JSON form round-trips to Bedrock's shape.
		out, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		_ = json.Unmarshal([]byte(in), &a)
		_ = json.Unmarshal(out, &b)
		if ja, jb := mustJSON(a), mustJSON(b); ja != jb {
			t.Errorf("round trip %s → %s", ja, jb)
		}
	}
}

func TestParseFilterInvalidNamesTheProblem(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[1]`, "must be an object"},
		{`{"equals":{"key":"a","value":1},"in":{"key":"b","value":[1]}}`, "exactly one operator"},
		{`{"eq":{"key":"a","value":1}}`, `unknown operator "eq"`},
		{`{"equals":{"value":1}}`, "filter.equals.key"},
		{`{"equals":{"key":"team"}}`, `missing value for key "team"`},
		{`{"equals":{"key":"team","value":1,"extra":2}}`, `unexpected field "extra"`},
		{`{"greaterThan":{"key":"year","value":"2020"}}`, `key "year" needs a number`},
		{`{"in":{"key":"lang","value":"go"}}`, `key "lang" needs a list`},
		{`{"startsWith":{"key":"path","value":3}}`, `key "path" needs a string`},
		{`{"listContains":{"key":"tags","value":["a"]}}`, `key "tags" needs a single value`},
		{`{"andAll":[{"equals":{"key":"a","value":1}}]}`, "at least 2 filters"},
		{`{"orAll":{"equals":{"key":"a","value":1}}}`, "must be a list"},
		{`{"andAll":[{"equals":{"key":"a","value":1}},{"bogus":{}}]}`, `filter.andAll[1]: invalid argument: unknown operator "bogus"`},
		{`{"equals":`, "not valid JSON"},
	}
	for _, tt := range tests {
		_, err := ParseFilter([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("ParseFilter(%s) = %v, want ErrInvalidArgument mentioning %q", tt.in, err, tt.want)
		}
	}
}

func TestEmptyFilterIsNil(t *testing.T) {
	for _, in := range []string{``, `null`, `{}`} {
		var f *Filter
		var err error
		if in == `{}` {
			f, err = FilterFromValue(map[string]any{})
		} else {
			f, err = ParseFilter([]byte(in))
		}
		if f != nil || err != nil {
			t.Errorf("%q: got %v, %v; want no filter", in, f, err)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
