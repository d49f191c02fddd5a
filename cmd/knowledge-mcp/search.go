package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

func runSearch(ctx context.Context, env *environment, args []string) error {
	var (
		kbCfg      config.Knowledge
		maxResults int
		filterJSON string
		asJSON     bool
		logCfg     config.Log
	)
	fs := config.NewFlagSet("search", `Usage: knowledge-mcp search "QUERY" [flags]

Searches knowledge bases from the terminal: ranked passages with title, location, score and a
snippet, or JSON with --json. Without --kb it searches the built-in documentation.`, env.stdout)
	kbCfg.AddFlags(fs)
	fs.Int(&maxResults, "max-results", "", kb.DefaultMaxResults, fmt.Sprintf("number of results, 1-%d", kb.MaxMaxResults))
	fs.String(&filterJSON, "filter", "", "", `metadata filter in Bedrock's RetrievalFilter JSON, e.g. {"equals":{"key":"team","value":"search"}}`)
	fs.Bool(&asJSON, "json", "", false, "print the results as JSON")
	logCfg.AddInteractiveFlags(fs, "warn")
	positional, err := parseInterspersed(fs, env, args)
	if err != nil {
		return err
	}
	text := strings.Join(positional, " ")
	if strings.TrimSpace(text) == "" {
		return usagef(`want a QUERY; usage: knowledge-mcp search "QUERY" [--kb NAME]`)
	}
	if maxResults < 1 || maxResults > kb.MaxMaxResults {
		return usagef("--max-results %d: use a number from 1 to %d", maxResults, kb.MaxMaxResults)
	}
	var filter *kb.Filter
	kbCfg.AwaitRemote = true // one search: wait for an s3:// index's first copy
	s, err := start(ctx, env, &logCfg, &kbCfg, readOnly, func() (err error) {
		if err := kbCfg.Validate(); err != nil {
			return err
		}
		filter, err = kb.ParseFilter([]byte(filterJSON))
		if err != nil {
			// Named as the flag, not as the MCP argument ("filter.equals.key").
			return fmt.Errorf("--filter: %s", strings.TrimPrefix(err.Error(), "filter."))
		}
		return nil
	}, nil)
	if err != nil {
		return err
	}
	defer s.close()
	q := kb.Query{Text: text, MaxResults: maxResults, Filter: filter}
	res, err := s.backend.Search(ctx, q)
	if err != nil {
		if errors.Is(err, kb.ErrInvalidArgument) {
			return usageError{err}
		}
		return err
	}
	if asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if len(res.Results) == 0 {
		fmt.Fprintf(env.stdout, "no results for %q\n", text)
		return nil
	}
	bold := styled(env.stdout, env.getenv)
	for i, r := range res.Results {
		title := r.Title
		path := r.HeadingPath
		if len(path) > 0 && path[0] == title {
			path = path[1:]
		}
		if len(path) > 0 {
			title += " › " + strings.Join(path, " › ")
		}
		fmt.Fprintf(env.stdout, "%d. %s\n   %s  (chunk %d, score %.2f)\n   %s\n\n", i+1, printable(title, false), printable(r.URI, false), r.ChunkIndex, r.Score, renderSnippet(printable(r.Snippet, true), bold))
	}
	return nil
}
