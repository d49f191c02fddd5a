package verify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// rpcResponse is a JSON-RPC response as the doctor reads it.
type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *rpcError       `json:"error"`
}

type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// toolResult is the part of a tools/call result the doctor reads.
type toolResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent"`
	IsError           bool            `json:"isError"`
}

// text joins the result's text content.
func (r *toolResult) text() string {
	var parts []string
	for _, c := range r.Content {
		if c.Text != "" {
			parts = append(parts, c.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// parseRPC reads the JSON-RPC response from a body that is either JSON or an
// event stream whose data lines carry it; with SSE, the first message that
// has an id is the response.
func parseRPC(contentType string, body []byte) (*rpcResponse, error) {
	if strings.Contains(strings.ToLower(contentType), "text/event-stream") {
		return parseSSE(body)
	}
	var r rpcResponse
	if err := json.Unmarshal(bytes.TrimSpace(body), &r); err != nil {
		return nil, fmt.Errorf("response is not JSON-RPC (Content-Type %q): %w", contentType, err)
	}
	if r.JSONRPC != "2.0" {
		return nil, fmt.Errorf("response is not JSON-RPC 2.0 (Content-Type %q)", contentType)
	}
	return &r, nil
}

func parseSSE(body []byte) (*rpcResponse, error) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), maxBody)
	var data strings.Builder
	flush := func() (*rpcResponse, bool) {
		defer data.Reset()
		if data.Len() == 0 {
			return nil, false
		}
		var r rpcResponse
		if json.Unmarshal([]byte(data.String()), &r) == nil && len(r.ID) > 0 && (r.Result != nil || r.Error != nil) {
			return &r, true
		}
		return nil, false
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if r, ok := flush(); ok {
				return r, nil
			}
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if r, ok := flush(); ok {
		return r, nil
	}
	return nil, errors.New("event stream carried no JSON-RPC response")
}
