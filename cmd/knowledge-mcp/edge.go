package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/metrics"
)

// edge is the HTTP edge made from its validated settings: the
// authenticator and the metrics registry, which need the running process,
// added to the parsed options.
type edge struct {
	cfg     *config.Edge
	logger  *slog.Logger
	metrics *metrics.Registry // nil when metrics are off
	// opts are the options of httpserver.New but Ready and Logger.
	opts httpserver.Options
}

// newEdge makes the edge from validated settings. With jwt auth it fetches
// the JWKS once; ctx ends its background refresh.
func newEdge(ctx context.Context, cfg *config.Edge, o *config.ServeOptions, logger *slog.Logger) (*edge, error) {
	e := &edge{cfg: cfg, logger: logger, opts: o.HTTP}
	if cfg.Metrics {
		e.metrics = metrics.New()
	}
	e.opts.Metrics = e.metrics
	switch cfg.Auth {
	case config.AuthAPIKey:
		a, err := httpserver.NewAPIKeyAuth(cfg.APIKeyHeader, o.APIKeys)
		if err != nil {
			return nil, usageError{err}
		}
		e.opts.Auth = a
	case config.AuthJWT:
		jwt := o.JWT
		jwt.Logger = logger
		a, err := httpserver.NewJWTAuth(ctx, jwt)
		if err != nil {
			return nil, err
		}
		e.opts.Auth = a
	}
	if e.opts.Auth != nil {
		e.opts.CORS.ExtraHeaders = []string{e.opts.Auth.CredentialHeader()}
	}
	return e, nil
}

// logPosture logs, once at start, how the server is exposed and protected,
// and warns when a server reachable beyond loopback lets anyone in.
func (e *edge) logPosture(loopback bool, host string) {
	c := e.cfg
	metricsAt := "off"
	switch {
	case c.Metrics && c.MetricsAddr != "":
		metricsAt = "http://" + c.MetricsAddr + "/metrics"
	case c.Metrics:
		metricsAt = "/metrics on the main port"
	}
	rate := "off"
	if r := e.opts.RateLimit; r > 0 {
		rate = fmt.Sprintf("%g/s burst %d per client", float64(r), e.opts.RateBurst)
	}
	attrs := []any{"auth", c.Auth}
	switch c.Auth {
	case config.AuthJWT:
		attrs = append(attrs, "jwt_issuer", c.JWTIssuer, "jwt_audience", c.JWTAudiences, "jwt_client_ids", c.JWTClientIDs, "jwt_scopes", c.JWTScopes)
	case config.AuthAPIKey:
		attrs = append(attrs, "api_key_header", c.APIKeyHeader)
	}
	e.logger.Info("security posture", append(attrs,
		"bind_loopback", loopback,
		"cors_origins", c.CORSOrigins,
		"public_url", c.PublicURL,
		"trusted_proxies", c.TrustedProxies,
		"origin_verify", c.OriginVerifyHeader != "",
		"max_concurrent_requests", c.MaxConcurrent,
		"rate_limit", rate,
		"metrics", metricsAt,
		"metrics_protected", c.MetricsToken != "",
	)...)
	if !loopback && c.Auth == config.AuthJWT && c.PublicURL == "" {
		e.logger.Warn("AUTH=jwt without PUBLIC_URL: OAuth metadata and WWW-Authenticate name the host the request arrived at (behind CloudFront and an ALB, the ALB's); set PUBLIC_URL to the URL clients use")
	}
	if !loopback && c.Auth != config.AuthNone && c.Metrics && c.MetricsAddr == "" && c.MetricsToken == "" {
		e.logger.Warn("/metrics is open on the main port while /mcp needs credentials; set METRICS_TOKEN, or METRICS_ADDR to serve it on a private port")
	}
	if !loopback && e.opts.RateLimit > 0 && slices.Equal(c.TrustedProxies, config.DefaultTrustedProxies) {
		e.logger.Warn("RATE_LIMIT with the default TRUSTED_PROXIES: every private address is trusted to name the client in X-Forwarded-For, so a client inside those ranges can rotate that header past the limit; set TRUSTED_PROXIES to your load balancer's subnets")
	}
	if !loopback && c.Auth == config.AuthNone {
		e.logger.Warn("listening beyond loopback with no authentication: anyone who reaches this port can use the server; set AUTH=api-key or AUTH=jwt, or put it behind an authenticating gateway",
			"host", host)
	}
}

// serveMetrics serves /metrics on its own listener, when configured, until
// ctx ends.
func (e *edge) serveMetrics(ctx context.Context) error {
	if e.metrics == nil || e.cfg.MetricsAddr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", httpserver.MetricsHandler(e.metrics, e.cfg.MetricsToken))
	srv, err := httpserver.Listen(e.cfg.MetricsAddr, mux, httpserver.Timeouts{
		ReadHeader: 5 * time.Second, Read: 10 * time.Second, Write: 30 * time.Second, Idle: 2 * time.Minute, Drain: 2 * time.Second,
	}, e.logger)
	if err != nil {
		return fmt.Errorf("metrics listener: %w", err)
	}
	e.logger.Info("serving metrics", "metrics_url", "http://"+srv.Addr().String()+"/metrics")
	go func() {
		if err := srv.Serve(ctx); err != nil {
			e.logger.Error("metrics listener stopped", "error", err)
		}
	}()
	return nil
}
