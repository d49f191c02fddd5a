package main

import (
	"context"

	"github.com/knowledge-mcp/knowledge-mcp/internal/buildinfo"
	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/metrics"
)

type serveConfig struct {
	http    config.HTTP
	log     config.Log
	edge    config.Edge
	kb      config.Knowledge
	runtime config.Runtime
	// testing holds the settings of a binary built for tests
	// (testing_conformance.go); empty in the shipped binary.
	testing testingConfig
}

func runServe(ctx context.Context, env *environment, args []string) error {
	var cfg serveConfig
	fs := config.NewFlagSet("serve", "Usage: knowledge-mcp serve [flags]\n\nServes MCP over streamable HTTP at http://HOST:PORT/mcp (stateless: any replica answers any request),\nwith /healthz and /readyz beside it.", env.stdout)
	cfg.http.AddFlags(fs)
	cfg.log.AddFlags(fs)
	cfg.kb.AddFlags(fs)
	cfg.edge.AddFlags(fs)
	cfg.runtime.AddFlags(fs)
	cfg.testing.addFlags(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if err := cfg.http.Validate(); err != nil {
		return usageError{err}
	}
	if err := cfg.kb.Validate(); err != nil {
		return usageError{err}
	}
	if err := cfg.edge.Validate(); err != nil {
		return usageError{err}
	}
	if err := cfg.runtime.Validate(); err != nil {
		return usageError{err}
	}
	logger, err := newLogger(env.stderr, &cfg.log)
	if err != nil {
		return err
	}
	defer tuneGC(env, &cfg.runtime, logger)()
	// The edge first: its metrics registry (edge.metrics) also measures the
	// backend: metrics.InstrumentBackend(backend, name, edge.metrics).
	edge, err := newEdge(ctx, &cfg.edge, logger)
	if err != nil {
		return err
	}

	backend, closeBackend, err := openBackend(ctx, &cfg.kb, logger)
	if err != nil {
		return err
	}
	defer closeBackend()
	backend = metrics.InstrumentBackend(backend, cfg.kb.Backend, edge.metrics)

	info := buildinfo.Get()
	server := mcpserver.New(mcpserver.Options{Version: info.Version, Logger: logger, Backend: backend, Extensions: cfg.testing.extensions(logger)})
	handler := httpserver.New(server, edge.options(httpserver.Options{
		Ready:        backend.Ready,
		Logger:       logger,
		MaxBodyBytes: cfg.http.MaxBodyBytes,
		KeepAlive:    cfg.http.KeepAlive,
		AllowedHosts: cfg.http.AllowedHosts,
	}))
	srv, err := httpserver.Listen(cfg.http.Addr(), handler, httpserver.Timeouts{
		ReadHeader: cfg.http.ReadHeaderTimeout,
		Read:       cfg.http.ReadTimeout,
		Write:      cfg.http.WriteTimeout,
		Idle:       cfg.http.IdleTimeout,
		Drain:      cfg.http.DrainTimeout,
	}, logger)
	if err != nil {
		return err
	}
	logger.Info("serving MCP over streamable HTTP",
		"url", "http://"+srv.Addr().String()+httpserver.Path,
		"version", info.Version, "commit", info.Commit)
	edge.logPosture(cfg.http.IsLoopback(), cfg.http.Host)
	if err := edge.serveMetrics(ctx); err != nil {
		return err
	}
	return srv.Serve(ctx)
}
