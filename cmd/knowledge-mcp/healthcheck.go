package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
)

func runHealthcheck(ctx context.Context, env *environment, args []string) error {
	var (
		host    string
		port    int
		url     string
		timeout time.Duration
	)
	fs := config.NewFlagSet("healthcheck", "Usage: knowledge-mcp healthcheck [flags]\n\nProbes the local server's /healthz and exits 0 when it answers 200, else 1.\nFor a container HEALTHCHECK in an image without curl.", env.stdout)
	fs.String(&host, "host", "HOST", "127.0.0.1", "the server's listen address (0.0.0.0 is probed on 127.0.0.1)")
	fs.Port(&port, "port", "PORT", 8080, "the server's port")
	fs.String(&url, "url", "HEALTHCHECK_URL", "", "full URL to probe instead of http://HOST:PORT/healthz")
	fs.Duration(&timeout, "timeout", "HEALTHCHECK_TIMEOUT", 3*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArguments(fs, "healthcheck"); err != nil {
		return err
	}
	if url == "" {
		switch host {
		case "", "0.0.0.0":
			host = "127.0.0.1"
		case "::":
			host = "::1"
		}
		url = "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usagef("url (HEALTHCHECK_URL): %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", url, resp.Status)
	}
	fmt.Fprintf(env.stdout, "healthy: %s answered %s\n", url, resp.Status)
	return nil
}
