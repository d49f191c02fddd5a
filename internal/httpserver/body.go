package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// DefaultMaxBatchMessages is the default of Options.MaxBatchMessages.
const DefaultMaxBatchMessages = 10

// readRequest is what readBody read from a POST to /mcp.
type readRequest struct {
	body  []byte
	env   envelope
	calls int // messages in the request: 1, or a batch's length
}

type readRequestKey struct{}

func readRequestFrom(ctx context.Context) *readRequest {
	rr, _ := ctx.Value(readRequestKey{}).(*readRequest)
	return rr
}

// readBody reads a POST's body, within MaxBodyBytes and the server's read
// timeout, before the request takes a concurrency slot or a rate-limit
// token: a client sending its body slowly holds a connection, never a
// slot. It parses the envelope, counts the messages (a batch is charged
// one slot and one token per message, below) and refuses a batch of more
// than MaxBatchMessages.
func (h *handler) readBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !isMCPPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				setReason(r, "body_too_large")
				writeRPCError(w, http.StatusRequestEntityTooLarge, nil, codeInvalidRequest,
					fmt.Sprintf("request body exceeds %d bytes (MAX_BODY_BYTES)", tooLarge.Limit))
				return
			}
			setReason(r, "body_unreadable")
			writeRPCError(w, http.StatusBadRequest, nil, codeInvalidRequest, "the request body could not be read in time or was cut short; send it whole, within READ_TIMEOUT")
			return
		}
		if ct := r.Header.Get("Content-Type"); !isJSONContentType(ct) {
			writeRPCError(w, http.StatusUnsupportedMediaType, nil, codeInvalidRequest,
				fmt.Sprintf("Content-Type must be application/json, got %q", excerpt(ct, 60)))
			return
		}
		env, err := parseEnvelope(body)
		if err != nil {
			writeRPCError(w, http.StatusBadRequest, nil, codeParseError, "parse error: "+excerpt(err.Error(), 200))
			return
		}
		if env.DuplicateID != nil {
			setReason(r, "invalid_id")
			writeRPCError(w, http.StatusBadRequest, nil, codeInvalidRequest, fmt.Sprintf(
				"invalid request: id %s appears more than once in the batch; give each call of a batch its own id", excerpt(string(env.DuplicateID), 40)))
			return
		}
		if v := r.Header.Get("Mcp-Protocol-Version"); v != "" && !isProtocolVersion(v) {
			setReason(r, "bad_protocol_version")
			writeRPCError(w, http.StatusBadRequest, nil, codeInvalidRequest, fmt.Sprintf(
				"invalid request: MCP-Protocol-Version %q is not a protocol version; versions are dates such as 2025-06-18", excerpt(v, 40)))
			return
		}
		if err := checkID(env.ID); err != nil {
			setReason(r, "invalid_id")
			writeRPCError(w, http.StatusBadRequest, nil, codeInvalidRequest, "invalid request: "+err.Error())
			return
		}
		calls := max(1, env.Batch)
		if env.Batch > h.opts.MaxBatchMessages {
			setReason(r, "batch_too_large")
			writeRPCError(w, http.StatusBadRequest, nil, codeInvalidRequest, fmt.Sprintf(
				"a batch of %d messages; at most %d are accepted in one request (MAX_BATCH_MESSAGES): send them in smaller batches or one by one",
				env.Batch, h.opts.MaxBatchMessages))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		ctx := context.WithValue(r.Context(), readRequestKey{}, &readRequest{body: body, env: env, calls: calls})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// callsOf returns how many concurrency slots and rate-limit tokens r costs.
func callsOf(r *http.Request) int {
	if rr := readRequestFrom(r.Context()); rr != nil {
		return rr.calls
	}
	return 1
}

// excerpt cuts s to at most n bytes for an error message, marking the cut.
func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// DefaultMaxResponseBytes is the default of Options.MaxResponseBytes: well
// above any one answer of the knowledge base tools (a search of 100
// passages is a few MiB), well below a 512 MiB task's memory.
const DefaultMaxResponseBytes = 32 << 20

// cappedResponse holds a JSON response until it is complete, so that an
// answer beyond the cap can be replaced by an error before anything is
// sent.
type cappedResponse struct {
	w      http.ResponseWriter
	limit  int64
	status int
	buf    bytes.Buffer
	over   int64 // bytes written beyond the cap; 0 when within it
}

func (c *cappedResponse) Header() http.Header { return c.w.Header() }

func (c *cappedResponse) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *cappedResponse) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.over > 0 || int64(c.buf.Len()+len(p)) > c.limit {
		if c.over == 0 {
			c.over = int64(c.buf.Len())
			c.buf = bytes.Buffer{}
		}
		c.over += int64(len(p))
		return len(p), nil
	}
	return c.buf.Write(p)
}

// finish sends the response held, or, beyond the cap, a JSON-RPC error
// answering id (null for a batch).
func (c *cappedResponse) finish(r *http.Request, id []byte) {
	if c.over > 0 {
		setReason(r, "response_too_large")
		c.w.Header().Del("Content-Length")
		writeRPCError(c.w, http.StatusOK, id, codeInternalError, fmt.Sprintf(
			"the answer is larger than %d bytes (MAX_RESPONSE_BYTES); ask for less: fewer results (max_results), or fewer calls per batch", c.limit))
		return
	}
	if c.status == 0 {
		return
	}
	if c.status >= 400 && strings.HasPrefix(c.w.Header().Get("Content-Type"), "text/plain") {
		// An error the SDK wrote as plain text: the client gets JSON-RPC.
		msg := strings.TrimSpace(c.buf.String())
		msg = strings.TrimPrefix(msg, "malformed payload: ")
		c.w.Header().Del("Content-Length")
		c.w.Header().Del("X-Content-Type-Options")
		writeRPCError(c.w, c.status, nil, codeInvalidRequest, excerpt(msg, 200))
		return
	}
	c.w.WriteHeader(c.status)
	c.w.Write(c.buf.Bytes())
}

// checkID refuses a request id that would not come back exactly as sent:
// the SDK reads a numeric id as a float64, so only integers of magnitude
// below 2^53 survive. Strings and null (or no id) pass.
func checkID(raw []byte) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '"', 'n':
		return nil
	case '{':
		return errors.New("id must be a string or an integer, not an object")
	case '[':
		return errors.New("id must be a string or an integer, not an array")
	case 't', 'f':
		return errors.New("id must be a string or an integer, not a boolean")
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("id %s is not a number", excerpt(string(raw), 40))
	}
	if f != math.Trunc(f) || math.IsInf(f, 0) && err == nil {
		return fmt.Errorf("id %s is not an integer; use a string or an integer id", excerpt(string(raw), 40))
	}
	if math.Abs(f) >= 1<<53 {
		return fmt.Errorf("id %s is too large to be returned exactly; use a string id or an integer below 2^53 (9007199254740992)", excerpt(string(raw), 40))
	}
	return nil
}

// isProtocolVersion reports whether v has the shape of an MCP protocol
// version, a date: YYYY-MM-DD.
func isProtocolVersion(v string) bool {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	for i, c := range v {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// cappedStream caps the events of one event-stream response: the event that
// would pass the cap is replaced by an error event answering id (null for a
// batch), and nothing more is sent. The SDK writes each event in one Write.
type cappedStream struct {
	http.ResponseWriter
	r    *http.Request
	id   []byte
	left int64
	over bool
}

func (c *cappedStream) Write(p []byte) (int, error) {
	if c.over {
		return len(p), nil
	}
	if int64(len(p)) > c.left {
		c.over = true
		setReason(c.r, "response_too_large")
		id := c.id
		if len(id) == 0 {
			id = []byte("null")
		}
		msg, _ := json.Marshal(rpcErrorResponse{JSONRPC: "2.0", ID: id, Error: rpcErrorObject{Code: codeInternalError,
			Message: "the answer is larger than the server sends in one response (MAX_RESPONSE_BYTES); ask for less: fewer results (max_results), or fewer calls per batch"}})
		if _, err := c.ResponseWriter.Write([]byte("event: message\ndata: " + string(msg) + "\n\n")); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	c.left -= int64(len(p))
	return c.ResponseWriter.Write(p)
}

// Flush passes a flush on to the stream.
func (c *cappedStream) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (c *cappedStream) Unwrap() http.ResponseWriter { return c.ResponseWriter }
