//lint:file-ignore SA1019 the conformance suite exercises logging and sampling, deprecated by SEP-2577 but still specified for 2025-11-25 and older.

package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// This file holds the fixtures that the official MCP conformance suite
// (@modelcontextprotocol/conformance, the server scenarios of the
// 2025-11-25 and 2026-07-28 requirement sets) calls by name: test tools,
// test:// resources, test prompts, completion and subscriptions; those
// only 2026-07-28 needs are in inputrequired.go and stateless.go. They exist only for testing: see the package doc for how
// they are served. Names, texts and shapes follow the suite's scenarios and
// the go-sdk's conformance everything-server.

// conformanceServerOptions sets the server-wide handlers the conformance
// scenarios completion-complete, resources-subscribe and
// resources-unsubscribe need.
func conformanceServerOptions(opts *mcp.ServerOptions) *mcp.ServerOptions {
	opts.CompletionHandler = func(context.Context, *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
		return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{}}}, nil
	}
	// Subscriptions are only acknowledged: a stateless server keeps no
	// session to send resource updates on.
	opts.SubscribeHandler = func(context.Context, *mcp.SubscribeRequest) error { return nil }
	opts.UnsubscribeHandler = func(context.Context, *mcp.UnsubscribeRequest) error { return nil }
	return opts
}

// Minimal media, as in the conformance suite's own example server.
const (
	conformancePNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
	conformanceWAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="
)

func mustBase64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic("conformance fixture media: " + err.Error())
	}
	return b
}

// noInput is the input of fixture tools that take no arguments.
type noInput struct{}

// fixedResult returns a handler that always answers content.
func fixedResult(content ...mcp.Content) mcp.ToolHandlerFor[noInput, any] {
	return func(context.Context, *mcp.CallToolRequest, noInput) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: content}, nil, nil
	}
}

// addConformanceFixtures registers every fixture on server.
func addConformanceFixtures(server *mcp.Server) {
	png, wav := mustBase64(conformancePNG), mustBase64(conformanceWAV)

	mcp.AddTool(server, &mcp.Tool{Name: "test_simple_text", Description: "Conformance fixture: returns a simple text response."},
		fixedResult(&mcp.TextContent{Text: "This is a simple text response for testing."}))
	mcp.AddTool(server, &mcp.Tool{Name: "test_image_content", Description: "Conformance fixture: returns image content."},
		fixedResult(&mcp.ImageContent{Data: png, MIMEType: "image/png"}))
	mcp.AddTool(server, &mcp.Tool{Name: "test_audio_content", Description: "Conformance fixture: returns audio content."},
		fixedResult(&mcp.AudioContent{Data: wav, MIMEType: "audio/wav"}))
	mcp.AddTool(server, &mcp.Tool{Name: "test_embedded_resource", Description: "Conformance fixture: returns an embedded resource."},
		fixedResult(&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
			URI: "test://embedded-resource", MIMEType: "text/plain", Text: "This is an embedded resource content.",
		}}))
	mcp.AddTool(server, &mcp.Tool{Name: "test_multiple_content_types", Description: "Conformance fixture: returns text, image and resource content."},
		fixedResult(
			&mcp.TextContent{Text: "Multiple content types test:"},
			&mcp.ImageContent{Data: png, MIMEType: "image/png"},
			&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
				URI: "test://mixed-content-resource", MIMEType: "application/json", Text: `{"test":"data","value":123}`,
			}},
		))
	mcp.AddTool(server, &mcp.Tool{Name: "test_tool_with_logging", Description: "Conformance fixture: sends log notifications while it runs."}, conformanceLogging)
	mcp.AddTool(server, &mcp.Tool{Name: "test_tool_with_progress", Description: "Conformance fixture: sends progress notifications while it runs."}, conformanceProgress)
	mcp.AddTool(server, &mcp.Tool{Name: "test_error_handling", Description: "Conformance fixture: always returns a tool error."},
		func(context.Context, *mcp.CallToolRequest, noInput) (*mcp.CallToolResult, any, error) {
			//lint:ignore ST1005 the conformance suite expects this exact text.
			return nil, nil, errors.New("This tool intentionally returns an error for testing")
		})
	mcp.AddTool(server, &mcp.Tool{Name: "test_sampling", Description: "Conformance fixture: asks the client's LLM for a completion (needs a stateful session)."}, conformanceSampling)
	mcp.AddTool(server, &mcp.Tool{Name: "test_elicitation", Description: "Conformance fixture: asks the user for input (needs a stateful session)."}, conformanceElicitation)
	mcp.AddTool(server, &mcp.Tool{Name: "test_elicitation_sep1034_defaults", Description: "Conformance fixture: elicitation with default values (SEP-1034)."},
		elicitWith("Test defaults for primitives", map[string]any{
			"type": "object",
			"properties": map[string]any{
				"name":     map[string]any{"type": "string", "description": "User name", "default": "John Doe"},
				"age":      map[string]any{"type": "integer", "description": "User age", "default": 30},
				"score":    map[string]any{"type": "number", "description": "User score", "default": 95.5},
				"status":   map[string]any{"type": "string", "description": "User status", "enum": []string{"active", "inactive", "pending"}, "default": "active"},
				"verified": map[string]any{"type": "boolean", "description": "Verification status", "default": true},
			},
		}))
	titled := []map[string]any{{"const": "value1", "title": "First Option"}, {"const": "value2", "title": "Second Option"}, {"const": "value3", "title": "Third Option"}}
	mcp.AddTool(server, &mcp.Tool{Name: "test_elicitation_sep1330_enums", Description: "Conformance fixture: elicitation with enum schemas (SEP-1330)."},
		elicitWith("Test enum schemas", map[string]any{
			"type": "object",
			"properties": map[string]any{
				"untitledSingle": map[string]any{"type": "string", "enum": []string{"option1", "option2", "option3"}},
				"titledSingle":   map[string]any{"type": "string", "oneOf": titled},
				"legacyEnum":     map[string]any{"type": "string", "enum": []string{"opt1", "opt2", "opt3"}, "enumNames": []string{"Option One", "Option Two", "Option Three"}},
				"untitledMulti":  map[string]any{"type": "array", "minItems": 1, "maxItems": 3, "items": map[string]any{"type": "string", "enum": []string{"option1", "option2", "option3"}}},
				"titledMulti":    map[string]any{"type": "array", "minItems": 1, "maxItems": 3, "items": map[string]any{"type": "string", "anyOf": titled}},
			},
		}))
	mcp.AddTool(server, &mcp.Tool{
		Name:        "json_schema_2020_12_tool",
		Description: "Conformance fixture: an input schema using JSON Schema 2020-12 features.",
		// The suite's own fixture schema, verbatim: every keyword must
		// survive tools/list (SEP-1613, and SEP-2106's composition,
		// conditional and $anchor keywords).
		InputSchema: json.RawMessage(`{
			"$schema": "https://json-schema.org/draft/2020-12/schema",
			"type": "object",
			"$defs": {"address": {"$anchor": "addressDef", "type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
			"properties": {
				"name": {"type": "string"},
				"address": {"$ref": "#/$defs/address"},
				"contactMethod": {"type": "string", "enum": ["phone", "email"]},
				"phone": {"type": "string"},
				"email": {"type": "string"}
			},
			"allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
			"if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
			"then": {"required": ["phone"]},
			"else": {"required": ["email"]},
			"additionalProperties": false
		}`),
	}, func(_ context.Context, _ *mcp.CallToolRequest, in json.RawMessage) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "JSON Schema 2020-12 tool called with: " + string(in)}}}, nil, nil
	})

	addInputRequiredFixtures(server)
	addStatelessFixtures(server)
	addConformanceResources(server, png)
	addConformancePrompts(server, png)
}

func conformanceLogging(ctx context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	for i, msg := range []string{"Tool execution started", "Tool processing data", "Tool execution completed"} {
		if i > 0 {
			if err := pause(ctx, 50*time.Millisecond); err != nil {
				return nil, nil, err
			}
		}
		if err := req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Data: msg}); err != nil {
			return nil, nil, fmt.Errorf("sending log notification: %w", err)
		}
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "Tool with logging executed successfully"}}}, nil, nil
}

func conformanceProgress(ctx context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	token := req.Params.GetProgressToken()
	for _, p := range []float64{0, 50, 100} {
		if token != nil {
			if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
				ProgressToken: token, Progress: p, Total: 100, Message: fmt.Sprintf("Completed step %.0f of 100", p),
			}); err != nil {
				return nil, nil, fmt.Errorf("sending progress notification: %w", err)
			}
		}
		if err := pause(ctx, 50*time.Millisecond); err != nil {
			return nil, nil, err
		}
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint(token)}}}, nil, nil
}

// pause waits d, or less when ctx ends first.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// samplingInput is the input of test_sampling.
type samplingInput struct {
	Prompt string `json:"prompt" jsonschema:"the prompt to send to the client's LLM"`
}

func conformanceSampling(ctx context.Context, req *mcp.CallToolRequest, in samplingInput) (*mcp.CallToolResult, any, error) {
	res, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{
		Messages:  []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: in.Prompt}}},
		MaxTokens: 100,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("sampling: %w", err)
	}
	text := "(non-text response)"
	if tc, ok := res.Content.(*mcp.TextContent); ok {
		text = tc.Text
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "LLM response: " + text}}}, nil, nil
}

// elicitationInput is the input of test_elicitation.
type elicitationInput struct {
	Message string `json:"message" jsonschema:"the message to show the user"`
}

func conformanceElicitation(ctx context.Context, req *mcp.CallToolRequest, in elicitationInput) (*mcp.CallToolResult, any, error) {
	return elicit(ctx, req, in.Message, &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"username": {Type: "string", Description: "the user's name"},
			"email":    {Type: "string", Description: "the user's email address"},
		},
		Required: []string{"username", "email"},
	})
}

func elicitWith(message string, schema any) mcp.ToolHandlerFor[noInput, any] {
	return func(ctx context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
		return elicit(ctx, req, message, schema)
	}
}

func elicit(ctx context.Context, req *mcp.CallToolRequest, message string, schema any) (*mcp.CallToolResult, any, error) {
	res, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Message: message, RequestedSchema: schema})
	if err != nil {
		return nil, nil, fmt.Errorf("elicitation: %w", err)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{
		Text: fmt.Sprintf("User response: action=%s, content=%v", res.Action, res.Content),
	}}}, nil, nil
}

func addConformanceResources(server *mcp.Server, png []byte) {
	text := func(uri, mime, body string) mcp.ResourceHandler {
		return func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: mime, Text: body}}}, nil
		}
	}
	server.AddResource(&mcp.Resource{Name: "static-text", Description: "Conformance fixture: static text.", MIMEType: "text/plain", URI: "test://static-text"},
		text("test://static-text", "text/plain", "This is the content of the static text resource."))
	server.AddResource(&mcp.Resource{Name: "static-binary", Description: "Conformance fixture: a PNG image.", MIMEType: "image/png", URI: "test://static-binary"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "image/png", Blob: png}}}, nil
		})
	server.AddResource(&mcp.Resource{Name: "watched-resource", Description: "Conformance fixture: a resource to subscribe to.", MIMEType: "text/plain", URI: "test://watched-resource"},
		text("test://watched-resource", "text/plain", "Watched resource content"))
	server.AddResourceTemplate(&mcp.ResourceTemplate{
		Name: "template", Description: "Conformance fixture: a resource template.", MIMEType: "application/json", URITemplate: "test://template/{id}/data",
	}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		id := strings.TrimSuffix(strings.TrimPrefix(req.Params.URI, "test://template/"), "/data")
		body, _ := json.Marshal(map[string]any{"id": id, "templateTest": true, "data": "Data for ID: " + id})
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "application/json", Text: string(body)}}}, nil
	})
}

func addConformancePrompts(server *mcp.Server, png []byte) {
	server.AddPrompt(&mcp.Prompt{Name: "test_simple_prompt", Description: "Conformance fixture: a prompt without arguments."},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "This is a simple prompt for testing."}}}}, nil
		})
	server.AddPrompt(&mcp.Prompt{Name: "test_prompt_with_arguments", Description: "Conformance fixture: a prompt with two required arguments.",
		Arguments: []*mcp.PromptArgument{{Name: "arg1", Description: "first argument", Required: true}, {Name: "arg2", Description: "second argument", Required: true}}},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			a := req.Params.Arguments
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{
				Text: fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", a["arg1"], a["arg2"]),
			}}}}, nil
		})
	server.AddPrompt(&mcp.Prompt{Name: "test_prompt_with_embedded_resource", Description: "Conformance fixture: a prompt embedding a resource.",
		Arguments: []*mcp.PromptArgument{{Name: "resourceUri", Description: "URI of the resource to embed", Required: true}}},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
				{Role: "user", Content: &mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
					URI: req.Params.Arguments["resourceUri"], MIMEType: "text/plain", Text: "Embedded resource content for testing.",
				}}},
				{Role: "user", Content: &mcp.TextContent{Text: "Please process the embedded resource above."}},
			}}, nil
		})
	server.AddPrompt(&mcp.Prompt{Name: "test_prompt_with_image", Description: "Conformance fixture: a prompt with an image."},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
				{Role: "user", Content: &mcp.ImageContent{Data: png, MIMEType: "image/png"}},
				{Role: "user", Content: &mcp.TextContent{Text: "Please analyze the image above."}},
			}}, nil
		})
}
