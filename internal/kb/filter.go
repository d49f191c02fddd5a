package kb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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

// ParseFilter parses and validates a RetrievalFilter JSON document. Errors
// wrap ErrInvalidArgument and name the offending operator or key.
func ParseFilter(data []byte) (*Filter, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return nil, nil
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
	return parseFilter(normalizeNumbers(v), "filter")
}

func parseFilter(v any, path string) (*Filter, error) {
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
			f := &Filter{Op: op}
			for i, item := range list {
				sub, err := parseFilter(item, fmt.Sprintf("%s.%s[%d]", path, op, i))
				if err != nil {
					return nil, err
				}
				f.Filters = append(f.Filters, sub)
			}
			return f, nil
		case slices.Contains(comparisonOps, op):
			return parseComparison(op, arg, path+"."+op)
		default:
			return nil, fmt.Errorf("%s: %w: unknown operator %q (known: %s, andAll, orAll)", path, ErrInvalidArgument, op, strings.Join(comparisonOps, ", "))
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
			return nil, fmt.Errorf("%s: %w: unexpected field %q (only \"key\" and \"value\")", path, ErrInvalidArgument, k)
		}
	}
	key, ok := obj["key"].(string)
	if !ok || key == "" {
		return nil, fmt.Errorf("%s.key: %w: must be a non-empty string", path, ErrInvalidArgument)
	}
	value, present := obj["value"]
	if !present || value == nil {
		return nil, fmt.Errorf("%s.value: %w: missing value for key %q", path, ErrInvalidArgument, key)
	}
	switch op {
	case OpGreaterThan, OpGreaterThanOrEquals, OpLessThan, OpLessThanOrEquals:
		if _, ok := value.(float64); !ok {
			return nil, fmt.Errorf("%s.value: %w: key %q needs a number, got %s", path, ErrInvalidArgument, key, describe(value))
		}
	case OpIn, OpNotIn:
		if _, ok := value.([]any); !ok {
			return nil, fmt.Errorf("%s.value: %w: key %q needs a list, got %s", path, ErrInvalidArgument, key, describe(value))
		}
	case OpStartsWith, OpStringContains:
		if _, ok := value.(string); !ok {
			return nil, fmt.Errorf("%s.value: %w: key %q needs a string, got %s", path, ErrInvalidArgument, key, describe(value))
		}
	case OpListContains:
		if _, ok := value.([]any); ok {
			return nil, fmt.Errorf("%s.value: %w: key %q needs a single value, not a list", path, ErrInvalidArgument, key)
		}
	}
	return &Filter{Op: op, Key: key, Value: value}, nil
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
