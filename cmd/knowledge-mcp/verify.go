package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/verify"
	"github.com/knowledge-mcp/knowledge-mcp/internal/verify/template"
)

const verifySummary = `Usage: knowledge-mcp verify [flags] URL
       knowledge-mcp verify --template FILE.json|yaml

Checks a deployed MCP endpoint end to end and names the cause of each failure:
 1 URL scheme, TLS certificate, http→https redirect   5 health paths as an ALB sees them
 2 the Postman request (simpleadd 10+20=30)          6 redirects and absolute http:// URLs
 3 an MCP session with the Go SDK client             7 latency over --calls calls
 4 browser CORS from --origin                        8 authentication with and without the credential
With --template, checks a CloudFormation template for the same pitfalls statically.
Exit status: 0 when no check failed (warnings allowed), 1 when one failed, 2 on bad usage.`

func runVerify(ctx context.Context, env *environment, args []string) error {
	var cfg config.Verify
	var logCfg config.Log
	fs := config.NewFlagSet("verify", verifySummary, env.stdout)
	cfg.AddFlags(fs)
	logCfg.AddInteractiveFlags(fs, "info")
	// Flags may come before or after the URL.
	var positional []string
	for rest := args; ; {
		if err := parseFlags(fs, env, rest); err != nil {
			return err
		}
		left := fs.Args()
		if len(left) == 0 {
			break
		}
		positional, rest = append(positional, left[0]), left[1:]
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	logCfg.Level = strings.ToLower(logCfg.Level)
	logger, err := newLogger(env.stderr, &logCfg)
	if err != nil {
		return err
	}

	var report *verify.Report
	switch {
	case cfg.Template != "" && len(positional) > 0:
		return usagef("give either a URL or --template, not both")
	case cfg.Template != "":
		report, err = template.CheckFile(cfg.Template)
		if err != nil {
			return usageError{err}
		}
	case len(positional) == 0:
		return usagef("missing the endpoint URL, e.g. knowledge-mcp verify https://d111.cloudfront.net/mcp")
	case len(positional) > 1:
		return usagef("one URL at a time; got %q", positional)
	default:
		opts, err := cfg.Options(positional[0])
		if err != nil {
			return usageError{err}
		}
		opts.Logger = logger
		report = verify.Run(ctx, opts)
	}

	if cfg.JSON {
		err = report.WriteJSON(env.stdout)
	} else {
		err = report.WriteText(env.stdout, useColour(cfg.Color, env))
	}
	if err != nil {
		return err
	}
	if report.Failed() {
		return errChecksFailed{report.Counts[verify.Fail]}
	}
	return nil
}

// errChecksFailed makes the exit status 1 when a check failed.
type errChecksFailed struct{ n int }

func (e errChecksFailed) Error() string {
	if e.n == 1 {
		return "1 check failed"
	}
	return fmt.Sprintf("%d checks failed", e.n)
}

// useColour decides on ANSI colours: always, never, or auto — on when stdout
// is a terminal (a character device), NO_COLOR is unset and TERM is not dumb.
func useColour(mode string, env *environment) bool {
	switch strings.ToLower(mode) {
	case "always":
		return true
	case "never":
		return false
	}
	return styled(env.stdout, env.getenv)
}
