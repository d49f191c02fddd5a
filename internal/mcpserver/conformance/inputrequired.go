//lint:file-ignore SA1019 the multi round-trip scenarios ask for sampling, roots and elicitation input and check logging, deprecated by SEP-2577 but still specified for 2026-07-28.

package conformance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The fixtures of the input-required-result-* scenarios: multi round-trip
// requests (SEP-2322), which replace server-to-client requests from
// protocol revision 2026-07-28 on. A handler that needs input from the
// client returns a result carrying InputRequests (and, when it must
// remember something, a RequestState); the SDK marks it
// resultType "input_required" and the client retries the same request with
// the answers in inputResponses and the state echoed. No session is kept:
// any replica answers any round, because everything a later round needs is
// in the retried request. Names, keys and texts follow the suite's scenarios
// and the go-sdk's conformance everything-server.

// errTamperedState is the answer to a requestState that this server did not
// mint, or that was changed since.
var errTamperedState = errors.New("requestState failed its integrity check")

// stateKey signs the requestState the fixtures mint. Every process serving
// the fixtures derives the same key, so a replica verifies state that
// another replica minted, as a stateless deployment requires. A production
// server would take such a key from its secret configuration, shared by its
// replicas; the fixtures exist for tests only.
var stateKey = sha256.Sum256([]byte("knowledge-mcp conformance fixtures: requestState"))

// sealState returns requestState carrying payload for the tool or prompt
// named scope: the payload and an HMAC-SHA256 over scope and payload, both
// base64url. The state is integrity-protected, not secret.
func sealState(scope, payload string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." +
		base64.RawURLEncoding.EncodeToString(stateMAC(scope, payload))
}

// openState returns the payload of state sealed by sealState for scope, or
// errTamperedState when state was not minted for scope by this server or was
// altered.
func openState(scope, state string) (string, error) {
	enc, encMAC, ok := strings.Cut(state, ".")
	if !ok {
		return "", errTamperedState
	}
	payload, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", errTamperedState
	}
	mac, err := base64.RawURLEncoding.DecodeString(encMAC)
	if err != nil || !hmac.Equal(mac, stateMAC(scope, string(payload))) {
		return "", errTamperedState
	}
	return string(payload), nil
}

func stateMAC(scope, payload string) []byte {
	m := hmac.New(sha256.New, stateKey[:])
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// invalidState is the protocol error (invalid params) answering a retry
// whose requestState fails its integrity check.
func invalidState(err error) *jsonrpc.Error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid requestState: " + err.Error()}
}

// acceptedContent returns the content of the elicitation answer under key
// when the user accepted it; nil when there is no such answer, it is not an
// elicitation result, or the user declined or cancelled.
func acceptedContent(responses mcp.InputResponseMap, key string) map[string]any {
	res, ok := responses[key].(*mcp.ElicitResult)
	if !ok || res == nil || res.Action != "accept" {
		return nil
	}
	return res.Content
}

// samplingText returns the first text of the sampling answer under key, and
// whether there is such an answer. The SDK decodes sampling answers as
// CreateMessageWithToolsResult, the superset of the single-content form.
func samplingText(responses mcp.InputResponseMap, key string) (string, bool) {
	res, ok := responses[key].(*mcp.CreateMessageWithToolsResult)
	if !ok || res == nil {
		return "", false
	}
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			return tc.Text, true
		}
	}
	return "(non-text response)", true
}

// objectSchema is a requested schema of one required property of type typ.
func objectSchema(property, typ string) *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:       "object",
		Properties: map[string]*jsonschema.Schema{property: {Type: typ}},
		Required:   []string{property},
	}
}

func askName(message string) *mcp.ElicitParams {
	return &mcp.ElicitParams{Message: message, RequestedSchema: objectSchema("name", "string")}
}

func askConfirmation() *mcp.ElicitParams {
	return &mcp.ElicitParams{Message: "Please confirm", RequestedSchema: objectSchema("ok", "boolean")}
}

func askSampling(prompt string, maxTokens int64) *mcp.CreateMessageParams {
	return &mcp.CreateMessageParams{
		Messages:  []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: prompt}}},
		MaxTokens: maxTokens,
	}
}

func textResult(format string, args ...any) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf(format, args...)}}}
}

// inputTool is the handler type of the fixtures below: they take no
// arguments.
type inputTool = mcp.ToolHandlerFor[noInput, any]

// Names of the fixtures whose requestState is checked: the scope each
// state is sealed for.
const (
	toolRequestState = "test_input_required_result_request_state"
	toolMultiInputs  = "test_input_required_result_multiple_inputs"
	toolMultiRound   = "test_input_required_result_multi_round"
	toolTampered     = "test_input_required_result_tampered_state"
)

// addInputRequiredFixtures registers the multi round-trip fixtures.
func addInputRequiredFixtures(server *mcp.Server) {
	for _, f := range []struct {
		name, description string
		handler           inputTool
	}{
		{"test_input_required_result_elicitation", "asks for the caller's name with an in-band elicitation request", inputElicitation},
		{"test_input_required_result_sampling", "asks for an LLM completion with an in-band sampling request", inputSampling},
		{"test_input_required_result_list_roots", "asks for the client's roots with an in-band roots/list request", inputListRoots},
		{toolRequestState, "round-trips integrity-protected requestState beside an elicitation request", inputRequestState},
		{toolMultiInputs, "asks for elicitation, sampling and roots in one round", inputMultiple},
		{toolMultiRound, "two elicitation rounds, the state evolving, before it completes", inputMultiRound},
		{toolTampered, "rejects a retry whose requestState fails its integrity check", inputTamperedState},
		{"test_input_required_result_capabilities", "asks only for the input the client's declared capabilities cover", inputCapabilities},
	} {
		mcp.AddTool(server, &mcp.Tool{Name: f.name, Description: "Conformance fixture (multi round-trip): " + f.description + "."}, f.handler)
	}
	server.AddPrompt(&mcp.Prompt{
		Name:        "test_input_required_result_prompt",
		Description: "Conformance fixture (multi round-trip): a prompt that elicits its context before answering.",
	}, inputPrompt)
}

// inputElicitation asks for a name until a retry carries an accepted answer
// under user_name with a non-empty name: answers under other keys, of the
// wrong type or declined are asked for again.
func inputElicitation(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	if name, _ := acceptedContent(req.Params.InputResponses, "user_name")["name"].(string); name != "" {
		return textResult("Hello, %s!", name), nil, nil
	}
	return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"user_name": askName("What is your name?")}}, nil, nil
}

func inputSampling(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	if text, ok := samplingText(req.Params.InputResponses, "capital_question"); ok {
		return textResult("Sampling response: %s", text), nil, nil
	}
	return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{
		"capital_question": askSampling("What is the capital of France?", 100),
	}}, nil, nil
}

func inputListRoots(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	if res, ok := req.Params.InputResponses["client_roots"].(*mcp.ListRootsResult); ok && res != nil {
		uris := make([]string, 0, len(res.Roots))
		for _, r := range res.Roots {
			uris = append(uris, r.URI)
		}
		return textResult("Client exposed %d root(s): %s", len(res.Roots), strings.Join(uris, ", ")), nil, nil
	}
	return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"client_roots": &mcp.ListRootsParams{}}}, nil, nil
}

// inputRequestState completes only when the retry carries both the
// confirmation and the state minted in the first round.
func inputRequestState(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	if acceptedContent(req.Params.InputResponses, "confirm") != nil {
		if _, err := openState(toolRequestState, req.Params.RequestState); err != nil {
			return nil, nil, invalidState(err)
		}
		return textResult("state-ok: requestState received and confirmation accepted"), nil, nil
	}
	return &mcp.CallToolResult{
		InputRequests: mcp.InputRequestMap{"confirm": askConfirmation()},
		RequestState:  sealState(toolRequestState, "awaiting confirmation"),
	}, nil, nil
}

func inputMultiple(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	in := req.Params.InputResponses
	name, _ := acceptedContent(in, "user_name")["name"].(string)
	greeting, hasGreeting := samplingText(in, "greeting")
	roots, hasRoots := in["client_roots"].(*mcp.ListRootsResult)
	if name != "" && hasGreeting && hasRoots && roots != nil {
		if _, err := openState(toolMultiInputs, req.Params.RequestState); err != nil {
			return nil, nil, invalidState(err)
		}
		return textResult("%s %s - %d root(s) visible", greeting, name, len(roots.Roots)), nil, nil
	}
	return &mcp.CallToolResult{
		InputRequests: mcp.InputRequestMap{
			"user_name":    askName("What is your name?"),
			"greeting":     askSampling("Generate a greeting", 50),
			"client_roots": &mcp.ListRootsParams{},
		},
		RequestState: sealState(toolMultiInputs, "awaiting three answers"),
	}, nil, nil
}

// inputMultiRound asks for a name, then a colour, then answers. The round
// and the name from round one travel in the sealed state: the server keeps
// nothing between rounds.
func inputMultiRound(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	if req.Params.RequestState == "" {
		return &mcp.CallToolResult{
			InputRequests: mcp.InputRequestMap{"step1": askName("Step 1: What is your name?")},
			RequestState:  sealState(toolMultiRound, "round=1"),
		}, nil, nil
	}
	state, err := openState(toolMultiRound, req.Params.RequestState)
	if err != nil {
		return nil, nil, invalidState(err)
	}
	if state == "round=1" {
		name, _ := acceptedContent(req.Params.InputResponses, "step1")["name"].(string)
		if name == "" {
			return &mcp.CallToolResult{
				InputRequests: mcp.InputRequestMap{"step1": askName("Step 1: What is your name?")},
				RequestState:  req.Params.RequestState,
			}, nil, nil
		}
		return &mcp.CallToolResult{
			InputRequests: mcp.InputRequestMap{"step2": &mcp.ElicitParams{
				Message: "Step 2: What is your favorite color?", RequestedSchema: objectSchema("color", "string"),
			}},
			RequestState: sealState(toolMultiRound, "round=2;name="+name),
		}, nil, nil
	}
	name, ok := strings.CutPrefix(state, "round=2;name=")
	if !ok {
		return nil, nil, invalidState(fmt.Errorf("unknown round %q", state))
	}
	color, _ := acceptedContent(req.Params.InputResponses, "step2")["color"].(string)
	if color == "" {
		return &mcp.CallToolResult{
			InputRequests: mcp.InputRequestMap{"step2": &mcp.ElicitParams{
				Message: "Step 2: What is your favorite color?", RequestedSchema: objectSchema("color", "string"),
			}},
			RequestState: req.Params.RequestState,
		}, nil, nil
	}
	return textResult("Multi-round complete: %s likes %s", name, color), nil, nil
}

// inputTamperedState rejects any retry whose state fails the integrity
// check with a protocol error, and completes a retry with valid state and
// the confirmation.
func inputTamperedState(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	if req.Params.RequestState != "" {
		if _, err := openState(toolTampered, req.Params.RequestState); err != nil {
			return nil, nil, invalidState(err)
		}
		if acceptedContent(req.Params.InputResponses, "confirm") != nil {
			return textResult("state-ok: requestState received and confirmation accepted"), nil, nil
		}
	}
	return &mcp.CallToolResult{
		InputRequests: mcp.InputRequestMap{"confirm": askConfirmation()},
		RequestState:  sealState(toolTampered, "awaiting confirmation"),
	}, nil, nil
}

// inputCapabilities asks only for the kinds of input the client declared,
// in the request's _meta, that it can give.
func inputCapabilities(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	if len(req.Params.InputResponses) > 0 {
		return textResult("Capability-aware input requests fulfilled"), nil, nil
	}
	caps := req.ClientCapabilities()
	asks := mcp.InputRequestMap{}
	if caps != nil && caps.Elicitation != nil {
		asks["user_name"] = askName("What is your name?")
	}
	if caps != nil && caps.Sampling != nil {
		asks["greeting"] = askSampling("Generate a short greeting", 50)
	}
	if caps != nil && (caps.RootsV2 != nil || caps.Roots.ListChanged) {
		asks["client_roots"] = &mcp.ListRootsParams{}
	}
	if len(asks) == 0 {
		return textResult("No declared client capability supports an in-band input request"), nil, nil
	}
	return &mcp.CallToolResult{InputRequests: asks}, nil, nil
}

// inputPrompt is the prompts/get form: it elicits a context, then answers
// with it.
func inputPrompt(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	if content := acceptedContent(req.Params.InputResponses, "user_context"); content != nil {
		text, _ := content["context"].(string)
		return &mcp.GetPromptResult{
			Description: "A prompt with elicited context",
			Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "Context: " + text}}},
		}, nil
	}
	return &mcp.GetPromptResult{InputRequests: mcp.InputRequestMap{
		"user_context": &mcp.ElicitParams{Message: "Please provide context for the prompt", RequestedSchema: objectSchema("context", "string")},
	}}, nil
}
