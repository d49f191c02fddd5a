//lint:file-ignore SA1019 the multi round-trip scenarios ask for sampling, roots and elicitation input and check logging, deprecated by SEP-2577 but still specified for 2026-07-28.

package conformance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMissingCapability: without the sampling capability the call fails
// with -32021 naming sampling; with it the tool runs.
func TestMissingCapability(t *testing.T) {
	endpoint := serveStateless(t, fixtureServer())
	sample := func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
		return nil, errors.New("unused")
	}

	_, err := connectHTTP(t, endpoint, nil).CallTool(t.Context(), &mcp.CallToolParams{Name: "test_missing_capability"})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != mcp.CodeMissingRequiredClientCapabilities {
		t.Fatalf("without sampling: want error %d, got %v", mcp.CodeMissingRequiredClientCapabilities, err)
	}
	var data mcp.MissingRequiredClientCapabilityData
	if err := json.Unmarshal(rpcErr.Data, &data); err != nil || data.RequiredCapabilities == nil || data.RequiredCapabilities.Sampling == nil {
		t.Errorf("error data %s does not name sampling (%v)", rpcErr.Data, err)
	}

	res, err := connectHTTP(t, endpoint, &mcp.ClientOptions{CreateMessageHandler: sample}).
		CallTool(t.Context(), &mcp.CallToolParams{Name: "test_missing_capability"})
	if err != nil {
		t.Fatal(err)
	}
	if got := resultText(t, res); !strings.Contains(got, "tool executed") {
		t.Errorf("with sampling: %q", got)
	}
}

// TestLoggingToolNeedsLogLevel: the tool's log message is on the response
// stream only when the request's _meta sets a log level, and the call
// succeeds either way. (Read from the wire: a client's notification handler
// may run after the call has returned.)
func TestLoggingToolNeedsLogLevel(t *testing.T) {
	endpoint := serveStateless(t, fixtureServer())
	for _, tc := range []struct {
		name     string
		meta     map[string]any
		wantLogs int
	}{
		{"no log level", nil, 0},
		{"log level info", map[string]any{"io.modelcontextprotocol/logLevel": "info"}, 1},
		{"log level error", map[string]any{"io.modelcontextprotocol/logLevel": "error"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postToolCall(t, endpoint, "test_logging_tool", map[string]any{}, tc.meta, nil)
			if status != http.StatusOK || !strings.Contains(body, "Log attempted") {
				t.Fatalf("status %d: %s", status, body)
			}
			if got := strings.Count(body, `"method":"notifications/message"`); got != tc.wantLogs {
				t.Errorf("%d log notifications, want %d:\n%s", got, tc.wantLogs, body)
			}
		})
	}
}

// TestParamHeaderChecked: the argument of test_x_mcp_header mirrored into
// Mcp-Param-Region must match the header. The go-sdk client sets it itself;
// a request whose header disagrees, or lacks it, is refused with HTTP 400
// and -32020 (header mismatch) before the tool runs.
func TestParamHeaderChecked(t *testing.T) {
	endpoint := serveStateless(t, fixtureServer())
	cs := connectHTTP(t, endpoint, nil)
	if _, err := cs.ListTools(t.Context(), nil); err != nil { // the client learns which arguments go into headers
		t.Fatal(err)
	}
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "test_x_mcp_header", Arguments: map[string]any{"region": "eu-west-1", "level": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got := resultText(t, res); got != `region="eu-west-1" level=2` {
		t.Errorf("got %q", got)
	}

	for _, tc := range []struct {
		name, header string
		wantStatus   int
	}{
		{"matching", "eu-west-1", http.StatusOK},
		{"matching, base64", "=?base64?ZXUtd2VzdC0x?=", http.StatusOK},
		{"mismatch", "us-east-1", http.StatusBadRequest},
		{"missing", "", http.StatusBadRequest},
		{"bad base64", "=?base64?ZXUtd2VzdC0x?=x", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postToolCall(t, endpoint, "test_x_mcp_header", map[string]any{"region": "eu-west-1"}, nil, map[string]string{"Mcp-Param-Region": tc.header})
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tc.wantStatus, body)
			}
			if tc.wantStatus == http.StatusBadRequest && !strings.Contains(body, "-32020") {
				t.Errorf("want error -32020 (header mismatch): %s", body)
			}
		})
	}
}

// postToolCall sends one 2026-07-28 tools/call, with meta added to its
// _meta and the standard headers and extra, and returns the status and the
// whole body (an event stream).
func postToolCall(t *testing.T, endpoint, tool string, args, meta map[string]any, extra map[string]string) (int, string) {
	t.Helper()
	m := map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "test", "version": "1"},
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
	}
	maps.Copy(m, meta)
	body, err := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": map[string]any{"name": tool, "arguments": args, "_meta": m},
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "tools/call")
	req.Header.Set("Mcp-Name", tool)
	for k, v := range extra {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

// TestTriggersNotifyListeners: once a subscriptions/listen stream is
// acknowledged, each trigger tool's change reaches it as the list_changed
// notification it asked for, tagged with its subscription id; and the
// lists are the same afterwards.
func TestTriggersNotifyListeners(t *testing.T) {
	endpoint := serveStateless(t, fixtureServer())
	cs := connectHTTP(t, endpoint, nil)
	toolsBefore, promptsBefore := lists(t, cs)
	for _, tc := range []struct {
		trigger, filter, want string
	}{
		{"test_trigger_tool_change", "toolsListChanged", "notifications/tools/list_changed"},
		{"test_trigger_prompt_change", "promptsListChanged", "notifications/prompts/list_changed"},
	} {
		t.Run(tc.trigger, func(t *testing.T) {
			frames := listen(t, endpoint, tc.filter)
			if ack := frames(); ack.Method != "notifications/subscriptions/acknowledged" {
				t.Fatalf("first frame %+v, want the acknowledgement", ack)
			}
			if _, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: tc.trigger}); err != nil {
				t.Fatal(err)
			}
			got := frames()
			if got.Method != tc.want || !strings.Contains(string(got.Params), "io.modelcontextprotocol/subscriptionId") {
				t.Errorf("got %s %s, want %s with the subscription id", got.Method, got.Params, tc.want)
			}
		})
	}
	if tools, prompts := lists(t, cs); tools != toolsBefore || prompts != promptsBefore {
		t.Errorf("the triggers changed the lists:\n%s\n%s\nthen\n%s\n%s", toolsBefore, promptsBefore, tools, prompts)
	}
}

// lists returns the names of the listed tools and of the listed prompts.
func lists(t *testing.T, cs *mcp.ClientSession) (tools, prompts string) {
	t.Helper()
	tl, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := cs.ListPrompts(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pl.Prompts {
		names = append(names, p.Name)
	}
	return toolNames(tl), strings.Join(names, " ")
}

// frame is one JSON-RPC message of an event stream.
type frame struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// listen opens a subscriptions/listen stream asking for the notification
// named by filter, and returns a function reading its next message. The
// stream closes when the test ends.
func listen(t *testing.T, endpoint, filter string) func() frame {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	body := `{"jsonrpc":"2.0","id":7,"method":"subscriptions/listen","params":{"notifications":{"` + filter + `":true},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"test","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "subscriptions/listen")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("subscriptions/listen: status %d", resp.StatusCode)
	}
	lines := bufio.NewScanner(resp.Body)
	return func() frame {
		t.Helper()
		for lines.Scan() {
			data, ok := strings.CutPrefix(lines.Text(), "data:")
			if !ok {
				continue
			}
			var f frame
			if err := json.Unmarshal([]byte(strings.TrimSpace(data)), &f); err != nil {
				t.Fatalf("event %q: %v", data, err)
			}
			return f
		}
		t.Fatalf("stream ended: %v", lines.Err())
		return frame{}
	}
}

func toolNames(list *mcp.ListToolsResult) string {
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	return strings.Join(names, " ")
}
