package verify

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

var diagHTTPInMetadata = Diagnosis{Pitfall: "P2", Pattern: "http-url-in-auth",
	Cause: "the server advertises an http:// URL (WWW-Authenticate resource_metadata or its protected-resource metadata): it builds absolute URLs from the scheme it sees behind the TLS-terminating proxy, so OAuth discovery from an https page is mixed content",
	Fix:   "configure the server's public base URL (https://…), or make it trust X-Forwarded-Proto and have CloudFront send X-Forwarded-Proto: https as an origin custom header"}

// resourceMetadataRE is compiled at first use, not at package init.
var resourceMetadataRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`resource_metadata="?([^",\s]+)`) })

// checkURLs is check 6: no redirect on the MCP path (with and without a
// trailing slash), no http:// URL in Location, WWW-Authenticate or the
// protected-resource metadata.
func (d *doctor) checkURLs(ctx context.Context, c *Check) {
	body := `{"jsonrpc":"2.0","id":"verify-urls","method":"tools/list","params":{}}`
	variants := []string{d.endpoint.String()}
	u := *d.endpoint
	if strings.HasSuffix(u.Path, "/") {
		u.Path = strings.TrimSuffix(u.Path, "/")
	} else {
		u.Path += "/"
	}
	if u.Path != "" {
		variants = append(variants, u.String())
	}
variants:
	for i, target := range variants {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("Accept", "application/json, text/event-stream")
		ex := d.do(ctx, http.MethodPost, target, []byte(body), h, true)
		if ex.Err != nil {
			c.Evidencef("%s", ex)
			if i == 0 {
				c.Add(Fail, "POST failed: "+ex.Err.Error(), diagnoseError(ex.Err)...)
			}
			continue
		}
		if i == 0 && (ex.Status >= 500 || ex.Status == 401 || ex.Status == 403) {
			c.Evidencef("%s", ex)
			c.Add(Skip, fmt.Sprintf("the MCP path answered %d; redirects cannot be judged (see the other checks)", ex.Status))
			break variants
		}
		loc := ex.Header.Get("Location")
		switch {
		case ex.Status >= 300 && ex.Status < 400 && strings.HasPrefix(strings.ToLower(loc), "http://"):
			c.Evidencef("%s", ex)
			c.Add(Fail, fmt.Sprintf("POST %s redirects to %s: mixed content", pathOf(target), loc), diagRedirectHTTP)
		case ex.Status >= 300 && ex.Status < 400 && i == 0:
			c.Evidencef("%s", ex)
			c.Add(Fail, fmt.Sprintf("POST %s answers %d → %s instead of serving", d.endpoint.Path, ex.Status, loc), diagRedirect)
		case ex.Status >= 300 && ex.Status < 400:
			c.Evidencef("%s", ex)
			c.Add(Warn, fmt.Sprintf("the trailing-slash variant redirects (%d → %s)", ex.Status, loc))
		case strings.HasPrefix(strings.ToLower(loc), "http://"):
			c.Evidencef("%s", ex)
			c.Add(Fail, "a response carries Location "+loc, diagRedirectHTTP)
		default:
			c.Evidencef("POST %s → %d, no redirect", pathOf(target), ex.Status)
		}
	}

	// WWW-Authenticate of a request without credentials.
	if un := d.unauthenticated(ctx); un.Err == nil {
		if wa := un.Header.Get("WWW-Authenticate"); wa != "" {
			c.Evidencef("WWW-Authenticate: %s", wa)
			if m := resourceMetadataRE().FindStringSubmatch(wa); m != nil && strings.HasPrefix(strings.ToLower(m[1]), "http://") && !d.isLoopback() {
				c.Add(Fail, "WWW-Authenticate points to "+m[1], diagHTTPInMetadata)
			}
		}
	}

	// RFC 9728 protected-resource metadata, at the root and per path.
	for _, p := range []string{"/.well-known/oauth-protected-resource" + d.endpoint.Path, "/.well-known/oauth-protected-resource"} {
		ex := d.do(ctx, http.MethodGet, d.root(p), nil, nil, false)
		if ex.Err != nil || ex.Status != http.StatusOK {
			continue
		}
		var meta struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
		}
		if err := json.Unmarshal(ex.Body, &meta); err != nil {
			c.Evidencef("%s: not JSON: %v", p, err)
			c.Add(Warn, "protected-resource metadata is not JSON")
			break
		}
		c.Evidencef("%s: resource %s, authorization servers %v", p, meta.Resource, meta.AuthorizationServers)
		for _, v := range append([]string{meta.Resource}, meta.AuthorizationServers...) {
			if strings.HasPrefix(strings.ToLower(v), "http://") && !d.isLoopback() {
				c.Add(Fail, "protected-resource metadata names "+v, diagHTTPInMetadata)
			}
		}
		break
	}
	d.checkSSEEndpoint(ctx, c)
	c.Add(Pass, "no redirects on the MCP path and no http:// URLs seen")
}

var diagSSEEndpointHTTP = Diagnosis{Pitfall: "P2", Pattern: "sse-endpoint-http",
	Cause: "the legacy HTTP+SSE transport announces its message endpoint as an absolute http:// URL (built from the scheme the server sees behind the TLS-terminating proxy): browsers block it as mixed content and clients post to a URL that bypasses TLS",
	Fix:   "serve streamable HTTP at /mcp instead of the legacy SSE transport (FastMCP: transport=\"streamable-http\"), or make the server announce a relative or https:// endpoint"}

// sseProbeTime bounds the wait for a legacy SSE stream's first event.
const sseProbeTime = 3 * time.Second

// checkSSEEndpoint looks for the legacy HTTP+SSE transport beside the MCP
// endpoint (GET …/sse): its first event names the URL to post messages to,
// which must not be an absolute http:// URL.
func (d *doctor) checkSSEEndpoint(ctx context.Context, c *Check) {
	target := d.sibling("/sse")
	if strings.HasSuffix(d.endpoint.Path, "/sse") {
		target = d.endpoint.String()
	}
	sctx, cancel := context.WithTimeout(ctx, min(d.opts.Timeout, sseProbeTime))
	defer cancel()
	h := http.Header{}
	h.Set("Accept", "text/event-stream")
	d.addAuth(h)
	req, err := newRequest(http.MethodGet, target, nil, h)
	if err != nil {
		return
	}
	resp, err := d.client.Do(req.WithContext(sctx))
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "text/event-stream") {
		return // no legacy SSE transport here
	}
	event, data := readFirstEvent(resp.Body)
	c.Evidencef("GET %s: legacy HTTP+SSE transport, first event %q with data %q", pathOf(target), event, truncate(data, 120))
	if event == "endpoint" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(data)), "http://") && !d.isLoopback() {
		c.Add(Fail, "the SSE endpoint event names "+truncate(data, 80), diagSSEEndpointHTTP)
	}
}

// readFirstEvent reads an event stream up to its first complete event.
func readFirstEvent(body io.Reader) (event, data string) {
	sc := bufio.NewScanner(io.LimitReader(body, maxBody))
	var lines []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" && (event != "" || len(lines) > 0):
			return event, strings.Join(lines, "\n")
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			lines = append(lines, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	return event, strings.Join(lines, "\n")
}

func pathOf(target string) string {
	if i := strings.Index(target, "://"); i >= 0 {
		if j := strings.Index(target[i+3:], "/"); j >= 0 {
			return target[i+3+j:]
		}
	}
	return target
}
