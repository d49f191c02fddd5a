//lint:file-ignore SA1019 the stateless scenario checks logging and the sampling capability, deprecated by SEP-2577 but still specified for 2026-07-28.

package conformance

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The fixtures of the 2026-07-28 scenarios that are not multi round-trip:
// the diagnostic tools server-stateless calls by name (SEP-2575), the hooks
// that change the tool and prompt lists under an open subscriptions/listen
// stream, and a tool whose argument is mirrored into an HTTP header
// (x-mcp-header, SEP-2243) for http-custom-header-server-validation.

// The tool and prompt the triggers add and remove.
const (
	transientTool   = "test_transient_tool"
	transientPrompt = "test_transient_prompt"
)

// addStatelessFixtures registers the fixtures of this file on server.
func addStatelessFixtures(server *mcp.Server) {
	mcp.AddTool(server, &mcp.Tool{
		Name:        "test_missing_capability",
		Description: "Conformance fixture: needs the client's sampling capability, declared in the request's _meta; without it the call fails with -32021 (missing required client capability).",
	}, missingCapability)
	mcp.AddTool(server, &mcp.Tool{
		Name:        "test_streaming_elicitation",
		Description: "Conformance fixture: answers on the response stream with its result only, never with a request of its own (a stateless server sends the client no requests).",
	}, func(context.Context, *mcp.CallToolRequest, noInput) (*mcp.CallToolResult, any, error) {
		return textResult("stream observed: result frames only, no top-level requests"), nil, nil
	})
	mcp.AddTool(server, &mcp.Tool{
		Name:        "test_logging_tool",
		Description: "Conformance fixture: logs one message, which reaches the client only when the request's _meta sets a log level.",
	}, loggingTool)
	// The triggers change a list and change it back. Each change notifies
	// the listeners (the SDK sends one notification for changes close
	// together), and the list stays the same: every replica of a fleet
	// serves the same lists, which tools-list checks through a load
	// balancer.
	mcp.AddTool(server, &mcp.Tool{
		Name:        "test_trigger_tool_change",
		Description: "Conformance fixture: adds a tool and removes it again, so that open subscriptions/listen streams asking for tool list changes get notifications/tools/list_changed.",
	}, func(context.Context, *mcp.CallToolRequest, noInput) (*mcp.CallToolResult, any, error) {
		mcp.AddTool(server, &mcp.Tool{
			Name:        transientTool,
			Description: "Conformance fixture: added and removed by test_trigger_tool_change; does nothing.",
		}, func(context.Context, *mcp.CallToolRequest, noInput) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{}}, nil, nil
		})
		server.RemoveTools(transientTool)
		return textResult("tools/list_changed published"), nil, nil
	})
	mcp.AddTool(server, &mcp.Tool{
		Name:        "test_trigger_prompt_change",
		Description: "Conformance fixture: adds a prompt and removes it again, so that open subscriptions/listen streams asking for prompt list changes get notifications/prompts/list_changed.",
	}, func(context.Context, *mcp.CallToolRequest, noInput) (*mcp.CallToolResult, any, error) {
		server.AddPrompt(&mcp.Prompt{
			Name:        transientPrompt,
			Description: "Conformance fixture: added and removed by test_trigger_prompt_change.",
		}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{}}, nil
		})
		server.RemovePrompts(transientPrompt)
		return textResult("prompts/list_changed published"), nil, nil
	})
	mcp.AddTool(server, &mcp.Tool{
		Name:        "test_x_mcp_header",
		Description: "Conformance fixture: its region argument is mirrored into the Mcp-Param-Region header, which the server checks against the argument.",
		InputSchema: json.RawMessage(`{
			"type": "object",
			"properties": {
				"region": {"type": "string", "description": "mirrored into Mcp-Param-Region", "x-mcp-header": "Region"},
				"level": {"type": "integer", "description": "not mirrored"}
			}
		}`),
	}, func(_ context.Context, _ *mcp.CallToolRequest, in headerInput) (*mcp.CallToolResult, any, error) {
		return textResult("region=%q level=%d", in.Region, in.Level), nil, nil
	})
}

// headerInput is the input of test_x_mcp_header.
type headerInput struct {
	Region string `json:"region,omitempty"`
	Level  int    `json:"level,omitempty"`
}

// missingCapability runs only for a client that declared sampling; any other
// gets the error a server returns when a request needs a capability the
// client did not declare, naming the capability it needs.
func missingCapability(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	if caps := req.ClientCapabilities(); caps != nil && caps.Sampling != nil {
		return textResult("Client declared the sampling capability; tool executed."), nil, nil
	}
	data, err := json.Marshal(mcp.MissingRequiredClientCapabilityData{
		RequiredCapabilities: &mcp.ClientCapabilities{Sampling: &mcp.SamplingCapabilities{}},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the missing capability: %w", err)
	}
	return nil, nil, &jsonrpc.Error{
		Code:    mcp.CodeMissingRequiredClientCapabilities,
		Message: "this tool needs the sampling capability, which the client did not declare",
		Data:    data,
	}
}

// loggingTool logs through the session. The SDK sends the message only when
// the request's _meta asked for a log level, as 2026-07-28 requires; without
// one the tool still succeeds.
func loggingTool(ctx context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	if err := req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Data: "test_logging_tool executed"}); err != nil {
		return nil, nil, fmt.Errorf("sending log notification: %w", err)
	}
	return textResult("Log attempted; it reaches the client only when _meta sets a log level."), nil, nil
}
