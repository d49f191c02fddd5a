//lint:file-ignore SA1019 the multi round-trip scenarios ask for sampling, roots and elicitation input and check logging, deprecated by SEP-2577 but still specified for 2026-07-28.

package conformance

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// serveStateless serves server over stateless streamable HTTP, as
// knowledge-mcp serves clients that accept event streams, and returns the
// endpoint.
func serveStateless(t *testing.T, server *mcp.Server) string {
	t.Helper()
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{Stateless: true})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// fixtureServer is knowledge-mcp's server with the fixtures.
func fixtureServer() *mcp.Server { return newServer(true) }

// connectHTTP opens a client session to the endpoint; the protocol
// revision is the newest both sides speak (2026-07-28: no session, _meta on
// every request).
func connectHTTP(t *testing.T, endpoint string, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, opts).
		Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: endpoint}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// manualRounds is a client that returns input-required results as they
// come, so that a test plays the client's part of each round itself.
func manualRounds(t *testing.T) *mcp.ClientSession {
	t.Helper()
	cs := connectHTTP(t, serveStateless(t, fixtureServer()), &mcp.ClientOptions{MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true}})
	if got := cs.InitializeResult().ProtocolVersion; got != "2026-07-28" {
		t.Fatalf("negotiated %s; these fixtures are for 2026-07-28", got)
	}
	return cs
}

func accept(content map[string]any) *mcp.ElicitResult {
	return &mcp.ElicitResult{Action: "accept", Content: content}
}

func sampled(text string) *mcp.CreateMessageWithToolsResult {
	return &mcp.CreateMessageWithToolsResult{Role: "assistant", Model: "test", Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

func resultText(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if res.NeedsInput() || res.IsError || len(res.Content) != 1 {
		t.Fatalf("want one text of a complete result, got %+v", res)
	}
	return res.Content[0].(*mcp.TextContent).Text
}

func inputKeys(res *mcp.CallToolResult) []string {
	var keys []string
	for k := range res.InputRequests {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestInputRequiredRounds plays each fixture's rounds by hand: the first
// call asks for input (and may mint state), the retry with the answers and
// the state echoed completes.
func TestInputRequiredRounds(t *testing.T) {
	cs := manualRounds(t)
	roots := &mcp.ListRootsResult{Roots: []*mcp.Root{{URI: "file:///a"}, {URI: "file:///b"}}}
	for _, tc := range []struct {
		tool      string
		keys      []string
		wantState bool
		answers   mcp.InputResponseMap
		want      string
	}{
		{"test_input_required_result_elicitation", []string{"user_name"}, false,
			mcp.InputResponseMap{"user_name": accept(map[string]any{"name": "Ada"})}, "Hello, Ada!"},
		{"test_input_required_result_sampling", []string{"capital_question"}, false,
			mcp.InputResponseMap{"capital_question": sampled("Paris")}, "Sampling response: Paris"},
		{"test_input_required_result_list_roots", []string{"client_roots"}, false,
			mcp.InputResponseMap{"client_roots": roots}, "Client exposed 2 root(s): file:///a, file:///b"},
		{toolRequestState, []string{"confirm"}, true,
			mcp.InputResponseMap{"confirm": accept(map[string]any{"ok": true})}, "state-ok: requestState received and confirmation accepted"},
		{toolMultiInputs, []string{"client_roots", "greeting", "user_name"}, true,
			mcp.InputResponseMap{"user_name": accept(map[string]any{"name": "Ada"}), "greeting": sampled("Hi"), "client_roots": roots}, "Hi Ada - 2 root(s) visible"},
		{toolTampered, []string{"confirm"}, true,
			mcp.InputResponseMap{"confirm": accept(map[string]any{"ok": true})}, "state-ok: requestState received and confirmation accepted"},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			first, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: tc.tool})
			if err != nil {
				t.Fatal(err)
			}
			if !first.NeedsInput() || !slices.Equal(inputKeys(first), tc.keys) {
				t.Fatalf("first round: want input required for %v, got %+v", tc.keys, first)
			}
			if (first.RequestState != "") != tc.wantState {
				t.Fatalf("first round: requestState %q, want one: %v", first.RequestState, tc.wantState)
			}
			final, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: tc.tool, InputResponses: tc.answers, RequestState: first.RequestState})
			if err != nil {
				t.Fatal(err)
			}
			if got := resultText(t, final); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestInputRequiredMultiRound follows the state through three rounds: each
// input-required round mints a new state, and the name from round one
// reaches the answer through it alone.
func TestInputRequiredMultiRound(t *testing.T) {
	cs := manualRounds(t)
	call := func(in mcp.InputResponseMap, state string) *mcp.CallToolResult {
		t.Helper()
		res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: toolMultiRound, InputResponses: in, RequestState: state})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	r1 := call(nil, "")
	if !r1.NeedsInput() || r1.RequestState == "" || r1.InputRequests["step1"] == nil {
		t.Fatalf("round 1: %+v", r1)
	}
	// The missing answer is asked for again, with the same state.
	again := call(mcp.InputResponseMap{"other": accept(map[string]any{"name": "x"})}, r1.RequestState)
	if !again.NeedsInput() || again.InputRequests["step1"] == nil || again.RequestState != r1.RequestState {
		t.Fatalf("round 1 without its answer: %+v", again)
	}
	r2 := call(mcp.InputResponseMap{"step1": accept(map[string]any{"name": "Ada"})}, r1.RequestState)
	if !r2.NeedsInput() || r2.InputRequests["step2"] == nil || r2.RequestState == "" || r2.RequestState == r1.RequestState {
		t.Fatalf("round 2: want a new request with new state, got %+v", r2)
	}
	r3 := call(mcp.InputResponseMap{"step2": accept(map[string]any{"color": "green"})}, r2.RequestState)
	if got, want := resultText(t, r3), "Multi-round complete: Ada likes green"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestInputRequiredRejectsForeignState: a retry whose state was altered, or
// minted for another tool, is a protocol error (invalid params), never a
// result.
func TestInputRequiredRejectsForeignState(t *testing.T) {
	cs := manualRounds(t)
	first, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: toolTampered})
	if err != nil {
		t.Fatal(err)
	}
	other, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: toolRequestState})
	if err != nil {
		t.Fatal(err)
	}
	confirm := mcp.InputResponseMap{"confirm": accept(map[string]any{"ok": true})}
	for name, state := range map[string]string{
		"suffix appended":    first.RequestState + "-TAMPERED",
		"payload replaced":   "cm91bmQ9OQ" + first.RequestState[strings.Index(first.RequestState, "."):],
		"other tool's state": other.RequestState,
		"not sealed":         "awaiting confirmation",
	} {
		t.Run(name, func(t *testing.T) {
			res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: toolTampered, InputResponses: confirm, RequestState: state})
			var rpcErr *jsonrpc.Error
			if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInvalidParams || !strings.Contains(rpcErr.Message, "requestState") {
				t.Fatalf("want an invalid-params error about requestState, got %v, %+v", err, res)
			}
		})
	}
}

// TestInputRequiredThroughSDKClient: the go-sdk client fulfils the input
// requests with its own handlers and retries by itself, so a caller sees
// only the final result.
func TestInputRequiredThroughSDKClient(t *testing.T) {
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, &mcp.ClientOptions{
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			switch {
			case strings.Contains(req.Params.Message, "color"):
				return accept(map[string]any{"color": "blue"}), nil
			case strings.Contains(req.Params.Message, "context"):
				return accept(map[string]any{"context": "the docs"}), nil
			}
			return accept(map[string]any{"name": "Grace"}), nil
		},
		CreateMessageWithToolsHandler: func(context.Context, *mcp.CreateMessageWithToolsRequest) (*mcp.CreateMessageWithToolsResult, error) {
			return sampled("Hello"), nil
		},
	})
	client.AddRoots(&mcp.Root{URI: "file:///docs"})
	cs, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: serveStateless(t, fixtureServer())}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	for tool, want := range map[string]string{
		"test_input_required_result_elicitation": "Hello, Grace!",
		toolMultiInputs:                          "Hello Grace - 1 root(s) visible",
		toolMultiRound:                           "Multi-round complete: Grace likes blue",
	} {
		res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: tool})
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		if got := resultText(t, res); got != want {
			t.Errorf("%s: got %q, want %q", tool, got, want)
		}
	}
	prompt, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "test_input_required_result_prompt"})
	if err != nil {
		t.Fatal(err)
	}
	if prompt.NeedsInput() || len(prompt.Messages) != 1 || prompt.Messages[0].Content.(*mcp.TextContent).Text != "Context: the docs" {
		t.Fatalf("prompt: %+v", prompt)
	}
}

// TestInputRequiredAsksOnlyWhatTheClientCan: the capabilities fixture asks
// for no input kind the client did not declare in the request's _meta. (The
// go-sdk client always declares roots.)
func TestInputRequiredAsksOnlyWhatTheClientCan(t *testing.T) {
	endpoint := serveStateless(t, fixtureServer())
	elicit := func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) { return nil, errors.New("unused") }
	for _, tc := range []struct {
		name string
		opts mcp.ClientOptions
		want []string
	}{
		{"roots only", mcp.ClientOptions{}, []string{"client_roots"}},
		{"roots and elicitation", mcp.ClientOptions{ElicitationHandler: elicit}, []string{"client_roots", "user_name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.MultiRoundTrip = &mcp.MultiRoundTripOptions{Disabled: true}
			cs := connectHTTP(t, endpoint, &tc.opts)
			res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "test_input_required_result_capabilities"})
			if err != nil {
				t.Fatal(err)
			}
			if !res.NeedsInput() || !slices.Equal(inputKeys(res), tc.want) {
				t.Errorf("asked for %v, want %v", inputKeys(res), tc.want)
			}
		})
	}
}

func TestSealedState(t *testing.T) {
	state := sealState("tool_a", "round=2;name=Ada")
	for _, tc := range []struct {
		name, scope, state string
		want               string
		wantErr            bool
	}{
		{"opens for its scope", "tool_a", state, "round=2;name=Ada", false},
		{"not for another scope", "tool_b", state, "", true},
		{"suffix appended", "tool_a", state + "-TAMPERED", "", true},
		{"mac cut short", "tool_a", state[:len(state)-2], "", true},
		{"no mac", "tool_a", strings.Split(state, ".")[0], "", true},
		{"empty", "tool_a", "", "", true},
		{"payload not base64", "tool_a", "!!." + strings.Split(state, ".")[1], "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := openState(tc.scope, tc.state)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("openState = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
			if err != nil && !errors.Is(err, errTamperedState) {
				t.Errorf("error %v is not errTamperedState", err)
			}
		})
	}
}
