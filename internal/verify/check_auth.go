package verify

import (
	"context"
	"net/http"
	"strings"
)

var (
	diagNoAuth = Diagnosis{Pitfall: "P9", Pattern: "no-auth",
		Cause: "the server answers MCP requests without any credential: anyone who finds the URL can use its tools and read the knowledge base",
		Fix:   "turn on authentication (knowledge-mcp: AUTH=api-key or AUTH=jwt; AgentCore Gateway's outbound API key or OAuth credential provider then sends it) and keep the origin reachable only through CloudFront"}
	diagAuthNotEnforced = Diagnosis{Pitfall: "P9", Pattern: "auth-not-enforced",
		Cause: "a credential was given but the server answers the same request without it: authentication is not enforced on the MCP path",
		Fix:   "enforce authentication on every MCP request, not only on some paths"}
	diagAnyCredential = Diagnosis{Pitfall: "P9", Pattern: "auth-any-credential",
		Cause: "the server accepts a made-up credential: it checks that one is present, not that it is valid",
		Fix:   "validate bearer tokens (signature against the JWKS, issuer, audience, expiry) or compare API keys in constant time"}
	diagNoWWWAuthenticate = Diagnosis{Pitfall: "", Pattern: "401-without-www-authenticate",
		Cause: "401 without WWW-Authenticate: OAuth clients cannot discover where to get a token (RFC 9728 resource_metadata)",
		Fix:   "send WWW-Authenticate: Bearer resource_metadata=\"https://…/.well-known/oauth-protected-resource\" on 401"}
)

// checkAuth is check 8: what the server says with and without the
// credential (and with a wrong one).
func (d *doctor) checkAuth(ctx context.Context, c *Check) {
	un := d.unauthenticated(ctx)
	c.Evidencef("without credential: %s", un)
	if un.Err != nil {
		c.Add(Fail, "request without credential failed: "+un.Err.Error(), diagnoseError(un.Err)...)
		return
	}
	// A 403 may come from something other than authentication (CloudFront,
	// the origin-verify rule, the host or origin checks): judge it there.
	for _, ds := range diagnoseExchange(un, false) {
		if ds.Pattern != diagAuthRequired.Pattern {
			c.Add(Skip, "the request without credential was refused for another reason ("+ds.Pattern+"); authentication cannot be judged")
			return
		}
	}
	rejected := un.Status == http.StatusUnauthorized || un.Status == http.StatusForbidden
	if !d.hasAuth() {
		switch {
		case un.ok():
			c.Add(Warn, "no authentication: the server answers without any credential", diagNoAuth)
		case rejected:
			c.Add(Fail, "the server requires a credential and none was given", diagAuthRequired)
		default:
			c.Add(Skip, "no credential given, and the unauthenticated request answered "+statusOrErr(un)+" (see the other checks)")
		}
		return
	}
	switch {
	case un.ok():
		c.Add(Fail, "the server answers without the credential too", diagAuthNotEnforced)
		return
	case !rejected:
		c.Add(Warn, "without the credential the server answered "+statusOrErr(un)+", not 401", diagnoseExchange(un, false)...)
	case un.Status == http.StatusUnauthorized && d.opts.Token != "" && !strings.HasPrefix(strings.ToLower(un.Header.Get("WWW-Authenticate")), "bearer"):
		c.Add(Warn, "401 without a Bearer WWW-Authenticate challenge", diagNoWWWAuthenticate)
	}

	// A wrong credential must be refused too.
	h := http.Header{}
	if d.opts.Token != "" {
		h.Set("Authorization", "Bearer verify-invalid-token")
	}
	if d.opts.APIKey != "" {
		h.Set(d.opts.APIKeyHeader, "verify-invalid-key")
	}
	bad := d.rpc(ctx, initializeRequest, h, false)
	c.Evidencef("with a wrong credential: %s", bad)
	if bad.ok() {
		c.Add(Fail, "the server accepts a made-up credential", diagAnyCredential)
		return
	}
	if d.session != nil {
		c.Evidencef("with the credential: the MCP session (check 3) worked")
		c.Add(Pass, "refused without the credential, accepted with it")
		return
	}
	good := d.rpc(ctx, initializeRequest, nil, true)
	c.Evidencef("with the credential: %s", good)
	if !good.ok() {
		c.Add(Fail, "the request with the credential failed: "+statusOrErr(good), diagnoseExchange(good, true)...)
		return
	}
	c.Add(Pass, "refused without the credential, accepted with it")
}
