package verify

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
)

// runtimePath is a Runtime's invoke path, the ARN percent-encoded.
const runtimePath = "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2FKnowledgeMcp-a1b2c3d4e5/invocations"

// runtimeOptions verifies srv as an AgentCore Runtime invoke URL.
func runtimeOptions(srv *httptest.Server) Options {
	opts := optionsFor(srv)
	opts.URL = srv.URL + runtimePath + "?qualifier=DEFAULT"
	return opts
}

// runtimePlatform stands in for AgentCore Runtime: requests to the invoke
// path go to the container at containerPath (/mcp with the MCP protocol,
// /invocations with HTTP); anything else is the platform's 404.
func runtimePlatform(t *testing.T, container http.Handler, containerPath string) http.Handler {
	backend := start(t, container, false)
	target, _ := url.Parse(backend.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != runtimePath {
			http.NotFound(w, r)
			return
		}
		r.URL.Path, r.URL.RawPath, r.URL.RawQuery = containerPath, "", ""
		proxy.ServeHTTP(w, r)
	})
}

// platformAnswer answers every request as the platform does when it stops
// a call itself.
func platformAnswer(status int, header, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Requestid", "0e4b6c1a-0000-4000-8000-000000000000")
		if header != "" {
			w.Header().Set("WWW-Authenticate", header)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	})
}

const healthFailed = `{"jsonrpc":"2.0","id":"test-1","error":{"code":-32010,"message":"Runtime health check failed"}}`

func TestRuntimeFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler func(t *testing.T) http.Handler
		token   string
		status  Status   // of the postman check
		want    []string // its diagnosis patterns, in order
	}{
		{"a healthy Runtime with protocol MCP passes",
			func(t *testing.T) http.Handler { return runtimePlatform(t, ownHandler(), "/mcp") }, "", Pass, nil},
		{"protocol HTTP: the platform calls the container's /invocations and gets 404",
			func(t *testing.T) http.Handler { return runtimePlatform(t, ownHandler(), "/invocations") }, "", Fail,
			[]string{"runtime-protocol-not-mcp"}},
		{"protocol HTTP: nothing on port 8080, the platform answers 502",
			func(*testing.T) http.Handler {
				return platformAnswer(http.StatusBadGateway, "", `{"message":"The runtime returned an invalid response"}`)
			}, "", Fail, []string{"runtime-protocol-not-mcp"}},
		{"health check failed (-32010)",
			func(*testing.T) http.Handler { return platformAnswer(http.StatusInternalServerError, "", healthFailed) }, "", Fail,
			[]string{"runtime-health-check-failed"}},
		{"health check failed with HTTP 200 and a JSON-RPC error",
			func(*testing.T) http.Handler { return platformAnswer(http.StatusOK, "", healthFailed) }, "", Fail,
			[]string{"runtime-health-check-failed"}},
		{"server on 8080 instead of 8000",
			func(*testing.T) http.Handler {
				return platformAnswer(http.StatusInternalServerError, "",
					`{"jsonrpc":"2.0","id":"test-1","error":{"code":-32010,"message":"Runtime health check failed: connection refused on port 8000"}}`)
			}, "", Fail, []string{"runtime-wrong-port", "runtime-health-check-failed"}},
		{"JWT authorizer, no token sent",
			func(*testing.T) http.Handler {
				return platformAnswer(http.StatusUnauthorized, `Bearer resource_metadata="https://bedrock-agentcore.us-east-1.amazonaws.com/.well-known/oauth-protected-resource"`, `{"message":"Missing bearer token"}`)
			}, "", Fail, []string{"runtime-jwt-missing"}},
		{"JWT authorizer, token rejected",
			func(*testing.T) http.Handler {
				return platformAnswer(http.StatusUnauthorized, `Bearer error="invalid_token"`, `{"message":"Invalid token"}`)
			}, "expired.jwt.token", Fail, []string{"runtime-jwt-rejected"}},
		{"IAM runtime given a bearer token",
			func(*testing.T) http.Handler {
				return platformAnswer(http.StatusForbidden, "", `{"message":"Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request."}`)
			}, "some.jwt.token", Fail, []string{"runtime-auth-method-mismatch"}},
		{"IAM runtime, no SigV4 signature",
			func(*testing.T) http.Handler {
				return platformAnswer(http.StatusForbidden, "", `{"message":"Missing Authentication Token"}`)
			}, "", Fail, []string{"runtime-sigv4-missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := runtimeOptions(start(t, tc.handler(t), true))
			opts.Token = tc.token
			r := runAndCheck(t, opts, want{failed: tc.status == Fail, status: map[string]Status{"postman": tc.status}})
			got := patternsOf(r.Check("postman"))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("postman diagnoses %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIsRuntimeURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://bedrock-agentcore.us-east-1.amazonaws.com" + runtimePath + "?qualifier=DEFAULT": true,
		"https://bedrock-agentcore.us-east-1.amazonaws.com" + runtimePath + "/":                  true,
		"https://d111.cloudfront.net/mcp":                                                        false,
		"https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/x/invocations/extra":         false,
		"::not a url": false,
	} {
		if got := isRuntimeURL(raw); got != want {
			t.Errorf("isRuntimeURL(%q) = %v, want %v", raw, got, want)
		}
	}
}
