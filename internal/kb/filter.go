package kb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Filter operators, spelled as in Bedrock's RetrievalFilter JSON.
const (
	OpEquals              = "equals"
	OpNotEquals           = "notEquals"
	OpGreaterThan         = "greaterThan"
	OpGreaterThanOrEquals = "greaterThanOrEquals"
	OpLessThan            = "lessThan"
	OpLessThanOrEquals    = "lessThanOrEquals"
	OpIn                  = "in"
	OpNotIn               = "notIn"
	OpStartsWith          = "startsWith"
	OpListContains        = "listContains"
	OpStringContains      = "stringContains"
	OpAndAll              = "andAll"
	OpOrAll               = "orAll"
)

var comparisonOps = []string{
	OpEquals, OpNotEquals, OpGreaterThan, OpGreaterThanOrEquals, OpLessThan,
	OpLessThanOrEquals, OpIn, OpNotIn, OpStartsWith, OpListContains, OpStringContains,
}

// Filter is a metadata filter in the shape of Bedrock's RetrievalFilter: either
// one comparison (Op, Key, Value) or a combination (Op andAll/orAll, Filters).
// Its JSON form is exactly Bedrock's, e.g.
//
//	{"andAll":[{"equals":{"key":"team","value":"search"}},{"greaterThan":{"key":"year","value":2020}}]}
type Filter struct {
	Op      string
	Key     string
	Value   any // string, float64, bool or []any, as decoded from JSON
	Filters []*Filter
}

// Limits on one filter. A filter is evaluated against every candidate
// passage, so its size is the cost of a search: these bound it well above
// what a person or an agent writes (Bedrock itself allows at most 5 filters
// in an andAll or orAll).
const (
	// MaxFilterOperators bounds the operators in a filter, comparisons and
	// andAll/orAll alike.
	MaxFilterOperators = 64
	// MaxFilterDepth bounds how deeply andAll/orAll nest.
	MaxFilterDepth = 8
	// MaxFilterListValues bounds the values of one in/notIn list.
	MaxFilterListValues = 256
	// MaxFilterBytes bounds the size of a filter: its JSON text, or the
	// keys and values of an already decoded one.
	MaxFilterBytes = 16 << 10
)

// ParseFilter parses and validates a RetrievalFilter JSON document. Errors
// wrap ErrInvalidArgument and name the offending operator or key.
func ParseFilter(data []byte) (*Filter, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return nil, nil
	}
	if len(data) > MaxFilterBytes {
		return nil, fmt.Errorf("filter: %w: %d bytes, more than the %d a filter may have; use fewer or shorter conditions", ErrInvalidArgument, len(data), MaxFilterBytes)
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("filter: %w: not valid JSON: %v", ErrInvalidArgument, err)
	}
	return FilterFromValue(raw)
}

// FilterFromValue builds a Filter from an already decoded JSON value (as an
// MCP tool receives it). An empty object or nil means no filter.
func FilterFromValue(v any) (*Filter, error) {
	if v == nil {
		return nil, nil
	}
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		return nil, nil
	}
	b := &filterBudget{}
	return b.parse(normalizeNumbers(v), "filter", 1)
}

// filterBudget counts what a filter has used of the limits while it is
// parsed.
type filterBudget struct {
	ops, bytes int
}

// charge counts one operator of key and value, and refuses the filter when
// a limit is passed.
func (b *filterBudget) charge(path string, depth int, key string, value any) error {
	b.ops++
	if b.ops > MaxFilterOperators {
		return fmt.Errorf("%s: %w: more than %d operators in one filter; use in/notIn for many values of one key, or several searches", path, ErrInvalidArgument, MaxFilterOperators)
	}
	if depth > MaxFilterDepth {
		return fmt.Errorf("%s: %w: andAll/orAll nested more than %d deep", path, ErrInvalidArgument, MaxFilterDepth)
	}
	b.bytes += len(key) + valueBytes(value)
	if b.bytes > MaxFilterBytes {
		return fmt.Errorf("%s: %w: the filter's keys and values pass %d bytes, the most a filter may have; use fewer or shorter conditions", path, ErrInvalidArgument, MaxFilterBytes)
	}
	return nil
}

// valueBytes approximates a decoded JSON value's size in bytes.
func valueBytes(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 2
	case []any:
		n := 2
		for _, e := range x {
			n += valueBytes(e) + 1
		}
		return n
	case map[string]any:
		n := 2
		for k, e := range x {
			n += len(k) + 3 + valueBytes(e)
		}
		return n
	}
	return 8
}

func (b *filterBudget) parse(v any, path string, depth int) (*Filter, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %w: must be an object with one operator such as {\"equals\":{\"key\":\"k\",\"value\":\"v\"}}", path, ErrInvalidArgument)
	}
	if len(obj) != 1 {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if len(keys) > 5 {
			keys = append(keys[:5], "…")
		}
		for i := range keys {
			keys[i] = Excerpt(keys[i])
		}
		return nil, fmt.Errorf("%s: %w: must have exactly one operator, got %d (%s)", path, ErrInvalidArgument, len(obj), strings.Join(keys, ", "))
	}
	for op, arg := range obj {
		switch {
		case op == OpAndAll || op == OpOrAll:
			list, ok := arg.([]any)
			if !ok {
				return nil, fmt.Errorf("%s.%s: %w: must be a list of filters", path, op, ErrInvalidArgument)
			}
			if len(list) < 2 {
				return nil, fmt.Errorf("%s.%s: %w: needs at least 2 filters, got %d", path, op, ErrInvalidArgument, len(list))
			}
			if err := b.charge(path+"."+op, depth, "", nil); err != nil {
				return nil, err
			}
			if len(list) > MaxFilterOperators {
				return nil, fmt.Errorf("%s.%s: %w: %d filters, more than the %d operators one filter may have", path, op, ErrInvalidArgument, len(list), MaxFilterOperators)
			}
			f := &Filter{Op: op}
			for i, item := range list {
				sub, err := b.parse(item, fmt.Sprintf("%s.%s[%d]", path, op, i), depth+1)
				if err != nil {
					return nil, err
				}
				f.Filters = append(f.Filters, sub)
			}
			return f, nil
		case slices.Contains(comparisonOps, op):
			f, err := parseComparison(op, arg, path+"."+op)
			if err != nil {
				return nil, err
			}
			if err := b.charge(path+"."+op, depth, f.Key, f.Value); err != nil {
				return nil, err
			}
			return f, nil
		default:
			return nil, fmt.Errorf("%s: %w: unknown operator %q (known: %s, andAll, orAll)", path, ErrInvalidArgument, Excerpt(op), strings.Join(comparisonOps, ", "))
		}
	}
	panic("unreachable")
}

func parseComparison(op string, arg any, path string) (*Filter, error) {
	obj, ok := arg.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %w: must be an object {\"key\":…,\"value\":…}", path, ErrInvalidArgument)
	}
	for k := range obj {
		if k != "key" && k != "value" {
			return nil, fmt.Errorf("%s: %w: unexpected field %q (only \"key\" and \"value\")", path, ErrInvalidArgument, Excerpt(k))
		}
	}
	key, ok := obj["key"].(string)
	if !ok || key == "" {
		return nil, fmt.Errorf("%s.key: %w: must be a non-empty string", path, ErrInvalidArgument)
	}
	value, present := obj["value"]
	if !present || value == nil {
		return nil, fmt.Errorf("%s.value: %w: missing value for key %q", path, ErrInvalidArgument, Excerpt(key))
	}
	switch op {
	case OpGreaterThan, OpGreaterThanOrEquals, OpLessThan, OpLessThanOrEquals:
		if _, ok := value.(float64); !ok {
			return nil, fmt.Errorf("%s.value: %w: key %q needs a number, got %s", path, ErrInvalidArgument, Excerpt(key), describe(value))
		}
	case OpIn, OpNotIn:
		list, ok := value.([]any)
		if !ok {
			return nil, fmt.Errorf("%s.value: %w: key %q needs a list, got %s", path, ErrInvalidArgument, Excerpt(key), describe(value))
		}
		if len(list) > MaxFilterListValues {
			return nil, fmt.Errorf("%s.value: %w: key %q has %d values, more than the %d one list may have", path, ErrInvalidArgument, Excerpt(key), len(list), MaxFilterListValues)
		}
	case OpStartsWith, OpStringContains:
		if _, ok := value.(string); !ok {
			return nil, fmt.Errorf("%s.value: %w: key %q needs a string, got %s", path, ErrInvalidArgument, Excerpt(key), describe(value))
		}
	case OpListContains:
		if _, ok := value.([]any); ok {
			return nil, fmt.Errorf("%s.value: %w: key %q needs a single value, not a list", path, ErrInvalidArgument, Excerpt(key))
		}
	}
	return &Filter{Op: op, Key: key, Value: value}, nil
}

// Excerpt shortens a piece of a client's input for an error message: an
// error names what was wrong without echoing a large input back.
func Excerpt(s string) string {
	const most = 40
	if len(s) <= most {
		return s
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// normalizeNumbers turns json.Number (and Go integer types) into float64 and
// []string into []any, so that every value in a Filter, and every metadata
// value a Filter is matched against, has one type per kind.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case uint:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeNumbers(e)
		}
		return out
	}
	return v
}

// MarshalJSON encodes f in Bedrock's RetrievalFilter shape.
func (f *Filter) MarshalJSON() ([]byte, error) {
	return json.Marshal(f.JSONValue())
}

// JSONValue returns f as plain JSON values (maps and slices) in Bedrock's
// RetrievalFilter shape.
func (f *Filter) JSONValue() map[string]any {
	if f.Op == OpAndAll || f.Op == OpOrAll {
		list := make([]any, len(f.Filters))
		for i, sub := range f.Filters {
			list[i] = sub.JSONValue()
		}
		return map[string]any{f.Op: list}
	}
	return map[string]any{f.Op: map[string]any{"key": f.Key, "value": f.Value}}
}

// UnmarshalJSON parses Bedrock's RetrievalFilter shape with validation.
func (f *Filter) UnmarshalJSON(data []byte) error {
	parsed, err := ParseFilter(data)
	if err != nil {
		return err
	}
	if parsed == nil {
		*f = Filter{}
		return nil
	}
	*f = *parsed
	return nil
}
