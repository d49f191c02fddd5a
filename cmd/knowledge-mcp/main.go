// Command knowledge-mcp serves a knowledge base to AI agents over the Model
// Context Protocol (MCP).
//
// Usage:
//
//	knowledge-mcp serve [flags]        MCP over streamable HTTP at http://HOST:PORT/mcp
//	knowledge-mcp stdio [flags]        MCP over stdio, for desktop clients
//	knowledge-mcp index FOLDER [flags] build or update a local knowledge base
//	knowledge-mcp search "QUERY"       search knowledge bases from the terminal
//	knowledge-mcp remove NAME          remove a stored knowledge base
//	knowledge-mcp verify [flags] URL   check a deployed endpoint end to end, diagnose failures
//	knowledge-mcp healthcheck [flags]  exit 0 when the local server is healthy
//	knowledge-mcp version              version, commit and Go version (also --version, -v)
//
// Every flag has an environment variable; "knowledge-mcp COMMAND --help"
// lists them with their defaults. Logs go to stderr: readable lines on a
// terminal for the commands a person runs, JSON lines elsewhere and for
// serve (--log-format text or json chooses).
//
// Exit status: 0 on success, 1 when the command failed, 2 when its flags,
// environment or arguments are invalid.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// command is one subcommand of knowledge-mcp.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what a command may touch: its streams and the process
// environment. Tests supply their own.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// indexHooks interrupt "index" at a chosen point; set only by tests.
	indexHooks local.BuildHooks
}

// usageError marks bad flags, environment or arguments: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func commands() []command {
	return []command{
		{"serve", "serve MCP over streamable HTTP at http://HOST:PORT/mcp", runServe},
		{"stdio", "serve MCP over stdin/stdout, for desktop clients", runStdio},
		{"index", "build or update a local knowledge base from a folder", runIndex},
		{"search", "search knowledge bases from the terminal", runSearch},
		{"remove", "remove a stored knowledge base (its index and lock file)", runRemove},
		{"verify", "check a deployed MCP endpoint end to end (or a CloudFormation template) and name each failure's cause", runVerify},
		{"healthcheck", "probe the local server's /healthz; exit 0 when healthy", runHealthcheck},
		{"version", "print version, commit and Go version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// run executes the command named by args[0] and returns the exit status.
func run(ctx context.Context, env *environment, args []string) int {
	switch {
	case len(args) == 0:
		// A command is needed: the list goes where errors go.
		printUsage(env.stderr)
		return 2
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		printUsage(env.stdout)
		return 0
	case args[0] == "-v" || args[0] == "--version" || args[0] == "-version":
		args = append([]string{"version"}, args[1:]...)
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil || errors.Is(err, config.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(env.stderr, "knowledge-mcp %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(env.stderr, "knowledge-mcp %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(env.stderr, "knowledge-mcp: unknown command %q; run 'knowledge-mcp --help' for the list\n", args[0])
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "knowledge-mcp serves a knowledge base to AI agents over the Model Context Protocol.")
	fmt.Fprintln(w, "\nUsage: knowledge-mcp COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'knowledge-mcp COMMAND --help' for a command's flags and their environment variables.")
}

// noArguments refuses positional arguments to a command that takes none.
func noArguments(fs *config.FlagSet, command string) error {
	if extra := fs.Args(); len(extra) > 0 {
		return usagef("unexpected argument %q: %s takes no arguments (flags start with --)", extra[0], command)
	}
	return nil
}

// parseFlags parses args into fs, turning parse errors into usage errors.
func parseFlags(fs *config.FlagSet, env *environment, args []string) error {
	fs.Getenv = env.getenv
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, config.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}
