package verify

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
)

// TestDiagnoseToolError maps tool error texts to the P5 causes, including
// the wording of knowledge-mcp's own Bedrock backend and the AWS SDK's.
func TestDiagnoseToolError(t *testing.T) {
	tests := []struct {
		text, pattern string
	}{
		{"operation error Bedrock Agent Runtime: Retrieve, https response error StatusCode: 403, AccessDeniedException: User: arn:aws:sts::1:assumed-role/x/y is not authorized to perform: bedrock:Retrieve", "tool-access-denied"},
		{"bedrock:Retrieve: permission denied: AWS denied bedrock:Retrieve on arn:aws:bedrock:us-east-1:1:knowledge-base/K (AccessDeniedException: …)", "tool-access-denied"},
		{"bedrock: unavailable: no AWS credentials (no EC2 IMDS role found); on ECS give the task definition a task role", "tool-no-credentials"},
		{"operation error: failed to refresh cached credentials, no EC2 IMDS role found", "tool-no-credentials"},
		{"document not found: s3://bucket/key", ""},
		{"query must not be empty", ""},
	}
	for _, tt := range tests {
		ds := diagnoseToolError(tt.text)
		got := ""
		if len(ds) > 0 {
			got = ds[0].Pattern
		}
		if got != tt.pattern {
			t.Errorf("diagnoseToolError(%.50q) = %q, want %q", tt.text, got, tt.pattern)
		}
	}
}

// TestDiagnoseError maps transport errors to their causes.
func TestDiagnoseError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		pattern string
	}{
		{"dns", &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}, "unreachable"},
		{"timeout", fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: timeoutErr{}}), "timeout"},
		{"other", errors.New("something odd"), ""},
		{"refused on loopback", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "local-connection-refused"},
		{"refused on ::1", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv6loopback, Port: 1}, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "local-connection-refused"},
		{"refused elsewhere", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 443}, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := diagnoseError(tt.err)
			got := ""
			if len(ds) > 0 {
				got = ds[0].Pattern
			}
			if got != tt.pattern {
				t.Errorf("diagnoseError(%v) = %q, want %q", tt.err, got, tt.pattern)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestDiagnoseExchange covers answers the server tests do not produce.
func TestDiagnoseExchange(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name     string
		ex       exchange
		sentAuth bool
		pattern  string
	}{
		{"CloudFront 502", exchange{Status: 502, Header: h("Server", "CloudFront", "X-Cache", "Error from cloudfront")}, false, "cloudfront-502"},
		{"CloudFront WAF 403", exchange{Status: 403, Header: h("Server", "CloudFront", "X-Cache", "Error from cloudfront"), Body: []byte("Request blocked.")}, false, "cloudfront-403"},
		{"ALB 502", exchange{Status: 502, Header: h("Server", "awselb/2.0")}, false, "alb-502-target-failed"},
		{"ALB 504", exchange{Status: 504, Header: h("Server", "awselb/2.0")}, false, "alb-504-target-timeout"},
		{"host guard", exchange{Status: 403, Body: []byte("Forbidden: invalid Host header")}, false, "host-guard-403"},
		{"401 with a credential", exchange{Status: 401, Header: h("WWW-Authenticate", "Bearer error=\"invalid_token\"")}, true, "auth-rejected"},
		{"relative redirect", exchange{Status: 307, Header: h("Location", "/mcp/")}, false, "mcp-redirect"},
		{"TypeScript SDK without a session", exchange{Status: 400, Body: []byte(`{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Mcp-Session-Id header is required"},"id":null}`)}, false, "stateful-session-required"},
		{"Python SDK without a session", exchange{Status: 400, Body: []byte("Bad Request: Missing session ID")}, false, "stateful-session-required"},
		{"POST 405", exchange{Status: 405, Header: h("Allow", "GET")}, false, "post-405"},
		{"plain 200", exchange{Status: 200}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := tt.ex
			if ex.Header == nil {
				ex.Header = http.Header{}
			}
			ds := diagnoseExchange(&ex, tt.sentAuth)
			got := ""
			if len(ds) > 0 {
				got = ds[0].Pattern
			}
			if got != tt.pattern {
				t.Errorf("pattern %q, want %q", got, tt.pattern)
			}
		})
	}
}
