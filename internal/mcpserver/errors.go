package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Hints appended to a backend error, by what the caller should do next.
const (
	hintInvalid     = "Change the argument named above and call again."
	hintPermission  = "The server's credentials are not allowed to do this, so retrying will not help; an operator must grant the permission named above."
	hintUnavailable = "The knowledge base backend cannot answer right now; retry in a little while."
	hintTimeout     = "The knowledge base did not answer in time; retry, perhaps with fewer max_results."
	hintInternal    = "This is a fault in the server, not in the request; it has been logged."
)

// explain turns err from the backend into the text of a tool error: what
// failed, the backend's details, and what to do next. notFoundHint says
// what to do when something named in the request does not exist. Faults
// that are no one's input (not one of the kb sentinel errors) are logged.
func (t *tools) explain(ctx context.Context, op string, err error, notFoundHint string) error {
	var hint string
	switch {
	case errors.Is(err, kb.ErrInvalidArgument):
		hint = hintInvalid
	case errors.Is(err, kb.ErrNotFound):
		hint = notFoundHint
	case errors.Is(err, kb.ErrPermission):
		hint = hintPermission
	case errors.Is(err, kb.ErrUnavailable):
		hint = hintUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		hint = hintTimeout
	case errors.Is(err, context.Canceled):
		hint = "The request was cancelled."
	default:
		hint = hintInternal
		t.logger.ErrorContext(ctx, "knowledge base backend fault", "op", op, "err", err)
	}
	return fmt.Errorf("%s: %w. %s", op, err, hint)
}

// recoverPanics turns a panic in any handler into an error for that one
// request, so a bug in a backend never takes the server down: a tool call
// answers with a tool error (isError), anything else with a JSON-RPC
// internal error.
func recoverPanics(logger *slog.Logger) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (res mcp.Result, err error) {
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				logger.ErrorContext(ctx, "handler panicked", "method", method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if method == "tools/call" {
					res, err = &mcp.CallToolResult{
						IsError: true,
						Content: []mcp.Content{&mcp.TextContent{Text: "internal error: the tool failed unexpectedly. " + hintInternal}},
					}, nil
					return
				}
				res, err = nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error: the request failed unexpectedly. " + hintInternal}
			}()
			return next(ctx, method, req)
		}
	}
}
