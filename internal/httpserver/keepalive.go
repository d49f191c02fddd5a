package httpserver

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// keepAliveWriter writes an SSE comment line on an event stream that has
// been silent for a whole interval, so that proxies with idle or read
// timeouts (CloudFront's 30 s origin read timeout, an ALB's 60 s idle
// timeout) keep a long tool call open. The SDK writes each event with one
// Write, and writes are serialized here, so comments fall between events.
//
// The keep-alive goroutine never reads the header map, which the SDK writes
// on other goroutines. Before the SDK sends anything it may write only once
// dispatched reports true: the SDK has set the event-stream headers and
// handed the request to the server (recordOutcome signals it, which orders
// the header writes before that report). After the header is sent, stream
// (noted on the sending goroutine) says whether it is an event stream.
//
// The check runs on a timer (time.AfterFunc), not on a goroutine of its own:
// most requests end long before the first check, and then cost no goroutine
// and no ticker.
type keepAliveWriter struct {
	http.ResponseWriter
	dispatched func() bool
	interval   time.Duration
	timer      *time.Timer
	mu         sync.Mutex
	lastWrite  time.Time
	headerDone bool
	stream     bool
	stopped    bool
}

// startKeepAlive wraps w, the writer of an event-stream request; dispatched
// reports when the SDK has set the headers and dispatched the request.
func startKeepAlive(w http.ResponseWriter, interval time.Duration, dispatched func() bool) *keepAliveWriter {
	k := &keepAliveWriter{ResponseWriter: w, dispatched: dispatched, interval: interval, lastWrite: time.Now()}
	if interval > 0 {
		k.mu.Lock()
		k.timer = time.AfterFunc(interval/2, k.check)
		k.mu.Unlock()
	}
	return k
}

// check runs every half interval, and writes a comment when the stream has
// been silent for a whole one.
func (k *keepAliveWriter) check() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return
	}
	silent := time.Since(k.lastWrite) >= k.interval
	if silent && (k.stream || (!k.headerDone && k.dispatched())) {
		if _, err := k.ResponseWriter.Write([]byte(": keepalive\n\n")); err == nil {
			_ = http.NewResponseController(k.ResponseWriter).Flush()
		}
		k.lastWrite = time.Now()
	}
	k.timer.Reset(k.interval / 2)
}

// headerSent notes, once, whether the response is an event stream. Called
// with mu held, on the handler's goroutine.
func (k *keepAliveWriter) headerSent() {
	if !k.headerDone {
		k.headerDone = true
		k.stream = strings.HasPrefix(k.Header().Get("Content-Type"), "text/event-stream")
	}
}

// stop ends the keep-alives; no write happens after it returns (a check
// already running finishes under mu first, a later one sees stopped).
func (k *keepAliveWriter) stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stopped = true
	if k.timer != nil {
		k.timer.Stop()
	}
}

func (k *keepAliveWriter) WriteHeader(code int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.headerSent()
	k.ResponseWriter.WriteHeader(code)
}

func (k *keepAliveWriter) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.headerSent()
	k.lastWrite = time.Now()
	return k.ResponseWriter.Write(p)
}

func (k *keepAliveWriter) Flush() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.headerSent()
	_ = http.NewResponseController(k.ResponseWriter).Flush()
}

func (k *keepAliveWriter) Unwrap() http.ResponseWriter { return k.ResponseWriter }
