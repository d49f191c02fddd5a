package httpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	segjson "github.com/segmentio/encoding/json"
)

// mcpEndpoint serves /mcp. It picks the response format per request: a
// client that lists text/event-stream in Accept gets an event stream (so
// progress and log notifications reach it during long calls), any other
// client gets plain JSON (Postman, curl, simple gateways). Both are stateless:
// any replica answers any request and a client-sent Mcp-Session-Id is ignored.
type mcpEndpoint struct {
	stream       http.Handler // SSE responses
	json         http.Handler // application/json responses
	maxBodyBytes int64
	opts         Options
}

func newMCPEndpoint(server *mcp.Server, opts Options) *mcpEndpoint {
	getServer := func(*http.Request) *mcp.Server { return server }
	base := mcp.StreamableHTTPOptions{
		Stateless: true,
		// The host check is done by hostGuard, which also honours the
		// operator's allowed hosts for reverse proxies.
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        opts.MaxBodyBytes,
		Logger:                     mcpserver.SDKLogger(opts.Logger),
	}
	jsonOpts := base
	jsonOpts.JSONResponse = true
	return &mcpEndpoint{
		stream:       mcp.NewStreamableHTTPHandler(getServer, &base),
		json:         mcp.NewStreamableHTTPHandler(getServer, &jsonOpts),
		maxBodyBytes: opts.MaxBodyBytes,
		opts:         opts,
	}
}

func (e *mcpEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wantsStream := acceptsEventStream(r.Header.Values("Accept"))
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if !wantsStream {
			// A health checker (an ALB whose health check path is /mcp).
			writeJSON(w, http.StatusOK, map[string]string{
				"status":    "ok",
				"transport": "streamable-http",
				"usage":     "POST JSON-RPC requests to this path",
			})
			return
		}
		e.stream.ServeHTTP(w, r) // stateless: 405 with Allow: POST
		return
	case http.MethodPost:
	default:
		e.stream.ServeHTTP(w, r)
		return
	}

	rr := readRequestFrom(r.Context())
	if rr == nil {
		// Only reached without the handler's chain (readBody reads every
		// POST first).
		writeRPCError(w, http.StatusInternalServerError, nil, codeInternalError, "internal error: the request body was not read")
		return
	}
	env := rr.env
	if info := infoFrom(r.Context()); info != nil {
		info.rpcMethod, info.tool = env.Method, env.Tool
	}
	if env.IsRequest && !knownMethod(env.Method) && r.Header.Get("Mcp-Protocol-Version") < "2026-07-28" {
		// From 2026-07-28 on the SDK answers this itself, as that revision
		// specifies (404 with -32601).
		writeRPCError(w, http.StatusOK, env.ID, codeMethodNotFound, fmt.Sprintf("method not found: %q", env.Method))
		return
	}

	if env.Batch > 0 && e.serveMixedBatch(w, r, rr.body) {
		return
	}
	if !wantsStream {
		// The SDK insists that Accept lists both types even when it answers
		// JSON; simple clients send neither.
		r.Header.Set("Accept", "application/json, text/event-stream")
		cw := &cappedResponse{w: w, limit: e.opts.MaxResponseBytes}
		e.json.ServeHTTP(cw, r)
		cw.finish(r, env.ID)
		return
	}
	w.Header().Set("X-Accel-Buffering", "no")
	info := infoFrom(r.Context())
	ka := startKeepAlive(w, e.opts.KeepAlive, func() bool { return info != nil && info.dispatched.Load() })
	defer ka.stop()
	e.stream.ServeHTTP(&cappedStream{ResponseWriter: ka, r: r, id: env.ID, left: e.opts.MaxResponseBytes}, r)
}

// acceptsEventStream reports whether the Accept header lists
// text/event-stream explicitly (a wildcard does not count: a client that
// accepts anything is served the simpler JSON).
func acceptsEventStream(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == "text/event-stream" {
				return true
			}
		}
	}
	return false
}

func isJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// JSON-RPC error codes.
const (
	codeParseError     = -32700
	codeInternalError  = -32603
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
)

// envelope is what the endpoint needs to know of a JSON-RPC message: enough
// to log it and to answer errors the SDK would answer in plain text.
type envelope struct {
	ID        json.RawMessage
	Method    string
	Tool      string
	IsRequest bool
	// Batch is the number of messages of a batch; 0 for one message.
	Batch int
	// DuplicateID is an id two members of a batch share (only one of them
	// would be answered); nil when there is none.
	DuplicateID json.RawMessage
}

// envelopeFlags parse the way the SDK does (field names match case
// sensitively, so the log names the method the SDK sees) and without copying
// strings out of the body, which outlives the request's log line.
const envelopeFlags = segjson.DontMatchCaseInsensitiveStructFields | segjson.ZeroCopy

// parseEnvelope reads the JSON-RPC message's id, method and tool. It runs on
// every POST, so it parses in place (segmentio/encoding, which the SDK
// already links) rather than through encoding/json's reflection.
func parseEnvelope(body []byte) (envelope, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return envelope{}, errors.New("empty body; send one JSON-RPC message")
	}
	if trimmed[0] == '[' {
		var batch []json.RawMessage
		if err := parseJSON(trimmed, &batch); err != nil {
			return envelope{}, err
		}
		env := envelope{Method: "batch", Batch: len(batch)}
		seen := make(map[string]bool, len(batch))
		for _, raw := range batch {
			var member struct {
				ID json.RawMessage `json:"id"`
			}
			if parseJSON(raw, &member) != nil || len(member.ID) == 0 || string(member.ID) == "null" {
				continue
			}
			if seen[string(member.ID)] && env.DuplicateID == nil {
				env.DuplicateID = member.ID
			}
			seen[string(member.ID)] = true
		}
		return env, nil
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	if err := parseJSON(trimmed, &msg); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return envelope{}, err
		}
		// Valid JSON of an unexpected shape: let the SDK judge it.
	}
	env := envelope{ID: msg.ID, Method: msg.Method, IsRequest: len(msg.ID) > 0 && msg.Method != ""}
	if msg.Method == "tools/call" {
		env.Tool = msg.Params.Name
	}
	return env, nil
}

// parseJSON decodes the single JSON value data holds into v. Like
// json.Unmarshal, it rejects invalid JSON and anything after the value;
// segjson.Valid is the strict scan the SDK's decoder makes too.
func parseJSON(data []byte, v any) error {
	if !segjson.Valid(data) {
		// Rare path: report encoding/json's description of the fault.
		if err := json.Unmarshal(data, new(any)); err != nil {
			return err
		}
		return errors.New("invalid JSON")
	}
	_, err := segjson.Parse(data, v, envelopeFlags)
	return err
}

// knownMethod reports whether the SDK handles a client-to-server request
// method. Unknown methods are answered here with a JSON-RPC "method not
// found" naming the method, where the SDK would answer a plain-text 400.
func knownMethod(m string) bool {
	switch m {
	case "initialize", "ping", "tools/list", "tools/call", "resources/list", "resources/read",
		"resources/templates/list", "resources/subscribe", "resources/unsubscribe",
		"prompts/list", "prompts/get", "completion/complete", "logging/setLevel",
		"server/discover", "subscriptions/listen":
		return true
	}
	return false
}

// rpcErrorResponse is a JSON-RPC error answer with its keys in the SDK's
// order ({"jsonrpc","id","error"}), so the answers this package writes
// itself look like the SDK's.
type rpcErrorResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   rpcErrorObject  `json:"error"`
}

type rpcErrorObject struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func writeRPCError(w http.ResponseWriter, status int, id json.RawMessage, code int, message string) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	writeJSON(w, status, rpcErrorResponse{JSONRPC: "2.0", ID: id, Error: rpcErrorObject{Code: code, Message: message}})
}
