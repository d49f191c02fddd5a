package kbtest

import (
	"reflect"
	"slices"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// Match reports whether metadata satisfies f with the semantics Bedrock
// documents for RetrievalFilter: comparisons are type-strict (the string "2"
// is not the number 2), numbers compare as float64, string comparisons are
// case-sensitive; listContains needs a list attribute holding the value;
// stringContains matches a string attribute containing the value, or a list
// attribute with a member that does. A missing key fails every operator but
// notEquals and notIn, which behave as "must not" clauses do in a search
// engine. A nil filter matches everything.
//
// It lives here, not on kb.Filter, because no backend-independent matcher
// exists yet; when one lands in package kb, Match should delegate to it.
func Match(f *kb.Filter, metadata map[string]any) bool {
	if f == nil {
		return true
	}
	switch f.Op {
	case kb.OpAndAll:
		for _, sub := range f.Filters {
			if !Match(sub, metadata) {
				return false
			}
		}
		return true
	case kb.OpOrAll:
		for _, sub := range f.Filters {
			if Match(sub, metadata) {
				return true
			}
		}
		return false
	}
	attr, present := metadata[f.Key]
	attr = normalize(attr)
	want := normalize(f.Value)
	switch f.Op {
	case kb.OpNotEquals:
		return !present || !equal(attr, want)
	case kb.OpNotIn:
		return !present || !inList(attr, want)
	}
	if !present {
		return false
	}
	switch f.Op {
	case kb.OpEquals:
		return equal(attr, want)
	case kb.OpGreaterThan, kb.OpGreaterThanOrEquals, kb.OpLessThan, kb.OpLessThanOrEquals:
		a, ok1 := attr.(float64)
		w, ok2 := want.(float64)
		if !ok1 || !ok2 {
			return false
		}
		switch f.Op {
		case kb.OpGreaterThan:
			return a > w
		case kb.OpGreaterThanOrEquals:
			return a >= w
		case kb.OpLessThan:
			return a < w
		default:
			return a <= w
		}
	case kb.OpIn:
		return inList(attr, want)
	case kb.OpStartsWith:
		a, ok1 := attr.(string)
		w, ok2 := want.(string)
		return ok1 && ok2 && strings.HasPrefix(a, w)
	case kb.OpListContains:
		list, ok := attr.([]any)
		return ok && slices.ContainsFunc(list, func(e any) bool { return equal(e, want) })
	case kb.OpStringContains:
		w, ok := want.(string)
		if !ok {
			return false
		}
		switch a := attr.(type) {
		case string:
			return strings.Contains(a, w)
		case []any:
			return slices.ContainsFunc(a, func(e any) bool {
				s, ok := e.(string)
				return ok && strings.Contains(s, w)
			})
		}
	}
	return false
}

func inList(attr, list any) bool {
	l, ok := list.([]any)
	return ok && slices.ContainsFunc(l, func(e any) bool { return equal(attr, e) })
}

func equal(a, b any) bool {
	switch a.(type) {
	case string, float64, bool:
		return a == b
	}
	return reflect.DeepEqual(a, b)
}

// normalize gives Go values built in tests the JSON types a decoded document
// has: every number float64, every list []any.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}
