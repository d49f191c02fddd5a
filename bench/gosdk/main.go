// Command gosdk is a bench/run.sh contender: the go-sdk's plain stateless
// streamable-HTTP handler with simpleadd, untuned, as the SDK's documentation
// shows it. It is built twice: against upstream go-sdk v1.8.0 (go.mod) and
// against the patched copy in third_party/go-sdk (go.patched.mod), so the
// benchmark separates what the SDK patch gains from what knowledge-mcp's own
// layer costs.
//
// Usage: gosdk HOST:PORT
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type addInput struct {
	A float64 `json:"a" jsonschema:"the first number"`
	B float64 `json:"b" jsonschema:"the second number"`
}

type addOutput struct {
	Sum float64 `json:"sum" jsonschema:"a + b"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gosdk HOST:PORT")
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", newHandler())
	log.Fatal(http.ListenAndServe(os.Args[1], mux))
}

// newHandler returns the SDK's stateless JSON handler serving simpleadd.
func newHandler() http.Handler {
	server := mcp.NewServer(&mcp.Implementation{Name: "bench-gosdk", Version: "1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{
		Name:        "simpleadd",
		Description: "Adds two numbers and returns the sum.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, func(_ context.Context, _ *mcp.CallToolRequest, in addInput) (*mcp.CallToolResult, addOutput, error) {
		sum := in.A + in.B
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint(sum)}}}, addOutput{Sum: sum}, nil
	})
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
}
