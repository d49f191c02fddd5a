package httpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// serveMixedBatch answers a batch some of whose members are not valid
// JSON-RPC messages: the valid members are served as a batch of their own
// and the invalid ones each get an error answer in the same JSON array
// (the SDK refuses such a batch whole). It reports false, having written
// nothing, when every member is valid.
func (e *mcpEndpoint) serveMixedBatch(w http.ResponseWriter, r *http.Request, body []byte) bool {
	var members []json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return false
	}
	var valid, answers []json.RawMessage
	for _, m := range members {
		if _, err := jsonrpc.DecodeMessage(m); err != nil {
			answers = append(answers, memberError(m, err))
			continue
		}
		valid = append(valid, m)
	}
	if len(answers) == 0 {
		return false
	}
	if len(valid) > 0 {
		sub := []byte("[")
		for i, m := range valid {
			if i > 0 {
				sub = append(sub, ',')
			}
			sub = append(sub, m...)
		}
		sub = append(sub, ']')
		r2 := r.Clone(r.Context())
		r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(sub)), int64(len(sub))
		r2.Header.Set("Accept", "application/json, text/event-stream")
		rec := &bufferedResponse{header: http.Header{}}
		e.json.ServeHTTP(rec, r2)
		switch rec.status {
		case http.StatusOK:
			var got []json.RawMessage
			if json.Unmarshal(rec.body.Bytes(), &got) != nil {
				var one json.RawMessage
				if json.Unmarshal(rec.body.Bytes(), &one) != nil {
					writeRPCError(w, http.StatusInternalServerError, nil, codeInternalError, "internal error: the answer to the batch's valid calls could not be read")
					return true
				}
				got = []json.RawMessage{one}
			}
			answers = append(got, answers...)
		case http.StatusAccepted, 0:
			// Only notifications were valid: no answers of theirs.
		default:
			// The valid part was refused as a whole: pass that on.
			cw := &cappedResponse{w: w, limit: e.opts.MaxResponseBytes}
			for k, v := range rec.header {
				cw.Header()[k] = v
			}
			cw.WriteHeader(rec.status)
			cw.Write(rec.body.Bytes())
			cw.finish(r, nil)
			return true
		}
	}
	out, err := json.Marshal(answers)
	if err != nil {
		writeRPCError(w, http.StatusInternalServerError, nil, codeInternalError, "internal error: encoding the batch's answers")
		return true
	}
	if int64(len(out)) > e.opts.MaxResponseBytes {
		cw := &cappedResponse{w: w, limit: e.opts.MaxResponseBytes}
		cw.Write(out)
		cw.finish(r, nil)
		return true
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(out)
	return true
}

// memberError is the error answer to one invalid member of a batch: its
// id when that can be returned exactly, else null.
func memberError(m json.RawMessage, err error) json.RawMessage {
	var probe struct {
		ID json.RawMessage `json:"id"`
	}
	id := json.RawMessage("null")
	if json.Unmarshal(m, &probe) == nil && len(probe.ID) > 0 && checkID(probe.ID) == nil {
		id = probe.ID
	}
	msg := strings.TrimPrefix(err.Error(), "invalid request: ")
	if strings.Contains(msg, "Go ") || strings.Contains(msg, "unmarshal") {
		msg = "the member is not a JSON-RPC 2.0 message: an object with \"jsonrpc\": \"2.0\", a string \"method\" and an optional string or integer \"id\""
	}
	out, _ := json.Marshal(rpcErrorResponse{JSONRPC: "2.0", ID: id, Error: rpcErrorObject{Code: codeInvalidRequest, Message: "invalid request: " + excerpt(msg, 200)}})
	return out
}

// bufferedResponse holds a response in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
