package kb

import (
	"encoding/json"
	"strings"
)

// Match reports whether a document or chunk with metadata meta passes f, with
// the semantics Bedrock documents for RetrievalFilter:
//
//   - equals, greaterThan(OrEquals), lessThan(OrEquals), in, startsWith,
//     listContains and stringContains need the key to be present;
//   - notEquals and notIn also match when the key is absent;
//   - numbers compare as numbers whatever their Go type (int, float64,
//     json.Number), strings compare exactly (case-sensitive), and a number
//     never equals a string;
//   - listContains matches a list attribute that has the value as a member;
//     stringContains matches a string attribute that contains the value, or a
//     list attribute with a member that does;
//   - andAll needs every sub-filter, orAll at least one.
//
// A nil filter matches everything.
func (f *Filter) Match(meta map[string]any) bool {
	if f == nil {
		return true
	}
	switch f.Op {
	case OpAndAll:
		for _, sub := range f.Filters {
			if !sub.Match(meta) {
				return false
			}
		}
		return true
	case OpOrAll:
		for _, sub := range f.Filters {
			if sub.Match(meta) {
				return true
			}
		}
		return false
	}
	got, present := meta[f.Key]
	if present {
		got = normalizeMeta(got)
	}
	switch f.Op {
	case OpNotEquals:
		return !present || !equalValues(got, f.Value)
	case OpNotIn:
		return !present || !memberOf(got, f.Value)
	}
	if !present {
		return false
	}
	switch f.Op {
	case OpEquals:
		return equalValues(got, f.Value)
	case OpGreaterThan, OpGreaterThanOrEquals, OpLessThan, OpLessThanOrEquals:
		a, ok1 := got.(float64)
		b, ok2 := f.Value.(float64)
		if !ok1 || !ok2 {
			return false
		}
		switch f.Op {
		case OpGreaterThan:
			return a > b
		case OpGreaterThanOrEquals:
			return a >= b
		case OpLessThan:
			return a < b
		default:
			return a <= b
		}
	case OpIn:
		return memberOf(got, f.Value)
	case OpStartsWith:
		s, ok1 := got.(string)
		prefix, ok2 := f.Value.(string)
		return ok1 && ok2 && strings.HasPrefix(s, prefix)
	case OpListContains:
		list, ok := got.([]any)
		if !ok {
			return false
		}
		for _, item := range list {
			if equalValues(item, f.Value) {
				return true
			}
		}
		return false
	case OpStringContains:
		sub, ok := f.Value.(string)
		if !ok {
			return false
		}
		switch x := got.(type) {
		case string:
			return strings.Contains(x, sub)
		case []any:
			for _, item := range x {
				if s, ok := item.(string); ok && strings.Contains(s, sub) {
					return true
				}
			}
		}
		return false
	}
	return false
}

// memberOf reports whether got equals one member of list (a []any).
func memberOf(got, list any) bool {
	items, ok := list.([]any)
	if !ok {
		return false
	}
	for _, item := range items {
		if equalValues(got, item) {
			return true
		}
	}
	return false
}

// equalValues compares two normalized metadata values: numbers by value,
// strings and booleans exactly, lists element by element.
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// normalizeMeta brings a metadata value to the types a Filter holds: every
// number becomes float64, every list []any.
func normalizeMeta(v any) any {
	switch x := v.(type) {
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
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeMeta(e)
		}
		return out
	}
	return v
}
