package mcpserver

import (
	"context"
	"fmt"
	"math"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// SimpleAddInput is the input of the simpleadd tool.
type SimpleAddInput struct {
	A float64 `json:"a" jsonschema:"the first number"`
	B float64 `json:"b" jsonschema:"the second number"`
}

// SimpleAddOutput is the structured result of the simpleadd tool.
type SimpleAddOutput struct {
	Sum float64 `json:"sum" jsonschema:"a + b"`
}

func addSimpleAdd(server *mcp.Server) {
	addTool(server, &mcp.Tool{
		Name:        "simpleadd",
		Title:       "Add two numbers",
		Description: "Adds two numbers and returns the sum. Use it to test that the MCP connection works end to end.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: new(false), IdempotentHint: true, OpenWorldHint: new(false)},
	}, simpleAdd)
}

func simpleAdd(_ context.Context, _ *mcp.CallToolRequest, in SimpleAddInput) (*mcp.CallToolResult, SimpleAddOutput, error) {
	sum := in.A + in.B
	if math.IsInf(sum, 0) || math.IsNaN(sum) {
		return nil, SimpleAddOutput{}, fmt.Errorf("%g + %g overflows: the sum is beyond the largest number JSON can carry (about 1.8e308)", in.A, in.B)
	}
	return &mcp.CallToolResult{
		Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint(sum)}},
	}, SimpleAddOutput{Sum: sum}, nil
}
