package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// MessageFromSSE returns the JSON-RPC message of a response body: the body
// itself when it is JSON, or the data of the last "message" event when it is
// an event stream (text/event-stream, as MCP's streamable HTTP may answer).
func MessageFromSSE(body []byte) []byte {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] == '{' || trimmed[0] == '[' {
		return trimmed
	}
	var last, data []byte
	var event string
	flush := func() {
		if len(data) > 0 && (event == "" || event == "message") {
			last = data
		}
		data, event = nil, ""
	}
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSuffix(line, "\r")
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "data:"):
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")...)
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		}
	}
	flush()
	if last == nil {
		return trimmed
	}
	return last
}

// CheckToolResult verifies a JSON-RPC response to a tools/call, sent as
// JSON or as an event stream: a result that is not an error, with
// structuredContent. When want is not nil, every key of want must be in
// structuredContent with an equal JSON value.
func CheckToolResult(body []byte, want map[string]any) error {
	body = MessageFromSSE(body)
	var resp struct {
		JSONRPC string          `json:"jsonrpc"`
		Error   json.RawMessage `json:"error"`
		Result  *struct {
			IsError           bool           `json:"isError"`
			Content           []any          `json:"content"`
			StructuredContent map[string]any `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return fmt.Errorf("response is not JSON-RPC JSON (%w): %.200q", err, body)
	}
	if resp.JSONRPC != "2.0" {
		return fmt.Errorf("response lacks jsonrpc 2.0: %.200q", body)
	}
	if len(resp.Error) > 0 {
		return fmt.Errorf("JSON-RPC error: %s", resp.Error)
	}
	if resp.Result == nil {
		return fmt.Errorf("response has no result: %.200q", body)
	}
	if resp.Result.IsError {
		return fmt.Errorf("tool error: %.200q", body)
	}
	if len(resp.Result.Content) == 0 || resp.Result.StructuredContent == nil {
		return fmt.Errorf("result lacks content or structuredContent: %.200q", body)
	}
	for k, v := range want {
		got, ok := resp.Result.StructuredContent[k]
		if !ok {
			return fmt.Errorf("structuredContent lacks %q: %.200q", k, body)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(v)
		if string(gj) != string(wj) {
			return fmt.Errorf("structuredContent.%s = %s, want %s", k, gj, wj)
		}
	}
	return nil
}

// CheckSearchResult verifies a JSON-RPC response to a search_knowledge_base
// call: a tool result whose structuredContent holds a "results" array.
func CheckSearchResult(body []byte) error {
	if err := CheckToolResult(body, nil); err != nil {
		return err
	}
	var resp struct {
		Result struct {
			StructuredContent struct {
				Results *[]json.RawMessage `json:"results"`
			} `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.Unmarshal(MessageFromSSE(body), &resp); err != nil {
		return err
	}
	if resp.Result.StructuredContent.Results == nil {
		return fmt.Errorf("structuredContent lacks a results array: %.200q", body)
	}
	return nil
}
