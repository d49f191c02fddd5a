package main

import (
	"context"
	"errors"
	"fmt"
	"net"

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
	fs := config.NewFlagSet("serve", "Usage: knowledge-mcp serve [flags]\n\nServes MCP over streamable HTTP at http://HOST:PORT/mcp (stateless: any replica answers any request),\nwith /healthz and /readyz beside it, and at / a web console for browsers (200 JSON status for everything else).", env.stdout)
	cfg.AddFlags(fs)
	testFlags.addFlags(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArguments(fs, "serve"); err != nil {
		return err
	}
	var opts *config.ServeOptions
	var edge *edge
	var ln net.Listener
	s, err := start(ctx, env, &cfg.Log, &cfg.Knowledge, indexFolders,
		func() (err error) { opts, err = cfg.Validate(); return err },
		func(s *started) (err error) {
			// Claim the port before indexing folders, which can take a
			// while: a port in use fails at once.
			ln, err = httpserver.Bind(opts.Addr)
			if errors.Is(err, httpserver.ErrAddrInUse) {
				return fmt.Errorf("%s is already in use (is another server running?); choose another port with --port or PORT", opts.Addr)
			}
			if err != nil {
				return err
			}
			s.onClose(func() { ln.Close() })
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
	handlerOpts.Version, handlerOpts.Backend = info.Version, cfg.Knowledge.Backend
	if handlerOpts, err = withConsole(handlerOpts, &cfg.Console, &cfg.Edge, logger); err != nil {
		return err
	}
	srv := httpserver.NewServer(ln, httpserver.New(server, handlerOpts), opts.Timeouts, logger)
	logger.Info("serving MCP over streamable HTTP",
		"url", "http://"+srv.Addr().String()+httpserver.Path,
		"version", info.Version, "commit", info.Commit)
	edge.logPosture(opts.Loopback, cfg.HTTP.Host)
	if cfg.HTTP.ReadTimeout == 0 {
		logger.Warn("READ_TIMEOUT=0: a client may take forever to send a request body, holding a connection and its goroutine; set a limit such as 30s")
	}
	if err := edge.serveMetrics(ctx); err != nil {
		return err
	}
	return srv.Serve(ctx)
}
