package conformance

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestConformanceFixturesOnlyWhenAsked(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fixtures bool
	}{{"default", false}, {"fixtures", true}} {
		t.Run(tc.name, func(t *testing.T) {
			cs := connect(t, newServer(tc.fixtures))
			ctx := context.Background()
			tools, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var testTools []string
			for _, tool := range tools.Tools {
				if strings.HasPrefix(tool.Name, "test_") || strings.HasPrefix(tool.Name, "json_schema") {
					testTools = append(testTools, tool.Name)
				}
				if tool.Description == "" {
					t.Errorf("tool %s has no description (the conformance suite's tools-list fails on it)", tool.Name)
				}
			}
			prompts, err := cs.ListPrompts(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.fixtures {
				if len(testTools) > 0 || len(prompts.Prompts) > 0 {
					t.Fatalf("fixtures served by default: tools %v, %d prompts", testTools, len(prompts.Prompts))
				}
				return
			}
			for _, want := range []string{"test_simple_text", "test_image_content", "test_audio_content", "test_embedded_resource",
				"test_multiple_content_types", "test_tool_with_logging", "test_tool_with_progress", "test_error_handling",
				"test_sampling", "test_elicitation", "test_elicitation_sep1034_defaults", "test_elicitation_sep1330_enums", "json_schema_2020_12_tool",
				"test_missing_capability", "test_streaming_elicitation", "test_logging_tool", "test_trigger_tool_change", "test_trigger_prompt_change",
				"test_x_mcp_header", "test_input_required_result_elicitation", "test_input_required_result_sampling",
				"test_input_required_result_list_roots", "test_input_required_result_request_state", "test_input_required_result_multiple_inputs",
				"test_input_required_result_multi_round", "test_input_required_result_tampered_state", "test_input_required_result_capabilities"} {
				if !slices.Contains(testTools, want) {
					t.Errorf("fixture tool %s missing; have %v", want, testTools)
				}
			}
			if len(prompts.Prompts) != 5 {
				t.Errorf("want the 5 fixture prompts, got %d", len(prompts.Prompts))
			}
		})
	}
}

func TestConformanceFixtureAnswers(t *testing.T) {
	cs := connect(t, newServer(true))
	ctx := context.Background()

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "test_simple_text", Arguments: map[string]any{}})
	if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != "This is a simple text response for testing." {
		t.Errorf("test_simple_text: %v %+v", err, res)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "test_error_handling", Arguments: map[string]any{}})
	if err != nil || !res.IsError {
		t.Errorf("test_error_handling: want a tool error, got %v %+v", err, res)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "test_audio_content", Arguments: map[string]any{}})
	if err != nil || res.Content[0].(*mcp.AudioContent).MIMEType != "audio/wav" {
		t.Errorf("test_audio_content: %v %+v", err, res)
	}
	read, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "test://template/123/data"})
	if err != nil || !strings.Contains(read.Contents[0].Text, `"id":"123"`) {
		t.Errorf("template read: %v %+v", err, read)
	}
	prompt, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "test_prompt_with_arguments", Arguments: map[string]string{"arg1": "x1", "arg2": "y2"}})
	if err != nil || !strings.Contains(prompt.Messages[0].Content.(*mcp.TextContent).Text, "arg1='x1', arg2='y2'") {
		t.Errorf("prompt with arguments: %v %+v", err, prompt)
	}
	comp, err := cs.Complete(ctx, &mcp.CompleteParams{
		Ref:      &mcp.CompleteReference{Type: "ref/prompt", Name: "test_prompt_with_arguments"},
		Argument: mcp.CompleteParamsArgument{Name: "arg1", Value: "te"},
	})
	if err != nil || comp.Completion.Values == nil {
		t.Errorf("completion: %v %+v", err, comp)
	}
	if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: "test://watched-resource"}); err != nil {
		t.Errorf("subscribe: %v", err)
	}
}

// TestJSONSchema202012KeywordsPreserved: the fixture's input schema reaches
// the client keyword for keyword, 2020-12 composition, conditional and
// $anchor keywords included.
func TestJSONSchema202012KeywordsPreserved(t *testing.T) {
	server := newServer(true)
	cs := connect(t, server)
	list, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list.Tools, func(tool *mcp.Tool) bool { return tool.Name == "json_schema_2020_12_tool" })
	if i < 0 {
		t.Fatal("json_schema_2020_12_tool not listed")
	}
	got, err := json.Marshal(list.Tools[i].InputSchema)
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]any
	if err := json.Unmarshal(got, &wire); err != nil {
		t.Fatal(err)
	}
	for _, path := range [][]string{{"$schema"}, {"$defs", "address", "$anchor"}, {"allOf"}, {"if"}, {"then"}, {"else"}, {"additionalProperties"}, {"properties", "address", "$ref"}} {
		var v any = wire
		for _, k := range path {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if v == nil {
			t.Errorf("%s stripped from the listed schema: %s", strings.Join(path, "."), got)
		}
	}
}
