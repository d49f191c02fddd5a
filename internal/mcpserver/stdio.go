package mcpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// DefaultMaxStdioMessageBytes bounds one message (one line) read by a
// [StdioTransport] when its MaxMessageBytes is zero.
const DefaultMaxStdioMessageBytes = 4 << 20

// JSON-RPC error codes the stdio transport answers with itself.
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
)

// StdioTransport serves one MCP session over newline-delimited JSON-RPC, as
// desktop clients launch servers. Unlike the SDK's IOTransport it keeps the
// session going through a bad line, and it finishes cleanly when its input
// ends:
//
//   - A line that is not JSON, not a JSON-RPC message, longer than
//     MaxMessageBytes, or a batch (stdio carries one message per line) is
//     answered with a JSON-RPC error (id null unless the id could be read)
//     and logged; the next line is read as usual.
//   - When the input ends, every request already read is answered before
//     the session ends, so `printf … | knowledge-mcp stdio` prints every
//     answer.
type StdioTransport struct {
	// Reader is the client's side of the session (stdin).
	Reader io.Reader
	// Writer receives the server's messages (stdout), one per line.
	Writer io.Writer
	// Logger receives a warning for each bad line; nil discards them.
	Logger *slog.Logger
	// MaxMessageBytes bounds one line; 0 means DefaultMaxStdioMessageBytes.
	MaxMessageBytes int
}

var _ mcp.Transport = (*StdioTransport)(nil)

// Connect implements mcp.Transport. It starts reading the input.
func (t *StdioTransport) Connect(context.Context) (mcp.Connection, error) {
	limit := t.MaxMessageBytes
	if limit <= 0 {
		limit = DefaultMaxStdioMessageBytes
	}
	logger := t.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &stdioConn{
		w:      t.Writer,
		logger: logger,
		msgs:   make(chan jsonrpc.Message),
		closed: make(chan struct{}),
		idle:   make(chan struct{}),
	}
	close(c.idle) // nothing pending yet
	go c.readLoop(bufio.NewReaderSize(t.Reader, 64<<10), limit)
	return c, nil
}

// stdioConn is the connection of a StdioTransport.
type stdioConn struct {
	w      io.Writer
	logger *slog.Logger

	msgs      chan jsonrpc.Message // closed when the input ends
	readErr   error                // why the input ended; set before msgs is closed
	closed    chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex // guards writes to w and the fields below
	pending int        // calls read and not yet answered
	idle    chan struct{}
}

func (c *stdioConn) SessionID() string { return "" }

// Read implements mcp.Connection. At the end of the input it waits until
// every call read has been answered, then reports io.EOF.
func (c *stdioConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	select {
	case msg, ok := <-c.msgs:
		if ok {
			if req, isReq := msg.(*jsonrpc.Request); isReq && req.IsCall() {
				c.mu.Lock()
				if c.pending == 0 {
					c.idle = make(chan struct{})
				}
				c.pending++
				c.mu.Unlock()
			}
			return msg, nil
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.closed:
		return nil, io.EOF
	}
	c.mu.Lock()
	idle := c.idle
	c.mu.Unlock()
	select {
	case <-idle:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.closed:
	}
	return nil, c.readErr
}

// Write implements mcp.Connection.
func (c *stdioConn) Write(_ context.Context, msg jsonrpc.Message) error {
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return fmt.Errorf("encoding a message: %w", err)
	}
	_, isResponse := msg.(*jsonrpc.Response)
	c.mu.Lock()
	defer c.mu.Unlock()
	err = c.writeLine(data)
	if isResponse && c.pending > 0 {
		c.pending--
		if c.pending == 0 {
			close(c.idle)
		}
	}
	return err
}

// writeLine writes one message and its newline; c.mu is held.
func (c *stdioConn) writeLine(data []byte) error {
	if _, err := c.w.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("writing to stdout: %w", err)
	}
	return nil
}

func (c *stdioConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

// readLoop reads lines until the input ends, handing messages to Read and
// answering bad lines itself.
func (c *stdioConn) readLoop(r *bufio.Reader, limit int) {
	defer close(c.msgs)
	for {
		line, tooLong, err := readLine(r, limit)
		if len(bytes.TrimSpace(line)) > 0 || tooLong {
			msg, code, reason := decodeLine(line, tooLong, limit)
			if msg != nil {
				select {
				case c.msgs <- msg:
				case <-c.closed:
					c.readErr = io.EOF
					return
				}
			} else {
				c.answerBadLine(line, code, reason)
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.EOF
			} else {
				err = fmt.Errorf("reading stdin: %w", err)
			}
			c.readErr = err
			return
		}
	}
}

// readLine reads one line without its newline. A line longer than limit
// is read to its end and discarded: tooLong reports it.
func readLine(r *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	for {
		frag, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(frag) > limit+1 { // +1: the newline
				tooLong, line = true, nil
			} else {
				line = append(line, frag...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, err
	}
}

// decodeLine turns one line into a message, or says why it is not one.
func decodeLine(line []byte, tooLong bool, limit int) (msg jsonrpc.Message, code int, reason string) {
	switch {
	case tooLong:
		return nil, codeInvalidRequest, fmt.Sprintf("invalid request: the message is longer than %d bytes, the most one line may carry", limit)
	case !json.Valid(line):
		why := "not valid JSON"
		if err := json.Unmarshal(line, new(any)); err != nil {
			why = err.Error()
		}
		return nil, codeParseError, "parse error: the line is not valid JSON (" + excerpt(why, 120) + "); send one JSON-RPC message per line"
	}
	if t := bytes.TrimSpace(line); t[0] == '[' {
		return nil, codeInvalidRequest, "invalid request: batches are not accepted over stdio; send one JSON-RPC message per line"
	}
	msg, err := jsonrpc.DecodeMessage(line)
	if err != nil {
		why := strings.TrimPrefix(err.Error(), "invalid request: ")
		return nil, codeInvalidRequest, "invalid request: " + excerpt(why, 200)
	}
	return msg, 0, ""
}

// excerpt cuts s to at most n bytes (at a character), marking the cut.
func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// answerBadLine writes the error answer to a line that is not a message
// and logs it. The answer carries the line's id when one can be read and
// returned exactly, else null.
func (c *stdioConn) answerBadLine(line []byte, code int, reason string) {
	c.logger.Warn("stdio: bad message answered with an error", "code", code, "error", reason, "excerpt", kb.Excerpt(string(line)))
	answer := struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: "2.0", ID: echoableID(line)}
	answer.Error.Code, answer.Error.Message = code, reason
	data, err := json.Marshal(answer)
	if err != nil {
		c.logger.Error("stdio: encoding an error answer", "error", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.writeLine(data); err != nil {
		c.logger.Error("stdio: writing an error answer", "error", err)
	}
}

// echoableID returns the id of a JSON object line when it is a string or an
// integer that survives decoding exactly, else null.
func echoableID(line []byte) json.RawMessage {
	null := json.RawMessage("null")
	if !json.Valid(line) {
		return null
	}
	var probe struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(line, &probe) != nil || len(probe.ID) == 0 {
		return null
	}
	var v any
	if json.Unmarshal(probe.ID, &v) != nil {
		return null
	}
	switch x := v.(type) {
	case string:
		return probe.ID
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return json.RawMessage(fmt.Sprint(int64(x)))
		}
	}
	return null
}
