package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

func runRemove(_ context.Context, env *environment, args []string) error {
	var kbCfg config.Knowledge
	fs := config.NewFlagSet("remove", `Usage: knowledge-mcp remove NAME [flags]

Removes the stored knowledge base NAME: its index file DATA_DIR/NAME.kbi and the lock file beside
it. The folder it was built from is not touched; "knowledge-mcp index FOLDER --kb NAME" builds it
again.`, env.stdout)
	kbCfg.AddLocalFlags(fs)
	positional, err := parseInterspersed(fs, env, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return usagef("want one knowledge base NAME to remove, got %d arguments; usage: knowledge-mcp remove NAME", len(positional))
	}
	removed, err := local.Remove(kbCfg.DataDir, positional[0])
	if err != nil {
		if errors.Is(err, local.ErrNotStored) || errors.Is(err, kb.ErrInvalidArgument) {
			return usageError{err}
		}
		return err
	}
	fmt.Fprintf(env.stdout, "removed knowledge base %q (%s)\n", positional[0], plural(len(removed), "file", "files"))
	return nil
}
