//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// httpClient returns a client that trusts the test certificate and never
// follows redirects (a redirect is a finding, P2).
func httpClient(roots *x509.CertPool) *http.Client {
	return &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: roots},
			MaxIdleConnsPerHost: 16,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// rpcResponse is a JSON-RPC response with a tool result.
type rpcResponse struct {
	ID     json.RawMessage `json:"id"`
	Result *struct {
		IsError           bool            `json:"isError"`
		StructuredContent json.RawMessage `json:"structuredContent"`
		Tools             []struct {
			Name string `json:"name"`
		} `json:"tools"`
	} `json:"result"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// exchange is one HTTP request and its answer.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

// post sends body to url the way Postman does: Content-Type only, no
// Accept, no initialize first. Extra headers are key, value pairs.
func post(ctx context.Context, client *http.Client, url, body string, headers ...string) (exchange, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		return exchange{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(client, req)
}

func do(client *http.Client, req *http.Request) (exchange, error) {
	resp, err := client.Do(req)
	if err != nil {
		return exchange{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return exchange{}, fmt.Errorf("%s %s: reading body: %w", req.Method, req.URL, err)
	}
	return exchange{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// postmanRequest is the Postman connectivity test: simpleadd 10 + 20 with
// no initialize first.
const postmanRequest = `{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}`

// callTool sends tools/call and checks for HTTP 200 and a result that is not
// an error; it returns the structured content.
func callTool(ctx context.Context, client *http.Client, url, tool string, args map[string]any) (json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": map[string]any{"name": tool, "arguments": args},
	})
	ex, err := post(ctx, client, url, string(body))
	if err != nil {
		return nil, err
	}
	if ex.status != http.StatusOK {
		// One line, so that counted failures group well (nginx answers HTML).
		return nil, fmt.Errorf("HTTP %d: %.120s", ex.status, strings.Join(strings.Fields(string(ex.body)), " "))
	}
	var r rpcResponse
	if err := json.Unmarshal(ex.body, &r); err != nil {
		return nil, fmt.Errorf("response is not JSON-RPC: %v: %.200s", err, ex.body)
	}
	if r.Error != nil {
		return nil, fmt.Errorf("JSON-RPC error %d: %s", r.Error.Code, r.Error.Message)
	}
	if r.Result == nil || r.Result.IsError {
		return nil, fmt.Errorf("tool error: %.300s", ex.body)
	}
	return r.Result.StructuredContent, nil
}

// listTools returns the tool names served at url.
func listTools(t testing.TB, client *http.Client, url string) []string {
	t.Helper()
	ex, err := post(context.Background(), client, url, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if err != nil || ex.status != http.StatusOK {
		t.Fatalf("tools/list at %s: %v (HTTP %d) %s", url, err, ex.status, ex.body)
	}
	var r rpcResponse
	if err := json.Unmarshal(ex.body, &r); err != nil || r.Result == nil {
		t.Fatalf("tools/list at %s: %v %s", url, err, ex.body)
	}
	var names []string
	for _, tool := range r.Result.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// loadResult counts the outcome of a load run.
type loadResult struct {
	mu       sync.Mutex
	ok       int
	failed   int
	failures map[string]int // error text → count
}

func (l *loadResult) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.ok++
		return
	}
	l.failed++
	if l.failures == nil {
		l.failures = map[string]int{}
	}
	l.failures[err.Error()]++
}

// runLoad sends tool calls from workers goroutines until duration has passed
// or each worker sent maxPerWorker calls (the stream is bounded both ways).
// At the offset `at` it calls event once (a fault to inject), if not nil.
func runLoad(client *http.Client, url, tool string, args map[string]any, workers, maxPerWorker int, duration, at time.Duration, event func()) *loadResult {
	res := &loadResult{}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < maxPerWorker && ctx.Err() == nil; i++ {
				// Each call has its own deadline, independent of the run's,
				// so that a call in flight at the end is not cut short.
				callCtx, cancelCall := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := callTool(callCtx, client, url, tool, args)
				cancelCall()
				res.add(err)
			}
		}()
	}
	if event != nil {
		select {
		case <-time.After(at):
			event()
		case <-ctx.Done():
		}
	}
	wg.Wait()
	return res
}
