package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/metrics"
)

// edge is the HTTP edge built from its settings: the authenticator, the
// metrics registry and the options they make.
type edge struct {
	cfg     *config.Edge
	logger  *slog.Logger
	metrics *metrics.Registry // nil when metrics are off
	opts    httpserver.Options
}

// newEdge builds the edge from validated settings. With jwt auth it fetches
// the JWKS once; ctx ends its background refresh.
func newEdge(ctx context.Context, cfg *config.Edge, logger *slog.Logger) (*edge, error) {
	e := &edge{cfg: cfg, logger: logger}
	public, err := cfg.PublicBase()
	if err != nil {
		return nil, usageError{err}
	}
	trusted, err := cfg.TrustedPrefixes()
	if err != nil {
		return nil, usageError{err}
	}
	perSecond, err := cfg.RatePerSecond()
	if err != nil {
		return nil, usageError{err}
	}
	origins := make([]string, 0, len(cfg.CORSOrigins))
	for _, o := range cfg.CORSOrigins {
		if o != "*" {
			if o, err = config.NormalizeOrigin(o); err != nil {
				return nil, usageError{err}
			}
		}
		origins = append(origins, o)
	}
	if cfg.Metrics {
		e.metrics = metrics.New()
	}
	e.opts = httpserver.Options{
		PublicURL:      public,
		TrustedProxies: trusted,
		CORS: httpserver.CORS{
			Origins:          origins,
			AllowCredentials: cfg.CORSAllowCredentials,
			MaxAge:           cfg.CORSMaxAge,
		},
		OriginVerify:  httpserver.OriginVerify{Header: cfg.OriginVerifyHeader, Secret: cfg.OriginVerifySecret},
		MaxConcurrent: cfg.MaxConcurrent,
		RateLimit:     perSecond,
		RateBurst:     cfg.Burst(),
		Metrics:       e.metrics,
		ServeMetrics:  cfg.Metrics && cfg.MetricsAddr == "",
		MetricsToken:  cfg.MetricsToken,
	}
	switch cfg.Auth {
	case config.AuthAPIKey:
		keys, err := cfg.Keys()
		if err != nil {
			return nil, usageError{err}
		}
		a, err := httpserver.NewAPIKeyAuth(cfg.APIKeyHeader, keys)
		if err != nil {
			return nil, usageError{err}
		}
		e.opts.Auth = a
	case config.AuthJWT:
		a, err := httpserver.NewJWTAuth(ctx, httpserver.JWTConfig{
			JWKSURL:              cfg.JWTJWKSURL,
			Issuer:               cfg.JWTIssuer,
			Audiences:            cfg.JWTAudiences,
			ClientIDs:            cfg.JWTClientIDs,
			Scopes:               cfg.JWTScopes,
			Leeway:               cfg.JWTLeeway,
			AuthorizationServers: cfg.JWTAuthorizationServers,
			Logger:               logger,
		})
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

// options returns base with the edge's fields filled in; every other field
// of base is kept.
func (e *edge) options(base httpserver.Options) httpserver.Options {
	o := e.opts
	base.PublicURL, base.TrustedProxies, base.CORS, base.Auth, base.OriginVerify = o.PublicURL, o.TrustedProxies, o.CORS, o.Auth, o.OriginVerify
	base.MaxConcurrent, base.RateLimit, base.RateBurst = o.MaxConcurrent, o.RateLimit, o.RateBurst
	base.Metrics, base.ServeMetrics, base.MetricsToken = o.Metrics, o.ServeMetrics, o.MetricsToken
	return base
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
	if r, _ := c.RatePerSecond(); r > 0 {
		rate = fmt.Sprintf("%g/s burst %d per client", r, c.Burst())
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
