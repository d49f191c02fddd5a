//go:build !conformance

package main

import (
	"log/slog"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
)

// testingConfig is empty in the shipped binary: it has no testing flags.
// A binary built with -tags conformance has them (testing_conformance.go).
type testingConfig struct{}

func (*testingConfig) addFlags(*config.FlagSet) {}

func (*testingConfig) extensions(*slog.Logger) []mcpserver.Extension { return nil }
