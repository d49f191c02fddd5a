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
type keepAliveWriter struct {
	http.ResponseWriter
	mu        sync.Mutex
	lastWrite time.Time
	done      chan struct{}
	finished  sync.WaitGroup
}

func startKeepAlive(w http.ResponseWriter, interval time.Duration) *keepAliveWriter {
	k := &keepAliveWriter{ResponseWriter: w, lastWrite: time.Now(), done: make(chan struct{})}
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
			if time.Since(k.lastWrite) >= interval && k.isEventStream() {
				if _, err := k.ResponseWriter.Write([]byte(": keepalive\n\n")); err == nil {
					_ = http.NewResponseController(k.ResponseWriter).Flush()
				}
				k.lastWrite = time.Now()
			}
			k.mu.Unlock()
		}
	}
}

func (k *keepAliveWriter) isEventStream() bool {
	return strings.HasPrefix(k.Header().Get("Content-Type"), "text/event-stream")
}

// stop ends the keep-alives; no write happens after it returns.
func (k *keepAliveWriter) stop() {
	close(k.done)
	k.finished.Wait()
}

func (k *keepAliveWriter) WriteHeader(code int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ResponseWriter.WriteHeader(code)
}

func (k *keepAliveWriter) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.lastWrite = time.Now()
	return k.ResponseWriter.Write(p)
}

func (k *keepAliveWriter) Flush() {
	k.mu.Lock()
	defer k.mu.Unlock()
	_ = http.NewResponseController(k.ResponseWriter).Flush()
}

func (k *keepAliveWriter) Unwrap() http.ResponseWriter { return k.ResponseWriter }
