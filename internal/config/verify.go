package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/verify"
)

// Verify configures the verify doctor.
type Verify struct {
	Origin          string
	Token           string
	APIKey          string
	APIKeyHeader    string
	JSON            bool
	Calls           int
	Timeout         time.Duration
	Insecure        bool
	CAFile          string
	Template        string
	Color           string
	ProtocolVersion string
}

// AddFlags registers the doctor's settings.
func (c *Verify) AddFlags(f *FlagSet) {
	f.String(&c.Origin, "origin", "VERIFY_ORIGIN", "", "browser origin for the CORS check, e.g. https://app.example (empty skips the check)")
	f.Secret(&c.Token, "token", "VERIFY_TOKEN", "bearer token sent as Authorization: Bearer")
	f.Secret(&c.APIKey, "api-key", "VERIFY_API_KEY", "API key sent in --api-key-header")
	f.String(&c.APIKeyHeader, "api-key-header", "VERIFY_API_KEY_HEADER", "X-API-Key", "header that carries --api-key")
	f.Bool(&c.JSON, "json", "VERIFY_JSON", false, "print the report as JSON (every check, its evidence and diagnosis)")
	f.Int(&c.Calls, "calls", "VERIFY_CALLS", 10, "number of calls of the latency check")
	f.Duration(&c.Timeout, "timeout", "VERIFY_TIMEOUT", 40*time.Second, "timeout of each request (CloudFront takes 3×10s to give up on an unreachable origin and answer 504)")
	f.Bool(&c.Insecure, "insecure", "VERIFY_INSECURE", false, "accept an untrusted TLS certificate (self-signed test certificates); the TLS check then warns")
	f.String(&c.CAFile, "ca-file", "VERIFY_CA_FILE", "", "PEM file of CA certificates to trust besides the system's")
	f.String(&c.Template, "template", "VERIFY_TEMPLATE", "", "check this CloudFormation template (JSON or YAML) statically instead of an endpoint")
	f.String(&c.Color, "color", "VERIFY_COLOR", "auto", "colours in the table: auto (on a terminal, unless NO_COLOR is set), always or never")
	f.String(&c.ProtocolVersion, "protocol-version", "VERIFY_PROTOCOL_VERSION", "", "MCP protocol version the session asks for (empty: the newest, negotiated down)")
}

// Validate checks the settings.
func (c *Verify) Validate() error {
	if c.Calls < 1 || c.Calls > 10000 {
		return fmt.Errorf("calls (VERIFY_CALLS): %d must be between 1 and 10000", c.Calls)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("timeout (VERIFY_TIMEOUT): %s must be positive", c.Timeout)
	}
	switch strings.ToLower(c.Color) {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("color (VERIFY_COLOR): unknown value %q; use auto, always or never", c.Color)
	}
	if c.Origin != "" && !strings.HasPrefix(c.Origin, "https://") && !strings.HasPrefix(c.Origin, "http://") {
		return fmt.Errorf("origin (VERIFY_ORIGIN): %q is not an origin; use scheme://host[:port], e.g. https://app.example", c.Origin)
	}
	if strings.Count(c.Origin, "/") > 2 {
		return fmt.Errorf("origin (VERIFY_ORIGIN): %q has a path; an origin is scheme://host[:port] only", c.Origin)
	}
	if strings.ContainsAny(c.APIKeyHeader, " :\t") || c.APIKeyHeader == "" {
		return fmt.Errorf("api-key-header (VERIFY_API_KEY_HEADER): %q is not a header name", c.APIKeyHeader)
	}
	return nil
}

// Options returns the doctor's options for checking endpoint url: the URL
// checked and the CA file read. The caller sets the Logger.
func (c *Verify) Options(url string) (verify.Options, error) {
	if _, err := verify.ParseURL(url); err != nil {
		return verify.Options{}, err
	}
	opts := verify.Options{
		URL: url, Origin: c.Origin, Token: c.Token, APIKey: c.APIKey,
		APIKeyHeader: c.APIKeyHeader, Calls: c.Calls, Timeout: c.Timeout,
		Insecure: c.Insecure, ProtocolVersion: c.ProtocolVersion,
	}
	if c.CAFile != "" {
		var err error
		if opts.RootCAs, err = verify.LoadCAFile(c.CAFile); err != nil {
			return verify.Options{}, err
		}
	}
	return opts, nil
}
