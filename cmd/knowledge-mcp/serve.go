package main

import (
	"context"

	"github.com/knowledge-mcp/knowledge-mcp/internal/buildinfo"
	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/metrics"
)

func runServe(ctx context.Context, env *environment, args []string) error {
	var cfg config.Serve
	// testing holds the settings of a binary built for tests
	// (testing_conformance.go); empty in the shipped binary.
	var testFlags testingConfig
	fs := config.NewFlagSet("serve", "Usage: knowledge-mcp serve [flags]\n\nServes MCP over streamable HTTP at http://HOST:PORT/mcp (stateless: any replica answers any request),\nwith /healthz and /readyz beside it.", env.stdout)
	cfg.AddFlags(fs)
	testFlags.addFlags(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	var opts *config.ServeOptions
	var edge *edge
	s, err := start(ctx, env, &cfg.Log, &cfg.Knowledge,
		func() (err error) { opts, err = cfg.Validate(); return err },
		func(s *started) (err error) {
			s.onClose(tuneGC(env, &cfg.Runtime, s.logger))
			// The edge first: its metrics registry also measures the backend.
			edge, err = newEdge(ctx, &cfg.Edge, opts, s.logger)
			return err
		})
	if err != nil {
		return err
	}
	defer s.close()
	logger := s.logger
	backend := metrics.InstrumentBackend(s.backend, cfg.Knowledge.Backend, edge.metrics)

	info := buildinfo.Get()
	server := mcpserver.New(mcpserver.Options{Version: info.Version, Logger: logger, Backend: backend, Extensions: testFlags.extensions(logger)})
	handlerOpts := edge.opts
	handlerOpts.Ready = backend.Ready
	handlerOpts.Logger = logger
	srv, err := httpserver.Listen(opts.Addr, httpserver.New(server, handlerOpts), opts.Timeouts, logger)
	if err != nil {
		return err
	}
	logger.Info("serving MCP over streamable HTTP",
		"url", "http://"+srv.Addr().String()+httpserver.Path,
		"version", info.Version, "commit", info.Commit)
	edge.logPosture(opts.Loopback, cfg.HTTP.Host)
	if err := edge.serveMetrics(ctx); err != nil {
		return err
	}
	return srv.Serve(ctx)
}
