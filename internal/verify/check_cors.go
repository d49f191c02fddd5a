package verify

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

var (
	diagNoCORS = Diagnosis{Pitfall: "P6", Pattern: "cors-missing",
		Cause: "the preflight got no CORS answer (no Access-Control-Allow-Origin): neither the server nor the CDN handles CORS, so every browser-based MCP client fails with 'Network Error'",
		Fix:   "answer OPTIONS /mcp with 204 and Access-Control-Allow-Origin/-Methods/-Headers (knowledge-mcp does this with its CORS allowlist), or attach a CloudFront response headers policy with a CORS config"}
	diagPreflight405 = Diagnosis{Pitfall: "P6", Pattern: "cors-options-405",
		Cause: "the preflight OPTIONS answered 405: the MCP handler does not know OPTIONS (the go-sdk and TypeScript SDK handlers answer 405), and CloudFront forwards OPTIONS to the origin even with a managed CORS policy",
		Fix:   "put CORS middleware in front of the MCP handler that answers OPTIONS with 204 and the Access-Control-Allow-* headers"}
	diagAllowHeaders = Diagnosis{Pitfall: "P6", Pattern: "cors-allow-headers",
		Cause: "the preflight's Access-Control-Allow-Headers does not list the headers an MCP client sends; the browser cancels the request. CloudFront's managed CORS-With-Preflight policy sends no Allow-Headers at all, and a '*' wildcard never covers Authorization",
		Fix:   "list Content-Type, Authorization, Mcp-Session-Id, MCP-Protocol-Version and Last-Event-ID in Access-Control-Allow-Headers (a custom response headers policy's AccessControlAllowHeaders, or the server's CORS configuration)"}
	diagAllowMethods = Diagnosis{Pitfall: "P6", Pattern: "cors-allow-methods",
		Cause: "the preflight's Access-Control-Allow-Methods does not include POST, so browsers cannot send MCP requests",
		Fix:   "allow POST (and GET, DELETE, OPTIONS) in the CORS configuration"}
	diagOriginNotAllowed = Diagnosis{Pitfall: "P6", Pattern: "cors-origin-not-allowed",
		Cause: "the server does not allow this origin: Access-Control-Allow-Origin is missing or names another origin, or the server rejects the Origin header (403, its DNS-rebinding defence)",
		Fix:   "add the page's origin to the server's CORS allowlist (knowledge-mcp: CORS_ORIGINS) or the CloudFront policy's allowed origins"}
	diagExposeHeaders = Diagnosis{Pitfall: "P6", Pattern: "cors-expose-headers",
		Cause: "Access-Control-Expose-Headers does not list Mcp-Session-Id: a browser client cannot read the session id of a stateful server (nor WWW-Authenticate for OAuth discovery)",
		Fix:   "expose Mcp-Session-Id (and WWW-Authenticate) in the CORS configuration"}
)

// corsRequestHeaders are the headers a browser MCP client sends, besides
// credentials.
var corsRequestHeaders = []string{"content-type", "mcp-protocol-version", "mcp-session-id"}

// checkCORS is check 4: a browser-style preflight from --origin, then the
// actual POST with that Origin.
func (d *doctor) checkCORS(ctx context.Context, c *Check) {
	origin := d.opts.Origin
	if origin == "" {
		c.Add(Skip, "no --origin given; pass the origin of the web page that will call the server (e.g. --origin https://app.example)")
		return
	}
	want := append([]string(nil), corsRequestHeaders...)
	if d.opts.Token != "" {
		want = append(want, "authorization")
	}
	if d.opts.APIKey != "" {
		want = append(want, strings.ToLower(d.opts.APIKeyHeader))
	}
	h := http.Header{}
	h.Set("Origin", origin)
	h.Set("Access-Control-Request-Method", http.MethodPost)
	h.Set("Access-Control-Request-Headers", strings.Join(want, ","))
	h.Set("Sec-Fetch-Mode", "cors")
	pre := d.do(ctx, http.MethodOptions, d.endpoint.String(), nil, h, false)
	c.Evidencef("preflight %s", pre)

	switch {
	case pre.Err != nil:
		c.Add(Fail, "preflight failed: "+pre.Err.Error(), diagnoseError(pre.Err)...)
		return
	case pre.Status == http.StatusMethodNotAllowed:
		c.Add(Fail, "preflight OPTIONS answered 405 Method Not Allowed", diagPreflight405)
		return
	case pre.Status < 200 || pre.Status >= 300:
		ds := diagnoseExchange(pre, false)
		if len(ds) == 0 && pre.Header.Get("Access-Control-Allow-Origin") == "" {
			ds = []Diagnosis{diagNoCORS}
		}
		c.Add(Fail, fmt.Sprintf("preflight answered %d, not 2xx", pre.Status), ds...)
		return
	}
	allowOrigin := pre.Header.Get("Access-Control-Allow-Origin")
	switch {
	case allowOrigin == "":
		c.Add(Fail, "preflight answered without Access-Control-Allow-Origin", diagNoCORS)
		return
	case allowOrigin != "*" && !strings.EqualFold(allowOrigin, origin):
		c.Add(Fail, fmt.Sprintf("preflight allows origin %q, not %q", allowOrigin, origin), diagOriginNotAllowed)
		return
	}
	if methods := headerList(pre.Header, "Access-Control-Allow-Methods"); !methods["post"] && !methods["*"] {
		c.Add(Fail, "Access-Control-Allow-Methods lacks POST", diagAllowMethods)
	}
	allowed := headerList(pre.Header, "Access-Control-Allow-Headers")
	var missing []string
	for _, name := range want {
		if allowed[name] || (allowed["*"] && name != "authorization") {
			continue
		}
		missing = append(missing, name)
	}
	switch {
	case len(allowed) == 0:
		c.Add(Fail, "preflight has no Access-Control-Allow-Headers (missing: "+strings.Join(missing, ", ")+")", diagAllowHeaders)
	case len(missing) > 0:
		c.Add(Fail, "Access-Control-Allow-Headers lacks "+strings.Join(missing, ", "), diagAllowHeaders)
	}

	// The actual request, as the browser sends it after the preflight.
	ah := http.Header{}
	ah.Set("Origin", origin)
	ah.Set("Mcp-Protocol-Version", "2025-06-18")
	actual := d.rpc(ctx, `{"jsonrpc":"2.0","id":"verify-cors","method":"tools/list","params":{}}`, ah, true)
	c.Evidencef("actual POST with Origin %s", actual)
	switch {
	case actual.Err != nil:
		c.Add(Fail, "the POST after the preflight failed: "+actual.Err.Error(), diagnoseError(actual.Err)...)
		return
	case actual.Status == http.StatusForbidden && !actual.fromALB() && !actual.errorFromCloudFront():
		c.Add(Fail, "the server answered 403 to a request with Origin "+origin, diagOriginNotAllowed)
		return
	case !actual.ok():
		c.Add(Fail, fmt.Sprintf("the POST after the preflight answered %d", actual.Status), diagnoseExchange(actual, d.hasAuth())...)
		return
	}
	aao := actual.Header.Get("Access-Control-Allow-Origin")
	if aao == "" || (aao != "*" && !strings.EqualFold(aao, origin)) {
		c.Add(Fail, fmt.Sprintf("the POST's answer allows origin %q, not %q: the browser hides the response", aao, origin), diagOriginNotAllowed)
		return
	}
	if exposed := headerList(actual.Header, "Access-Control-Expose-Headers"); !exposed["mcp-session-id"] && !exposed["*"] {
		c.Add(Warn, "Access-Control-Expose-Headers lacks Mcp-Session-Id", diagExposeHeaders)
	}
	c.Add(Pass, "preflight and POST from "+origin+" allowed, with every MCP header")
}

// headerList returns the lower-cased comma-separated items of a header.
func headerList(h http.Header, name string) map[string]bool {
	out := map[string]bool{}
	for _, v := range h.Values(name) {
		for _, item := range strings.Split(v, ",") {
			if item = strings.ToLower(strings.TrimSpace(item)); item != "" {
				out[item] = true
			}
		}
	}
	return out
}
