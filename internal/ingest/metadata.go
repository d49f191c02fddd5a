package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// splitFrontMatter separates a YAML front matter block ("---" lines at the
// very start) from the Markdown body and returns it as flat metadata. A
// block that is never closed or is not valid YAML gives a warning, no
// metadata, and the body (the whole file when the block is never closed,
// since its end cannot be told).
func splitFrontMatter(content []byte) (map[string]any, []byte, *Warning) {
	rest, ok := cutLine(content, "---")
	if !ok {
		return nil, content, nil
	}
	end := -1
	for i := 0; i < len(rest); {
		j := bytes.IndexByte(rest[i:], '\n')
		line := rest[i:]
		next := len(rest)
		if j >= 0 {
			line = rest[i : i+j]
			next = i + j + 1
		}
		if t := strings.TrimRight(string(line), "\r \t"); t == "---" || t == "..." {
			end = i
			content = rest[next:]
			break
		}
		i = next
	}
	if end < 0 {
		return nil, content, &Warning{Line: 1, Message: "front matter opened with --- is never closed; indexed the whole file as text, without metadata"}
	}
	var raw map[string]any
	if err := yaml.Unmarshal(rest[:end], &raw); err != nil {
		line, msg := yamlErrorAt(err, 1)
		return nil, content, &Warning{Line: line, Message: "front matter is not valid YAML (" + msg + "); indexed the body without metadata"}
	}
	meta := map[string]any{}
	if err := flatten(meta, "", raw); err != nil {
		return nil, content, &Warning{Line: 1, Message: "front matter " + err.Error() + "; indexed the body without metadata"}
	}
	return meta, content, nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlErrorAt turns a YAML error into the file line it names and a one-line
// message, for YAML that starts after offset lines of the file.
func yamlErrorAt(err error, offset int) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.Join(strings.Fields(msg), " ")
	first := 0
	msg = yamlLine.ReplaceAllStringFunc(msg, func(m string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(m, "line "))
		if first == 0 {
			first = n + offset
		}
		return "line " + strconv.Itoa(n+offset)
	})
	if first == 0 {
		first = offset + 1
	}
	msg = strings.TrimPrefix(msg, "line "+strconv.Itoa(first)+": ")
	return first, msg
}

// cutLine returns what follows the first line of b when that line is want.
func cutLine(b []byte, want string) ([]byte, bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, false
	}
	if strings.TrimRight(string(b[:i]), "\r \t") != want {
		return nil, false
	}
	return b[i+1:], true
}

// flatten stores YAML values as metadata: scalars as string, float64 or
// bool, lists of scalars as []any, dates as "2006-01-02" (or RFC 3339 with a
// time of day), nested maps as dotted keys ("author.name"). A number that
// JSON cannot carry (.inf, .nan) is refused: every answer holding the
// document's metadata would fail to encode.
func flatten(dst map[string]any, prefix string, v any) error {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			if err := flatten(dst, key, x[k]); err != nil {
				return err
			}
		}
	default:
		if prefix == "" {
			return nil
		}
		if val, ok := scalar(x); ok {
			if err := finite(val); err != nil {
				return fmt.Errorf("key %q: %w", prefix, err)
			}
			dst[prefix] = val
			return nil
		}
		if list, ok := x.([]any); ok {
			out := make([]any, 0, len(list))
			for _, item := range list {
				if val, ok := scalar(item); ok {
					if err := finite(val); err != nil {
						return fmt.Errorf("key %q: %w", prefix, err)
					}
					out = append(out, val)
				} else {
					b, err := json.Marshal(item)
					if err != nil {
						return fmt.Errorf("key %q: a list item JSON cannot hold: %w", prefix, err)
					}
					out = append(out, string(b))
				}
			}
			dst[prefix] = out
		}
	}
	return nil
}

// finite refuses the float64 values JSON has no number for.
func finite(v any) error {
	if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
		return fmt.Errorf("%v is not a finite number; metadata numbers must be finite (write it as a string to keep it)", f)
	}
	return nil
}

func scalar(v any) (any, bool) {
	switch x := v.(type) {
	case string, bool, float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02"), true
		}
		return x.Format(time.RFC3339), true
	}
	return nil, false
}

// ParseSidecar parses a Bedrock Knowledge Bases metadata file:
//
//	{"metadataAttributes": {"team": "search", "year": 2024,
//	  "tags": {"value": {"type": "STRING_LIST", "stringListValue": ["a", "b"]}, "includeForEmbedding": true}}}
//
// Each attribute is a plain JSON value or Bedrock's typed form (type
// STRING, NUMBER, BOOLEAN or STRING_LIST).
func ParseSidecar(data []byte) (map[string]any, error) {
	var doc struct {
		MetadataAttributes map[string]json.RawMessage `json:"metadataAttributes"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if doc.MetadataAttributes == nil {
		return nil, fmt.Errorf(`no "metadataAttributes" object; the format is {"metadataAttributes": {"key": "value"}}`)
	}
	out := make(map[string]any, len(doc.MetadataAttributes))
	for key, raw := range doc.MetadataAttributes {
		v, err := sidecarValue(raw)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %v", key, err)
		}
		out[key] = v
	}
	return out, nil
}

func sidecarValue(raw json.RawMessage) (any, error) {
	var typed struct {
		Value *struct {
			Type            string       `json:"type"`
			StringValue     *string      `json:"stringValue"`
			NumberValue     *json.Number `json:"numberValue"`
			BooleanValue    *bool        `json:"booleanValue"`
			StringListValue []string     `json:"stringListValue"`
		} `json:"value"`
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&typed); err != nil {
			return nil, fmt.Errorf("typed value: %v", err)
		}
		if typed.Value == nil {
			return nil, fmt.Errorf(`an object must be Bedrock's typed form {"value": {"type": "STRING", "stringValue": "…"}}`)
		}
		tv := typed.Value
		switch strings.ToUpper(tv.Type) {
		case "STRING":
			if tv.StringValue == nil {
				return nil, fmt.Errorf("type STRING needs stringValue")
			}
			return *tv.StringValue, nil
		case "NUMBER":
			if tv.NumberValue == nil {
				return nil, fmt.Errorf("type NUMBER needs numberValue")
			}
			f, err := tv.NumberValue.Float64()
			if err == nil {
				err = finite(f)
			}
			if err != nil {
				return nil, fmt.Errorf("numberValue: %v", err)
			}
			return f, nil
		case "BOOLEAN":
			if tv.BooleanValue == nil {
				return nil, fmt.Errorf("type BOOLEAN needs booleanValue")
			}
			return *tv.BooleanValue, nil
		case "STRING_LIST":
			list := make([]any, len(tv.StringListValue))
			for i, s := range tv.StringListValue {
				list[i] = s
			}
			return list, nil
		default:
			return nil, fmt.Errorf("unknown type %q (STRING, NUMBER, BOOLEAN or STRING_LIST)", tv.Type)
		}
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	return plainValue(v)
}

func plainValue(v any) (any, error) {
	switch x := v.(type) {
	case string, bool:
		return x, nil
	case json.Number:
		f, err := x.Float64()
		if err == nil {
			err = finite(f)
		}
		if err != nil {
			return nil, fmt.Errorf("number %s: %v", x, err)
		}
		return f, nil
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			val, err := plainValue(item)
			if err != nil {
				return nil, err
			}
			if _, isList := val.([]any); isList {
				return nil, fmt.Errorf("lists of lists are not metadata")
			}
			out[i] = val
		}
		return out, nil
	case nil:
		return nil, fmt.Errorf("null is not a metadata value")
	}
	return nil, fmt.Errorf("unsupported value %T", v)
}
