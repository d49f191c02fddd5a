package verify

import (
	"context"
	"fmt"
	"net/http"
)

var (
	diagNoHealthPath = Diagnosis{Pitfall: "P3", Pattern: "health-path-missing",
		Cause: "no health path answers 200 to a load balancer's plain GET: /healthz is missing and GET of the MCP path is not 200 (stateless SDK handlers answer 405), so an ALB target group marks every task unhealthy and ECS kills and restarts them forever",
		Fix:   "serve a health endpoint (knowledge-mcp: /healthz) and point the target group health check at it with matcher 200; or, if you must check the MCP path, set the matcher to the code it answers (e.g. 200,405)"}
	diagNotReady = Diagnosis{Pitfall: "", Pattern: "not-ready",
		Cause: "the server is alive but /readyz says its backend is not ready (credentials, permissions or the knowledge base itself)",
		Fix:   "read the reason in the /readyz answer; for Amazon Bedrock check the task role's permissions and the knowledge base id"}
)

// albHealthHeader is what an ALB health check sends: a plain GET with its
// user agent and no Accept header.
func albHealthHeader() http.Header {
	h := http.Header{}
	h.Set("User-Agent", "ELB-HealthChecker/2.0")
	return h
}

// checkHealth is check 5: the health paths as an ALB health check sees them.
func (d *doctor) checkHealth(ctx context.Context, c *Check) {
	get := func(target string) *exchange {
		return d.do(ctx, http.MethodGet, target, nil, albHealthHeader(), false)
	}
	healthz := get(d.sibling("/healthz"))
	c.Evidencef("%s", healthz)
	readyz := get(d.sibling("/readyz"))
	c.Evidencef("%s", readyz)
	mcpGet := get(d.endpoint.String())
	c.Evidencef("%s", mcpGet)
	root := get(d.root("/"))
	c.Evidencef("%s", root)

	// An answer from CloudFront or the ALB itself says nothing about the
	// server's paths: diagnose it as such.
	for _, ex := range []*exchange{healthz, mcpGet} {
		if ex.Err != nil || (ex.Status >= 500 && (ex.fromALB() || ex.errorFromCloudFront())) {
			c.Add(Fail, "health paths unreachable: "+statusOrErr(ex), diagnoseExchange(ex, false)...)
			return
		}
	}
	switch {
	case healthz.Status == http.StatusOK:
		c.Add(Pass, "GET /healthz answers 200")
	case mcpGet.Status == http.StatusOK:
		c.Add(Warn, fmt.Sprintf("no /healthz (%d), but GET of the MCP path answers 200: point the health check there", healthz.Status))
	default:
		c.Add(Fail, fmt.Sprintf("no health path answers 200 (/healthz %d, GET %s %d)", healthz.Status, d.endpoint.Path, mcpGet.Status), diagNoHealthPath)
	}
	if mcpGet.Status == http.StatusOK {
		c.Evidencef("GET %s answers 200: a target group whose health path is the MCP path stays healthy", d.endpoint.Path)
	}
	switch {
	case root.Err != nil:
	case root.Status == http.StatusOK:
		c.Evidencef("GET / answers 200: a target group left at its default health path (/) stays healthy too")
	case root.Status == http.StatusNotFound:
		c.Evidencef("GET / answers 404: a target group left at its default health path (/) would mark every task unhealthy")
	}
	switch {
	case readyz.Status == http.StatusOK:
	case readyz.Status == http.StatusServiceUnavailable && !readyz.fromALB():
		c.Add(Warn, "/readyz answers 503: "+readyz.snippet(160), diagNotReady)
	case readyz.Status == http.StatusNotFound:
		c.Evidencef("no /readyz (404): readiness is not reported separately")
	}
}
