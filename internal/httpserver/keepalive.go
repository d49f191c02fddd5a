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
type keepAliveWriter struct {
	http.ResponseWriter
	dispatched func() bool
	mu         sync.Mutex
	lastWrite  time.Time
	headerDone bool
	stream     bool
	done       chan struct{}
	finished   sync.WaitGroup
}

// startKeepAlive wraps w, the writer of an event-stream request; dispatched
// reports when the SDK has set the headers and dispatched the request.
func startKeepAlive(w http.ResponseWriter, interval time.Duration, dispatched func() bool) *keepAliveWriter {
	k := &keepAliveWriter{ResponseWriter: w, dispatched: dispatched, lastWrite: time.Now(), done: make(chan struct{})}
	if interval <= 0 {
		return k
	}
	k.finished.Add(1)
	go k.loop(interval)
	return k
}

func (k *keepAliveWriter) loop(interval time.Duration) {
	defer k.finished.Done()
	ticker := time.NewTicker(interval / 2)
	defer ticker.Stop()
	for {
		select {
		case <-k.done:
			return
		case <-ticker.C:
			k.mu.Lock()
			silent := time.Since(k.lastWrite) >= interval
			if silent && (k.stream || (!k.headerDone && k.dispatched())) {
				if _, err := k.ResponseWriter.Write([]byte(": keepalive\n\n")); err == nil {
					_ = http.NewResponseController(k.ResponseWriter).Flush()
				}
				k.lastWrite = time.Now()
			}
			k.mu.Unlock()
		}
	}
}

// headerSent notes, once, whether the response is an event stream. Called
// with mu held, on the handler's goroutine.
func (k *keepAliveWriter) headerSent() {
	if !k.headerDone {
		k.headerDone = true
		k.stream = strings.HasPrefix(k.Header().Get("Content-Type"), "text/event-stream")
	}
}

// stop ends the keep-alives; no write happens after it returns.
func (k *keepAliveWriter) stop() {
	close(k.done)
	k.finished.Wait()
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
