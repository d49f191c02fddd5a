package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/knowledge-mcp/knowledge-mcp/internal/buildinfo"
	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
)

func runVersion(_ context.Context, env *environment, args []string) error {
	var asJSON bool
	fs := config.NewFlagSet("version", "Usage: knowledge-mcp version [--json]\n\nPrints the version, commit and Go version of this build.", env.stdout)
	fs.Bool(&asJSON, "json", "", false, "print JSON")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArguments(fs, "version"); err != nil {
		return err
	}
	info := buildinfo.Get()
	if asJSON {
		return json.NewEncoder(env.stdout).Encode(info)
	}
	fmt.Fprintf(env.stdout, "knowledge-mcp %s (commit %s, %s)\n", info.Version, info.Commit, info.GoVersion)
	return nil
}
