package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/knowledge-mcp/knowledge-mcp/internal/buildinfo"
	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

func runStdio(ctx context.Context, env *environment, args []string) error {
	var logCfg config.Log
	var kbCfg config.Knowledge
	fs := config.NewFlagSet("stdio", "Usage: knowledge-mcp stdio [flags]\n\nServes MCP over stdin and stdout, for desktop clients. Nothing but protocol is written to stdout;\nlogs go to stderr.", env.stderr)
	logCfg.AddInteractiveFlags(fs, "info")
	kbCfg.AddFlags(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArguments(fs, "stdio"); err != nil {
		return err
	}
	s, err := start(ctx, env, &logCfg, &kbCfg, indexFolders, kbCfg.Validate, nil)
	if err != nil {
		return err
	}
	defer s.close()
	logger := s.logger
	server := mcpserver.New(mcpserver.Options{Version: buildinfo.Get().Version, Logger: logger, Backend: s.backend})
	transport := &mcpserver.StdioTransport{Reader: env.stdin, Writer: env.stdout, Logger: logger}
	logger.Info("serving MCP over stdio")
	if err := server.Run(ctx, transport); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("stdio session: %w", err)
	}
	return nil
}
