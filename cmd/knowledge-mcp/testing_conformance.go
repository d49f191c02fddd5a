//go:build conformance

package main

import (
	"log/slog"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver/conformance"
)

// testingConfig holds the settings of a binary built for tests with
// -tags conformance: serve can offer the MCP conformance suite's fixtures.
type testingConfig struct {
	// conformanceFixtures serves the MCP conformance suite's test tools.
	conformanceFixtures bool
}

func (c *testingConfig) addFlags(fs *config.FlagSet) {
	fs.Bool(&c.conformanceFixtures, "conformance-fixtures", "CONFORMANCE_FIXTURES", false, "TESTING ONLY: also serve the MCP conformance suite's test tools, resources and prompts")
}

func (c *testingConfig) extensions(logger *slog.Logger) []mcpserver.Extension {
	if !c.conformanceFixtures {
		return nil
	}
	logger.Warn("serving the MCP conformance suite's test fixtures (CONFORMANCE_FIXTURES): for testing only")
	return []mcpserver.Extension{conformance.Extension()}
}
