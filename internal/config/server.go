package config

import (
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
)

// Log configures logging.
type Log struct {
	Level string
	// Format is "text" (readable lines), "json" (JSON lines, for log
	// collectors) or "auto": text when stderr is a terminal, else JSON.
	Format string
}

// LogFormats lists the values of --log-format.
var LogFormats = []string{"auto", "text", "json"}

// AddFlags registers the logging settings; logs are JSON by default (a
// server runs under log collectors).
func (c *Log) AddFlags(f *FlagSet) {
	c.addFlags(f, "info", "json")
}

// AddInteractiveFlags registers the logging settings of a command a
// person runs: readable lines on a terminal, JSON elsewhere.
func (c *Log) AddInteractiveFlags(f *FlagSet, level string) {
	c.addFlags(f, level, "auto")
}

func (c *Log) addFlags(f *FlagSet, level, format string) {
	f.String(&c.Level, "log-level", "LOG_LEVEL", level, "log level: debug, info, warn or error")
	f.String(&c.Format, "log-format", "LOG_FORMAT", format, "log format: text (readable lines), json, or auto (text on a terminal, else json)")
}

// Validate checks the settings.
func (c *Log) Validate() error {
	if _, err := c.SlogLevel(); err != nil {
		return err
	}
	if c.Format != "" && !slices.Contains(LogFormats, strings.ToLower(c.Format)) {
		return fmt.Errorf("log-format (LOG_FORMAT): unknown %q; use %s", c.Format, strings.Join(LogFormats, ", "))
	}
	return nil
}

// SlogLevel returns the level as a slog.Level.
func (c *Log) SlogLevel() (slog.Level, error) {
	switch strings.ToLower(c.Level) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log-level (LOG_LEVEL): unknown level %q; use debug, info, warn or error", c.Level)
}

// HTTP configures the streamable-HTTP listener.
type HTTP struct {
	Host              string
	Port              int
	DrainTimeout      time.Duration
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxBodyBytes      int64
	MaxBatchMessages  int
	MaxResponseBytes  int64
	KeepAlive         time.Duration
	AllowedHosts      []string
}

// AddFlags registers the listener settings.
func (c *HTTP) AddFlags(f *FlagSet) {
	f.String(&c.Host, "host", "HOST", "127.0.0.1", "address to listen on (0.0.0.0 for all interfaces, as in a container)")
	f.Port(&c.Port, "port", "PORT", 8080, "TCP port to listen on")
	f.Duration(&c.DrainTimeout, "drain-timeout", "DRAIN_TIMEOUT", 25*time.Second, "on SIGTERM/SIGINT, how long in-flight requests may take to finish (keep it under ECS's 30s stop timeout)")
	f.Duration(&c.ReadHeaderTimeout, "read-header-timeout", "READ_HEADER_TIMEOUT", 10*time.Second, "time to read request headers")
	f.Duration(&c.ReadTimeout, "read-timeout", "READ_TIMEOUT", 30*time.Second, "time to read a whole request")
	f.Duration(&c.WriteTimeout, "write-timeout", "WRITE_TIMEOUT", 5*time.Minute, "longest time to write a response (long tool calls stream within it)")
	f.Duration(&c.IdleTimeout, "idle-timeout", "IDLE_TIMEOUT", 120*time.Second, "keep-alive connection idle time (longer than the load balancer's, 60s on an ALB)")
	f.Int64(&c.MaxBodyBytes, "max-body-bytes", "MAX_BODY_BYTES", 1<<20, "largest request body accepted; larger gets 413")
	f.Int(&c.MaxBatchMessages, "max-batch-messages", "MAX_BATCH_MESSAGES", 10, "most messages in one JSON-RPC batch (each takes its own concurrency slot and rate-limit token); more gets 400")
	f.Int64(&c.MaxResponseBytes, "max-response-bytes", "MAX_RESPONSE_BYTES", 32<<20, "largest JSON answer sent; a larger one is replaced by a JSON-RPC error saying so")
	f.Duration(&c.KeepAlive, "sse-keepalive", "SSE_KEEPALIVE", 15*time.Second, "interval of keep-alive comments on event streams, so proxies with idle timeouts (CloudFront 30s, ALB 60s) keep long calls open; 0 disables")
	f.List(&c.AllowedHosts, "allowed-hosts", "ALLOWED_HOSTS", nil, "extra Host header values accepted on a loopback connection, for a reverse proxy on the same host (nginx, an ECS sidecar); '*' accepts any")
}

// Addr returns HOST:PORT.
func (c *HTTP) Addr() string {
	return net.JoinHostPort(c.Host, fmt.Sprint(c.Port))
}

// Validate checks the settings.
func (c *HTTP) Validate() error {
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("port (PORT): %d is not a TCP port; use 1-65535 (or 0 for any free port)", c.Port)
	}
	if strings.TrimSpace(c.Host) == "" {
		return fmt.Errorf("host (HOST): empty; use an address such as 127.0.0.1 or 0.0.0.0")
	}
	if c.MaxBodyBytes <= 0 {
		return fmt.Errorf("max-body-bytes (MAX_BODY_BYTES): %d must be positive", c.MaxBodyBytes)
	}
	if c.MaxBatchMessages <= 0 {
		return fmt.Errorf("max-batch-messages (MAX_BATCH_MESSAGES): %d must be positive (1 refuses batches of more than one message)", c.MaxBatchMessages)
	}
	if c.MaxResponseBytes <= 0 {
		return fmt.Errorf("max-response-bytes (MAX_RESPONSE_BYTES): %d must be positive", c.MaxResponseBytes)
	}
	for name, d := range map[string]time.Duration{
		"drain-timeout (DRAIN_TIMEOUT)":             c.DrainTimeout,
		"read-header-timeout (READ_HEADER_TIMEOUT)": c.ReadHeaderTimeout,
		"read-timeout (READ_TIMEOUT)":               c.ReadTimeout,
		"write-timeout (WRITE_TIMEOUT)":             c.WriteTimeout,
		"idle-timeout (IDLE_TIMEOUT)":               c.IdleTimeout,
		"sse-keepalive (SSE_KEEPALIVE)":             c.KeepAlive,
	} {
		if d < 0 {
			return fmt.Errorf("%s: %s must not be negative", name, d)
		}
	}
	return nil
}

// IsLoopback reports whether the configured host only listens on loopback.
func (c *HTTP) IsLoopback() bool {
	return httpserver.IsLoopbackHost(c.Host)
}
