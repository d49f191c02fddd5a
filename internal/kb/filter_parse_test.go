package kb

import (
	"encoding/json"
	"errors"
	"fmt"
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

// TestFilterLimits requires a filter beyond a size or operator limit to be
// refused with an error naming the limit, and a large input not to be
// echoed back: a 1 MB filter cost seconds of CPU per search.
func TestFilterLimits(t *testing.T) {
	cmp := func(i int) string { return fmt.Sprintf(`{"equals":{"key":"k%d","value":%d}}`, i, i) }
	join := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = cmp(i)
		}
		return strings.Join(parts, ",")
	}
	nest := func(depth int) string {
		f := cmp(0)
		for range depth {
			f = `{"andAll":[` + f + `,` + cmp(1) + `]}`
		}
		return f
	}
	values := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprint(i)
		}
		return `{"in":{"key":"k","value":[` + strings.Join(parts, ",") + `]}}`
	}
	long := strings.Repeat("x", 20000)
	tests := []struct {
		name, in, want string
	}{
		{"many operators", `{"orAll":[` + join(MaxFilterOperators) + `]}`, "more than 64 operators"},
		{"huge list of filters", `{"orAll":[` + join(5000) + `]}`, "more than the 16384 a filter may have"},
		{"deep nesting", nest(MaxFilterDepth + 1), "nested more than 8 deep"},
		{"long in list", values(MaxFilterListValues + 1), "has 257 values, more than the 256"},
		{"long text", `{"equals":{"key":"k","value":"` + long + `"}}`, "more than the 16384 a filter may have"},
		{"many keys", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}`, "got 7 (a, b, c, d, e, …)"},
		{"long operator", `{"` + strings.Repeat("o", 500) + `":{}}`, `unknown operator "oooooooooooooooooooooooooooooooooooooooo…"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFilter([]byte(tt.in))
			if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error is %d bytes long; it must not echo the input", len(err.Error()))
			}
		})
	}
	// The same limits hold for a filter the MCP tool receives decoded.
	var v any
	if err := json.Unmarshal([]byte(`{"equals":{"key":"k","value":"`+long+`"}}`), &v); err != nil {
		t.Fatal(err)
	}
	if _, err := FilterFromValue(v); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "16384 bytes") {
		t.Errorf("FilterFromValue of a long value: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"orAll":[`+join(5000)+`]}`), &v); err != nil {
		t.Fatal(err)
	}
	if _, err := FilterFromValue(v); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "5000 filters, more than the 64") {
		t.Errorf("FilterFromValue of 5000 filters: %v", err)
	}
	// Right at the limits a filter is accepted.
	for _, in := range []string{`{"orAll":[` + join(MaxFilterOperators-1) + `]}`, nest(MaxFilterDepth - 1), values(MaxFilterListValues)} {
		if _, err := ParseFilter([]byte(in)); err != nil {
			t.Errorf("filter at the limits refused: %v", err)
		}
	}
}
