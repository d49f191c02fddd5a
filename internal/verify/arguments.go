package verify

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// typeName returns the schema's type, the first non-null one of a list.
func typeName(s *jsonschema.Schema) string {
	if s.Type != "" {
		return s.Type
	}
	for _, n := range s.Types {
		if n != "null" {
			return n
		}
	}
	switch {
	case len(s.Properties) > 0:
		return "object"
	case len(s.AnyOf) > 0:
		return typeName(s.AnyOf[0])
	case len(s.OneOf) > 0:
		return typeName(s.OneOf[0])
	}
	return ""
}

// argumentsFor builds arguments for a tool from its input schema: every
// required property gets a plausible value (an example, the default, the
// first enum value, the minimum, "test" for text). simpleadd gets 10 and
// 20 so that its answer can be checked.
func argumentsFor(t *mcp.Tool) (map[string]any, error) {
	raw, err := json.Marshal(t.InputSchema)
	if err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("input schema is not a JSON Schema object: %w", err)
	}
	if t.Name == "simpleadd" {
		return map[string]any{"a": float64(10), "b": float64(20)}, nil
	}
	v, err := valueFor("arguments", &s, true)
	if err != nil {
		return nil, err
	}
	args, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("input schema is of type %q, not object", typeName(&s))
	}
	return args, nil
}

func valueFor(name string, s *jsonschema.Schema, top bool) (any, error) {
	var def any
	if len(s.Default) > 0 {
		if err := json.Unmarshal(s.Default, &def); err != nil {
			return nil, fmt.Errorf("property %q: default: %w", name, err)
		}
	}
	switch {
	case s.Const != nil && *s.Const != nil:
		return *s.Const, nil
	case len(s.Examples) > 0:
		return s.Examples[0], nil
	case def != nil:
		return def, nil
	case len(s.Enum) > 0:
		return s.Enum[0], nil
	}
	switch typeName(s) {
	case "object", "":
		if typeName(s) == "" && !top {
			return nil, fmt.Errorf("property %q has no type to build a value from", name)
		}
		out := map[string]any{}
		req := append([]string(nil), s.Required...)
		sort.Strings(req)
		for _, p := range req {
			ps, ok := s.Properties[p]
			if !ok || ps == nil {
				ps = &jsonschema.Schema{Type: "string"}
			}
			v, err := valueFor(p, ps, false)
			if err != nil {
				return nil, err
			}
			out[p] = v
		}
		return out, nil
	case "string":
		switch s.Format {
		case "uri", "url", "iri":
			return "https://example.com/verify", nil
		case "date-time":
			return "2025-01-01T00:00:00Z", nil
		case "date":
			return "2025-01-01", nil
		case "email":
			return "verify@example.com", nil
		}
		v := "test"
		if s.MinLength != nil && *s.MinLength > len(v) {
			v = fmt.Sprintf("%-*s", *s.MinLength, v)
		}
		return v, nil
	case "integer", "number":
		v := 1.0
		if s.Minimum != nil {
			v = *s.Minimum
		} else if s.Maximum != nil && *s.Maximum < v {
			v = *s.Maximum
		}
		return v, nil
	case "boolean":
		return false, nil
	case "array":
		n := 0
		if s.MinItems != nil {
			n = *s.MinItems
		}
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			item := s.Items
			if item == nil {
				item = &jsonschema.Schema{Type: "string"}
			}
			v, err := valueFor(name, item, false)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case "null":
		return nil, nil
	}
	return nil, fmt.Errorf("property %q has type %q, which the doctor cannot fill in", name, typeName(s))
}
