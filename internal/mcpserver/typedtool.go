package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	segjson "github.com/segmentio/encoding/json"
)

// addTool registers a typed tool as mcp.AddTool does: the same schemas
// inferred from In and Out, the same validation of the arguments with the
// same error texts, the same structuredContent and the same handling of
// handler errors. It differs in what it does not repeat on every call:
//
//   - The result is not validated against the output schema. Out is one of
//     this package's own types, from which that schema is inferred, and
//     TestToolOutputsMatchSchemas validates every tool's results in tests.
//     mcp.AddTool re-parses the marshaled result into a map, validates it
//     and marshals it again, on every call.
//   - The arguments are parsed into a map and validated, as by mcp.AddTool,
//     but when the input schema sets no defaults they are then decoded into
//     In from the request's own bytes, not from a re-marshaled copy of the
//     map; only if In rejects them as written (1e2 for an integer) does the
//     copy get made. The one difference: integers beyond 2^53 keep their
//     exact value instead of passing through float64.
//   - structuredContent keeps Out's field order; mcp.AddTool sorts the keys
//     (it re-marshals a map). The text fallback is sorted as before. When the
//     handler set its own content and Out is a plain struct, the value itself
//     goes into structuredContent and is encoded once, with the response;
//     mcp.AddTool encodes it, and the SDK then re-compacts those bytes.
//
// Under load, mcp.AddTool's repeated marshaling and validation were about
// a tenth of a simple tools/call's CPU (docs/performance.md).
func addTool[In, Out any](server *mcp.Server, t *mcp.Tool, h mcp.ToolHandlerFor[In, Out]) {
	tool, handler, err := typedTool(t, h)
	if err != nil {
		panic(fmt.Sprintf("addTool %q: %v", t.Name, err))
	}
	server.AddTool(tool, handler)
}

// typedTool returns the tool, with its schemas, and the raw handler that
// addTool registers.
func typedTool[In, Out any](t *mcp.Tool, h mcp.ToolHandlerFor[In, Out]) (*mcp.Tool, mcp.ToolHandler, error) {
	tool := *t
	outType := reflect.TypeFor[Out]()
	if outType.Kind() == reflect.Pointer {
		return nil, nil, fmt.Errorf("output type %v is a pointer; use the value type", outType)
	}
	inSchema, err := schemaFor[In](t.InputSchema)
	if err != nil {
		return nil, nil, fmt.Errorf("input schema: %w", err)
	}
	in, err := inSchema.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
	if err != nil {
		return nil, nil, fmt.Errorf("input schema: %w", err)
	}
	tool.InputSchema = inSchema
	if t.OutputSchema == nil && outType != reflect.TypeFor[any]() {
		outSchema, err := schemaFor[Out](nil)
		if err != nil {
			return nil, nil, fmt.Errorf("output schema: %w", err)
		}
		tool.OutputSchema = outSchema
	}
	hasDefaults := schemaHasDefaults(inSchema)
	// A struct without its own MarshalJSON always encodes as an object.
	plainObject := outType.Kind() == reflect.Struct && !outType.Implements(reflect.TypeFor[json.Marshaler]())

	handler := func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		args := req.Params.Arguments
		var input In
		if err := decodeArguments(args, in, inSchema, hasDefaults, &input); err != nil {
			var res mcp.CallToolResult
			res.SetError(err)
			return &res, nil
		}
		res, out, err := h(ctx, req, input)
		if err != nil {
			if wireErr, ok := err.(*jsonrpc.Error); ok {
				return nil, wireErr
			}
			var res mcp.CallToolResult
			res.SetError(err)
			return &res, nil
		}
		if res == nil {
			res = &mcp.CallToolResult{}
		}
		if tool.OutputSchema == nil || res.InputRequests != nil {
			return res, nil
		}
		if res.Content != nil && plainObject {
			// Encoded once, with the response: no bytes to re-compact.
			res.StructuredContent = out
			return res, nil
		}
		structured, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("marshaling output: %w", err)
		}
		res.StructuredContent = json.RawMessage(structured)
		if res.Content == nil || len(structured) == 0 || structured[0] != '{' {
			// The text fallback for clients without structuredContent, with
			// object keys sorted, as mcp.AddTool writes it.
			text, err := sortedJSON(structured)
			if err != nil {
				return nil, fmt.Errorf("marshaling output: %w", err)
			}
			res.Content = append(res.Content, &mcp.TextContent{Text: text})
		}
		return res, nil
	}
	return &tool, handler, nil
}

// decodeArguments validates args against the resolved input schema and
// decodes them into input, with mcp.AddTool's error texts, except that an
// argument of the wrong type is named in one sentence with the type it
// must be (see argumentTypeError).
func decodeArguments(args json.RawMessage, resolved *jsonschema.Resolved, schema *jsonschema.Schema, hasDefaults bool, input any) error {
	m := make(map[string]any)
	if len(args) > 0 {
		if _, err := segjson.Parse(args, &m, segjson.DontMatchCaseInsensitiveStructFields); err != nil {
			return fmt.Errorf("validating \"arguments\": unmarshaling arguments: %w", err)
		}
	}
	var instance any = m
	if hasDefaults {
		if err := resolved.ApplyDefaults(&instance); err != nil {
			return fmt.Errorf("validating \"arguments\": applying schema defaults:\n%w", err)
		}
	}
	if err := resolved.Validate(&instance); err != nil {
		if typeErr := argumentTypeError(schema, m); typeErr != nil {
			return typeErr
		}
		return fmt.Errorf("validating \"arguments\": %w", err)
	}
	if !hasDefaults {
		if len(args) == 0 {
			return nil
		}
		if _, err := segjson.Parse(args, input, segjson.DontMatchCaseInsensitiveStructFields); err == nil {
			return nil
		}
		// A valid value the struct rejects as written, such as 1e2 for an
		// integer: decode the re-marshaled map, as mcp.AddTool does.
	}
	remarshaled, err := json.Marshal(instance)
	if err != nil {
		return fmt.Errorf("validating \"arguments\": marshalling with defaults: %v", err)
	}
	if _, err := segjson.Parse(remarshaled, input, segjson.DontMatchCaseInsensitiveStructFields); err != nil {
		return argumentError(err)
	}
	return nil
}

// argumentError says, in the client's terms, why a valid JSON value does
// not fit the argument it was given for (an integer beyond the Go type's
// range): the decoder's error names Go types and quotes the input.
func argumentError(err error) error {
	var typeErr *segjson.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Errorf("argument %q: %s is out of range for this %s argument", typeErr.Field, excerpt(strings.Trim(typeErr.Value, `"`), 40), jsonKind(typeErr.Type.Kind()))
	}
	return errors.New("the arguments do not fit the tool's input schema")
}

// jsonKind names a Go kind as JSON Schema does.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	}
	return "value of this type"
}

// sortedJSON re-encodes a JSON value with the keys of its objects sorted.
func sortedJSON(data []byte) (string, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// schemaFor returns the schema given, or the one inferred from T as
// mcp.AddTool infers it.
func schemaFor[T any](given any) (*jsonschema.Schema, error) {
	if given != nil {
		s, ok := given.(*jsonschema.Schema)
		if !ok || s == nil {
			return nil, fmt.Errorf("want a *jsonschema.Schema, have %T", given)
		}
		return s, nil
	}
	rt := reflect.TypeFor[T]()
	if rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	return jsonschema.ForType(rt, &jsonschema.ForOptions{})
}

// schemaHasDefaults reports whether s or any schema inside it may set a
// default value. A property named "default" also counts: it only sends the
// arguments through mcp.AddTool's exact path.
func schemaHasDefaults(s *jsonschema.Schema) bool {
	b, err := json.Marshal(s)
	return err != nil || bytes.Contains(b, []byte(`"default":`))
}
