package main

import (
	"log/slog"
	"net/http"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/console"
	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
)

// withConsole sets the console's fields of opts (the page at / and its
// self-check endpoint) from the settings; with the console off it leaves
// them empty, and / serves only the status JSON.
func withConsole(opts httpserver.Options, cfg *config.Console, edgeCfg *config.Edge, logger *slog.Logger) (httpserver.Options, error) {
	if !cfg.Enabled {
		return opts, nil
	}
	co := console.Options{PublicURL: opts.PublicURL, Endpoint: httpserver.Path, Logger: logger}
	switch edgeCfg.Auth {
	case config.AuthAPIKey:
		co.Auth = console.Auth{Kind: console.AuthAPIKey, Header: edgeCfg.APIKeyHeader}
	case config.AuthJWT:
		co.Auth = console.Auth{Kind: console.AuthJWT, Header: "Authorization"}
	}
	if v := opts.OriginVerify; v.Header != "" {
		// The self-check calls the server directly, past the CDN that
		// would add this header.
		co.SelfCheck.Header = http.Header{http.CanonicalHeaderKey(v.Header): {v.Secret}}
	}
	c, err := console.New(co)
	if err != nil {
		return opts, err
	}
	opts.Console, opts.ConsoleAPI = c, c.API()
	return opts, nil
}
