// Package template checks a CloudFormation template — hand-written or
// synthesized by the CDK or any other tool, JSON or YAML — for the
// deployment pitfalls P1–P9 (docs/troubleshooting.md) statically, before anything is deployed:
// CloudFront's origin protocol policy against the load balancer's listeners,
// viewer protocol policy, allowed methods, cache and CORS policies, the
// target group's health check, task versus execution role permissions,
// security groups open to the world, the declared CPU architecture, and
// stickiness.
package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Template is a parsed CloudFormation template.
type Template struct {
	// Resources by logical ID.
	Resources map[string]*Resource
}

// Resource is one resource of a template.
type Resource struct {
	ID         string
	Type       string
	Properties map[string]any
}

// ParseFile reads and parses a template file.
func ParseFile(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	return t, nil
}

// Parse parses a template in JSON or YAML. YAML short-form intrinsic
// functions (!Ref, !GetAtt, !Sub, ...) become their long forms ({"Ref": …},
// {"Fn::GetAtt": […]}, {"Fn::Sub": …}).
func Parse(data []byte) (*Template, error) {
	var doc any
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty file")
	}
	if trimmed[0] == '{' {
		if err := json.Unmarshal(trimmed, &doc); err != nil {
			return nil, fmt.Errorf("parsing JSON: %w", err)
		}
	} else {
		var node yaml.Node
		if err := yaml.Unmarshal(data, &node); err != nil {
			return nil, fmt.Errorf("parsing YAML: %w", err)
		}
		v, err := fromNode(&node)
		if err != nil {
			return nil, fmt.Errorf("parsing YAML: %w", err)
		}
		doc = v
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("not a CloudFormation template: the top level is not a mapping")
	}
	rawRes, ok := root["Resources"].(map[string]any)
	if !ok || len(rawRes) == 0 {
		return nil, errors.New("not a CloudFormation template: no Resources section")
	}
	t := &Template{Resources: make(map[string]*Resource, len(rawRes))}
	for id, raw := range rawRes {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s is not a mapping", id)
		}
		typ, _ := m["Type"].(string)
		if typ == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		props, _ := m["Properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		t.Resources[id] = &Resource{ID: id, Type: typ, Properties: props}
	}
	return t, nil
}

// fromNode converts a YAML node to plain Go values, expanding CloudFormation
// short-form tags.
func fromNode(n *yaml.Node) (any, error) {
	var v any
	var err error
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return fromNode(n.Content[0])
	case yaml.AliasNode:
		return fromNode(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if key == "<<" { // merge key
				merged, err := fromNode(n.Content[i+1])
				if err != nil {
					return nil, err
				}
				if mm, ok := merged.(map[string]any); ok {
					for k, val := range mm {
						if _, exists := m[k]; !exists {
							m[k] = val
						}
					}
				}
				continue
			}
			val, err := fromNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[key] = val
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		v = s
	case yaml.ScalarNode:
		if isShortForm(n.Tag) {
			v = n.Value
		} else if err = n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
	}
	if isShortForm(n.Tag) {
		return expandShortForm(n.Tag, v), nil
	}
	return v, nil
}

func isShortForm(tag string) bool {
	return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!")
}

// expandShortForm turns a tagged value into the long-form intrinsic.
func expandShortForm(tag string, v any) any {
	name := strings.TrimPrefix(tag, "!")
	switch name {
	case "Ref":
		return map[string]any{"Ref": v}
	case "Condition":
		return map[string]any{"Condition": v}
	case "GetAtt":
		if s, ok := v.(string); ok {
			id, attr, _ := strings.Cut(s, ".")
			return map[string]any{"Fn::GetAtt": []any{id, attr}}
		}
	}
	return map[string]any{"Fn::" + name: v}
}

// ofType returns the resources of a type, sorted by logical ID.
func (t *Template) ofType(typ string) []*Resource {
	var out []*Resource
	for _, r := range t.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// refTarget returns the logical ID a value refers to through Ref or
// Fn::GetAtt, or "".
func refTarget(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	switch g := m["Fn::GetAtt"].(type) {
	case []any:
		if len(g) > 0 {
			s, _ := g[0].(string)
			return s
		}
	case string:
		id, _, _ := strings.Cut(g, ".")
		return id
	}
	return ""
}

// get walks nested mappings by keys; nil when a key is missing.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// str returns a string value, rendering intrinsics compactly.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool, float64, int:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// list returns a value as a list (a single value becomes a list of one).
func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// strings returns the string items of a list value, lower-cased when lower.
func stringsOf(v any, lower bool) []string {
	var out []string
	for _, item := range list(v) {
		s := str(item)
		if lower {
			s = strings.ToLower(s)
		}
		out = append(out, s)
	}
	return out
}
