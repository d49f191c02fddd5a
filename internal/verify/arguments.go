package verify

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// schema is the part of a JSON Schema the doctor needs to build arguments.
type schema struct {
	Type       any                `json:"type"`
	Properties map[string]*schema `json:"properties"`
	Required   []string           `json:"required"`
	Enum       []any              `json:"enum"`
	Const      any                `json:"const"`
	Default    any                `json:"default"`
	Examples   []any              `json:"examples"`
	Minimum    *float64           `json:"minimum"`
	Maximum    *float64           `json:"maximum"`
	MinLength  *int               `json:"minLength"`
	MinItems   *int               `json:"minItems"`
	Items      *schema            `json:"items"`
	Format     string             `json:"format"`
	AnyOf      []*schema          `json:"anyOf"`
	OneOf      []*schema          `json:"oneOf"`
}

// typeName returns the schema's type, the first non-null one of a list.
func (s *schema) typeName() string {
	switch t := s.Type.(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if n, ok := v.(string); ok && n != "null" {
				return n
			}
		}
	}
	switch {
	case len(s.Properties) > 0:
		return "object"
	case len(s.AnyOf) > 0:
		return s.AnyOf[0].typeName()
	case len(s.OneOf) > 0:
		return s.OneOf[0].typeName()
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
	var s schema
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
		return nil, fmt.Errorf("input schema is of type %q, not object", s.typeName())
	}
	return args, nil
}

func valueFor(name string, s *schema, top bool) (any, error) {
	switch {
	case s.Const != nil:
		return s.Const, nil
	case len(s.Examples) > 0:
		return s.Examples[0], nil
	case s.Default != nil:
		return s.Default, nil
	case len(s.Enum) > 0:
		return s.Enum[0], nil
	}
	switch s.typeName() {
	case "object", "":
		if s.typeName() == "" && !top {
			return nil, fmt.Errorf("property %q has no type to build a value from", name)
		}
		out := map[string]any{}
		req := append([]string(nil), s.Required...)
		sort.Strings(req)
		for _, p := range req {
			ps, ok := s.Properties[p]
			if !ok || ps == nil {
				ps = &schema{Type: "string"}
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
				item = &schema{Type: "string"}
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
	return nil, fmt.Errorf("property %q has type %q, which the doctor cannot fill in", name, s.typeName())
}
