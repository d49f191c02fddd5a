// Package ceiling is the benchmark's ceiling: a plain net/http handler that
// decodes a JSON-RPC tools/call of simpleadd and encodes the result in the
// shape an MCP server returns (text content plus structuredContent). No MCP
// semantics, no schema validation, no logging: the least any Go server
// answering this request must do.
package ceiling

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  struct {
		Name      string `json:"name"`
		Arguments struct {
			A float64 `json:"a"`
			B float64 `json:"b"`
		} `json:"arguments"`
	} `json:"params"`
}

type textContent struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type result struct {
	Content           []textContent      `json:"content"`
	StructuredContent map[string]float64 `json:"structuredContent"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  *result         `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Handler returns the ceiling's handler for /mcp.
func Handler() http.Handler { return http.HandlerFunc(serveMCP) }

func serveMCP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST JSON-RPC requests", http.StatusMethodNotAllowed)
		return
	}
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "parse error: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp := response{JSONRPC: "2.0", ID: req.ID}
	if req.Method != "tools/call" || req.Params.Name != "simpleadd" {
		resp.Error = &rpcError{Code: -32601, Message: fmt.Sprintf("unknown method %q or tool %q", req.Method, req.Params.Name)}
	} else {
		sum := req.Params.Arguments.A + req.Params.Arguments.B
		resp.Result = &result{
			Content:           []textContent{{Type: "text", Text: strconv.FormatFloat(sum, 'g', -1, 64)}},
			StructuredContent: map[string]float64{"sum": sum},
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}
