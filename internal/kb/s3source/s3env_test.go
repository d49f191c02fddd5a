package s3source_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/s3source"
)

const testBucket = "team-docs"

// fault, when it returns true, has answered the request itself instead of
// the S3 server behind the proxy; next is that server.
type fault func(w http.ResponseWriter, r *http.Request, next http.Handler) bool

// s3env is gofakes3 (an S3 server written by others) on loopback, behind
// a proxy that can inject faults the server itself cannot, driven by the
// real AWS SDK configured from the environment as a server is.
type s3env struct {
	URL     string
	Client  *s3.Client
	backend *s3mem.Backend
	fault   atomic.Pointer[fault]
	// gets counts GET requests as they arrive (the log below records
	// them when answered, which a stalled one may not be yet).
	gets atomic.Int64
	// wire counts the bytes both ways on the connections to the proxy.
	wire atomic.Int64

	mu       sync.Mutex
	requests []string // "METHOD PATH STATUS"
	bytesOut int64    // response body bytes to the client
}

func newS3Env(t testing.TB) *s3env {
	t.Helper()
	e := &s3env{backend: s3mem.New()}
	fake := gofakes3.New(e.backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	upstream := httptest.NewServer(fake.Server())
	t.Cleanup(upstream.Close)
	target, _ := url.Parse(upstream.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = nil
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			e.gets.Add(1)
		}
		cw := &countingWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			e.mu.Lock()
			e.requests = append(e.requests, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, cw.status))
			e.bytesOut += cw.n
			e.mu.Unlock()
		}()
		if f := e.fault.Load(); f != nil && (*f)(cw, r, proxy) {
			return
		}
		proxy.ServeHTTP(cw, r)
	}))
	front.Listener = &countingListener{Listener: front.Listener, n: &e.wire}
	front.Start()
	t.Cleanup(front.Close)
	e.URL = front.URL

	// The SDK's standard environment, isolated from the machine's own.
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": front.URL,
		"AWS_MAX_ATTEMPTS": "", "AWS_RETRY_MODE": "",
	} {
		t.Setenv(k, v)
	}
	client, err := s3source.NewClient(context.Background(), func(o *s3.Options) {
		// The standard retryer, with short waits between attempts.
		o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, 5*time.Millisecond)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Client = client
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return e
}

// setFault installs f (nil removes it).
func (e *s3env) setFault(f fault) {
	if f == nil {
		e.fault.Store(nil)
		return
	}
	e.fault.Store(&f)
}

// log returns the requests seen so far and resets it.
func (e *s3env) log() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.requests
	e.requests = nil
	return out
}

// sentBytes returns the response body bytes sent so far and resets it.
func (e *s3env) sentBytes() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.bytesOut
	e.bytesOut = 0
	return n
}

func (e *s3env) delete(t testing.TB, key string) {
	t.Helper()
	if _, err := e.Client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
}

// publish uploads the file at path to key with the package's Publish.
func (e *s3env) publish(t testing.TB, path, key string) s3source.Version {
	t.Helper()
	v, err := s3source.Publish(context.Background(), e.Client, path, s3source.Location{Bucket: testBucket, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// countingListener counts the bytes read and written on its connections.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (c *countingWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// s3Error answers with an S3 error document.
func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>test</RequestId></Error>`, code, msg)
}

// onGet applies f to object downloads only (GET of a key), not to the
// bucket creation or uploads a test makes.
func onGet(f fault) fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		if r.Method != http.MethodGet || strings.Count(strings.Trim(r.URL.Path, "/"), "/") < 1 {
			return false
		}
		return f(w, r, next)
	}
}

// failFirst answers the first n object downloads with an S3 error.
func failFirst(n int, status int, code string) (fault, *atomic.Int64) {
	var seen atomic.Int64
	return onGet(func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		if seen.Add(1) > int64(n) {
			return false
		}
		s3Error(w, status, code, "injected")
		return true
	}), &seen
}

// buildIndex indexes docs (path → Markdown) as knowledge base name and
// returns the index file.
func buildIndex(t testing.TB, name string, docs map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	for p, text := range docs {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := local.Build(context.Background(), local.BuildOptions{Dir: dir, Name: name, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return stats.Path
}

// writeFile writes data to a new file and returns its path.
func writeFile(t testing.TB, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "object")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// syncLog is a slog handler target safe for concurrent writers.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *syncLog) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
