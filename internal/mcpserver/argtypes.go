package mcpserver

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

// argumentTypeError finds the first argument whose JSON type the schema
// does not allow and says so in one sentence naming the argument and the
// type it must be: `argument "max_results" must be an integer, not a
// string ("ten")`. It returns nil when every typed argument has its type,
// leaving other problems to the schema validator.
func argumentTypeError(schema *jsonschema.Schema, args map[string]any) error {
	if schema == nil {
		return nil
	}
	return typeMismatch(schema, args, "")
}

func typeMismatch(s *jsonschema.Schema, v any, path string) error {
	if s == nil {
		return nil
	}
	types := s.Types
	if s.Type != "" {
		types = []string{s.Type}
	}
	if path != "" && len(types) > 0 && !hasJSONType(v, types) {
		return fmt.Errorf("argument %q must be %s, not %s", path, typeNames(types), describeValue(v))
	}
	switch x := v.(type) {
	case map[string]any:
		for name, prop := range s.Properties {
			val, ok := x[name]
			if !ok {
				continue
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			if err := typeMismatch(prop, val, p); err != nil {
				return err
			}
		}
	case []any:
		for i, item := range x {
			if err := typeMismatch(s.Items, item, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func hasJSONType(v any, types []string) bool {
	for _, t := range types {
		switch x := v.(type) {
		case nil:
			if t == "null" {
				return true
			}
		case bool:
			if t == "boolean" {
				return true
			}
		case string:
			if t == "string" {
				return true
			}
		case float64:
			if t == "number" || (t == "integer" && x == math.Trunc(x) && !math.IsInf(x, 0)) {
				return true
			}
		case json.Number:
			if t == "number" {
				return true
			}
			if _, err := x.Int64(); err == nil && t == "integer" {
				return true
			}
			if f, err := x.Float64(); err == nil && t == "integer" && f == math.Trunc(f) {
				return true
			}
		case map[string]any:
			if t == "object" {
				return true
			}
		case []any:
			if t == "array" {
				return true
			}
		default:
			return true // a type this check does not know: the validator decides
		}
	}
	return false
}

// typeNames writes JSON Schema types as words: "an integer", "a string or
// null".
func typeNames(types []string) string {
	// null last: "a list or null" reads better than "null or a list".
	types = append(slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == "null" }),
		slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t != "null" })...)
	words := make([]string, len(types))
	for i, t := range types {
		switch t {
		case "integer":
			words[i] = "an integer"
		case "number":
			words[i] = "a number"
		case "string":
			words[i] = "a string"
		case "boolean":
			words[i] = "true or false"
		case "array":
			words[i] = "a list"
		case "object":
			words[i] = "an object"
		case "null":
			words[i] = "null"
		default:
			words[i] = t
		}
	}
	return strings.Join(words, " or ")
}

// describeValue names what was sent: `a string ("ten")`, "null", "1.5".
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("%v", x)
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("a string (%q)", x)
	case float64, json.Number:
		return fmt.Sprintf("%v", x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}
