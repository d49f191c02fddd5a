package kb

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzParseFilter feeds arbitrary bytes to the RetrievalFilter parser. It
// must never panic; it either refuses the input with ErrInvalidArgument or
// returns a filter whose JSON form parses back to the same filter (so what
// reaches Bedrock or the local evaluator is exactly what was validated).
// Seeds: testdata/fuzz/FuzzParseFilter. Run briefly with
//
//	go test -run='^$' -fuzz=FuzzParseFilter -fuzztime=10s ./internal/kb
func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		`{"equals":{"key":"team","value":"search"}}`,
		`{"andAll":[{"equals":{"key":"a","value":1}},{"greaterThan":{"key":"year","value":2020}}]}`,
		`{"orAll":[{"in":{"key":"k","value":["x","y"]}},{"startsWith":{"key":"p","value":"doc"}}]}`,
		`{"listContains":{"key":"tags","value":"go"}}`,
		`{"notIn":{"key":"k","value":[1,2,3e400]}}`,
		`{"equals":{"key":"k"}}`,
		`{"equals":{"key":"k","value":null}}`,
		`{"andAll":[{"equals":{"key":"a","value":1}}]}`,
		`[]`, `null`, `{}`, `"x"`, `{"equals":1,"notEquals":2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		filter, err := ParseFilter(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("error %v does not wrap ErrInvalidArgument", err)
			}
			return
		}
		if filter == nil {
			return
		}
		out, err := json.Marshal(filter)
		if err != nil {
			t.Fatalf("a parsed filter does not marshal: %v", err)
		}
		again, err := ParseFilter(out)
		if err != nil {
			t.Fatalf("the JSON of a parsed filter does not parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(filter, again) {
			t.Fatalf("round trip changed the filter:\n%#v\n%#v", filter, again)
		}
	})
}
