// Package agentcore plays Amazon Bedrock AgentCore Runtime's part against
// a real knowledge-mcp server, to prove locally the contract the platform
// imposes on an MCP container:
//
//   - the container listens on 0.0.0.0:8000 and serves streamable HTTP at
//     /mcp, statelessly: the platform pins each runtime session to a
//     microVM, and a new microVM (a cold start) may receive a session id
//     an earlier one served;
//   - every request carries X-Amzn-Bedrock-AgentCore-Runtime-Session-Id, and
//     Mcp-Session-Id when the client sent one;
//   - the platform health-checks the container with unauthenticated
//     POST /mcp requests over loopback, with the public endpoint's Host;
//   - the platform authenticates callers; the container sees no
//     Authorization header unless it is allow-listed.
//
// The package's tests run the contract against the binary; test/container
// runs it against the container image under podman.
package agentcore

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

// Headers the platform adds to every request it forwards.
const (
	RuntimeSessionHeader = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
	MCPSessionHeader     = "Mcp-Session-Id"
	// PlatformHost is the Host of the Runtime's public endpoint, which the
	// container sees on forwarded requests and health checks alike.
	PlatformHost = "bedrock-agentcore.us-east-1.amazonaws.com"
	// ProtocolVersion is the MCP version the harness speaks.
	ProtocolVersion = "2025-06-18"
)

// Env is the server's configuration in a Runtime (deploy/stack's
// RuntimeEnvironment for the built-in documentation): the platform does
// the authentication and health checks over loopback with its own Host.
// Tests that share a machine override PORT.
var Env = []string{"HOST=0.0.0.0", "PORT=8000", "AUTH=none", "ALLOWED_HOSTS=*", "KB_BACKEND=local", "LOG_LEVEL=info"}

// Platform sends requests to a server the way the Runtime forwards them.
type Platform struct {
	// Base is the server's base URL, e.g. http://127.0.0.1:8000.
	Base string
}

// Reply is one JSON-RPC response, taken from a JSON body or from the
// event stream of an SSE body.
type Reply struct {
	Status int
	Header http.Header
	Result json.RawMessage
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	Body string
}

// Post forwards one JSON-RPC message to /mcp with the platform's Host, the
// runtime session id (and Mcp-Session-Id when mcpSession is set), and no
// Authorization header.
func (p Platform) Post(t testing.TB, runtimeSession, mcpSession, body string) Reply {
	t.Helper()
	headers := []string{"Host", PlatformHost, "Accept", "application/json, text/event-stream", "MCP-Protocol-Version", ProtocolVersion}
	if runtimeSession != "" {
		headers = append(headers, RuntimeSessionHeader, runtimeSession)
	}
	if mcpSession != "" {
		headers = append(headers, MCPSessionHeader, mcpSession)
	}
	resp, data := testbin.Call(t, http.MethodPost, p.Base+"/mcp", body, headers...)
	r := Reply{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
	payload := data
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		payload = nil
		for _, line := range strings.Split(string(data), "\n") {
			if d, ok := strings.CutPrefix(line, "data:"); ok {
				payload = []byte(strings.TrimSpace(d))
			}
		}
	}
	if len(payload) > 0 {
		var msg struct {
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(payload, &msg); err == nil {
			r.Result, r.Error = msg.Result, msg.Error
		}
	}
	return r
}

// HealthProbe is the platform's health check: an unauthenticated
// POST /mcp (a ping) over loopback, carrying the public endpoint's Host
// and no session header.
func (p Platform) HealthProbe(t testing.TB) Reply {
	t.Helper()
	return p.Post(t, "", "", `{"jsonrpc":"2.0","id":"health","method":"ping"}`)
}

// ok fails the test unless the reply is a JSON-RPC result.
func (r Reply) ok(t testing.TB, what string) {
	t.Helper()
	if r.Status != http.StatusOK || r.Error != nil || len(r.Result) == 0 {
		t.Fatalf("%s: HTTP %d, want 200 with a JSON-RPC result:\n%s", what, r.Status, r.Body)
	}
}

// Session plays one runtime session as an MCP client drives it through
// the platform: initialize, initialized, tools/list, then a search and a
// document read of the built-in documentation. mcpSession is what the
// client sends as Mcp-Session-Id after initialize ("" for none).
func (p Platform) Session(t testing.TB, runtimeSession, mcpSession string) {
	t.Helper()
	init := p.Post(t, runtimeSession, "", fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"agentcore-harness","version":"0"}}}`, ProtocolVersion))
	init.ok(t, "initialize")
	var ir struct {
		ProtocolVersion string `json:"protocolVersion"`
		ServerInfo      struct {
			Name string `json:"name"`
		} `json:"serverInfo"`
	}
	if err := json.Unmarshal(init.Result, &ir); err != nil || ir.ProtocolVersion != ProtocolVersion || ir.ServerInfo.Name != "knowledge-mcp" {
		t.Fatalf("initialize result %s (%v): want protocol %s from knowledge-mcp", init.Result, err, ProtocolVersion)
	}
	// Stateless: the server hands out no session for the platform to pin.
	if id := init.Header.Get(MCPSessionHeader); id != "" {
		t.Errorf("initialize returned Mcp-Session-Id %q; a stateless server must not", id)
	}
	if r := p.Post(t, runtimeSession, mcpSession, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); r.Status != http.StatusAccepted {
		t.Fatalf("notifications/initialized: HTTP %d, want 202:\n%s", r.Status, r.Body)
	}
	list := p.Post(t, runtimeSession, mcpSession, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	list.ok(t, "tools/list")
	for _, tool := range []string{`"search_knowledge_base"`, `"get_document"`, `"list_knowledge_bases"`} {
		if !strings.Contains(string(list.Result), tool) {
			t.Errorf("tools/list lacks %s", tool)
		}
	}
	search := p.Post(t, runtimeSession, mcpSession, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_knowledge_base","arguments":{"query":"deploy to AgentCore Runtime"}}}`)
	search.ok(t, "tools/call search_knowledge_base")
	var sr struct {
		IsError           bool `json:"isError"`
		StructuredContent struct {
			Results []struct {
				URI string `json:"uri"`
			} `json:"results"`
		} `json:"structuredContent"`
	}
	if err := json.Unmarshal(search.Result, &sr); err != nil || sr.IsError || len(sr.StructuredContent.Results) == 0 {
		t.Fatalf("search found nothing in the built-in documentation (%v):\n%s", err, search.Result)
	}
	doc := p.Post(t, runtimeSession, mcpSession, fmt.Sprintf(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_document","arguments":{"uri":%q}}}`, sr.StructuredContent.Results[0].URI))
	doc.ok(t, "tools/call get_document")
	if strings.Contains(string(doc.Result), `"isError":true`) {
		t.Fatalf("get_document %s: %s", sr.StructuredContent.Results[0].URI, doc.Result)
	}
}

// Check runs the contract against a server that was started with Env
// (any port): the loopback health probe with the platform's Host, a new
// runtime session with and without Mcp-Session-Id, and a session id
// reused. restart, when not nil, stops the server with SIGTERM (requiring
// a clean exit) and starts it again, as the platform does between
// sessions; the reused session id must then work on the fresh process.
func Check(t *testing.T, p Platform, restart func(t *testing.T) Platform) {
	t.Run("health probe over loopback with the platform's Host", func(t *testing.T) {
		p.HealthProbe(t).ok(t, "health probe POST /mcp")
	})
	const first = "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9-first-session"
	t.Run("new runtime session", func(t *testing.T) { p.Session(t, first, "") })
	t.Run("new runtime session with Mcp-Session-Id", func(t *testing.T) {
		p.Session(t, "0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9-second-session", "platform-forwarded-mcp-session")
	})
	t.Run("runtime session id reused", func(t *testing.T) { p.Session(t, first, first) })
	if restart == nil {
		return
	}
	t.Run("SIGTERM between sessions, then the session id again", func(t *testing.T) {
		p := restart(t)
		p.HealthProbe(t).ok(t, "health probe after restart")
		p.Session(t, first, first)
	})
}
