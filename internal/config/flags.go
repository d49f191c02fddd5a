// Package config holds knowledge-mcp's typed configuration. Every setting is a
// flag with an environment name; the value comes from the flag, else the
// environment, else the default. Each concern has a small struct with an
// AddFlags method and a Validate method.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// ErrHelp is returned by [FlagSet.Parse] when -h or --help was asked for; the
// help text has been printed.
var ErrHelp = flag.ErrHelp

// FlagSet is a flag.FlagSet whose flags each also have an environment name.
// A bad value, from a flag or its variable, is one error naming both; the
// flag package's own messages and usage dump are not printed.
type FlagSet struct {
	fs      *flag.FlagSet
	summary string
	entries []entry
	output  io.Writer
	// failed is the first value a flag refused during Parse.
	failed error
	// Getenv looks up environment variables; os.Getenv when nil.
	Getenv func(string) string
}

type entry struct {
	name, env, def, usage, kind string
	secret                      bool
	// docDef, when set, stands for def in generated documentation (a
	// default that depends on the machine).
	docDef string
}

// NewFlagSet returns an empty FlagSet for the command name; summary is the
// first lines of its help (usage line and a sentence on what it does).
func NewFlagSet(name, summary string, output io.Writer) *FlagSet {
	f := &FlagSet{fs: flag.NewFlagSet(name, flag.ContinueOnError), summary: summary, output: output}
	f.fs.SetOutput(io.Discard)
	f.fs.Usage = func() {}
	return f
}

// checked wraps the flag's value so that a value it refuses is reported
// as "name (ENV): "value" is not …", whether it came from the flag or
// from the variable.
type checked struct {
	flag.Value
	set  *FlagSet
	e    entry
	what string // what a value must be: "a whole number", "a TCP port; use 1-65535 (or 0 for any free port)"
}

func (c *checked) Set(s string) error {
	if err := c.Value.Set(s); err != nil {
		what := c.what
		if errors.Is(err, strconv.ErrRange) || strings.Contains(err.Error(), "out of range") {
			what += " (out of range)"
		}
		if c.set.failed == nil {
			c.set.failed = fmt.Errorf("%s: %s is not %s", c.set.settingName(c.e), showValue(s, c.e.secret), what)
		}
		return err
	}
	return nil
}

// showValue writes a refused value as typed, quoted when it is empty or
// has spaces, hidden when it is a secret.
func showValue(s string, secret bool) string {
	switch {
	case secret:
		return "the value"
	case s == "" || strings.ContainsAny(s, " \t\"'"):
		return strconv.Quote(s)
	}
	return s
}

// IsBoolFlag keeps "--flag" without a value working for booleans.
func (c *checked) IsBoolFlag() bool {
	b, ok := c.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// settingName is "port (PORT)", or "port" for a flag without a variable.
func (f *FlagSet) settingName(e entry) string {
	if e.env == "" {
		return e.name
	}
	return e.name + " (" + e.env + ")"
}

// check wraps the flag just defined (see checked).
func (f *FlagSet) check(e entry, what string) {
	fl := f.fs.Lookup(e.name)
	fl.Value = &checked{Value: fl.Value, set: f, e: e, what: what}
}

// String defines a string setting.
func (f *FlagSet) String(p *string, name, env, def, usage string) {
	*p = def
	f.fs.StringVar(p, name, def, usage)
	f.entries = append(f.entries, entry{name: name, env: env, def: def, usage: usage, kind: "string"})
}

// Secret defines a string setting whose value never appears in help or logs.
// Prefer its environment name: a flag value is visible in the process list.
func (f *FlagSet) Secret(p *string, name, env, usage string) {
	f.fs.StringVar(p, name, "", usage)
	f.entries = append(f.entries, entry{name: name, env: env, usage: usage, kind: "string", secret: true})
}

// Int defines an integer setting.
func (f *FlagSet) Int(p *int, name, env string, def int, usage string) {
	f.fs.IntVar(p, name, def, usage)
	f.add(entry{name: name, env: env, def: strconv.Itoa(def), usage: usage, kind: "int"}, "a whole number")
}

// Port defines a TCP port setting: 0-65535, 0 meaning any free port.
func (f *FlagSet) Port(p *int, name, env string, def int, usage string) {
	*p = def
	f.fs.Var((*portValue)(p), name, usage)
	f.add(entry{name: name, env: env, def: strconv.Itoa(def), usage: usage, kind: "int"}, "a TCP port; use 1-65535 (or 0 for any free port)")
}

type portValue int

func (v *portValue) String() string { return strconv.Itoa(int(*v)) }
func (v *portValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("not a TCP port")
	}
	*v = portValue(n)
	return nil
}

// Int64 defines a 64-bit integer setting.
func (f *FlagSet) Int64(p *int64, name, env string, def int64, usage string) {
	f.fs.Int64Var(p, name, def, usage)
	f.add(entry{name: name, env: env, def: strconv.FormatInt(def, 10), usage: usage, kind: "int"}, "a whole number")
}

// Bool defines a boolean setting.
func (f *FlagSet) Bool(p *bool, name, env string, def bool, usage string) {
	f.fs.BoolVar(p, name, def, usage)
	f.add(entry{name: name, env: env, def: strconv.FormatBool(def), usage: usage, kind: "bool"}, "true or false")
}

// Duration defines a duration setting ("25s", "2m").
func (f *FlagSet) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	f.fs.DurationVar(p, name, def, usage)
	f.add(entry{name: name, env: env, def: shortDuration(def), usage: usage, kind: "duration"}, "a duration such as 30s, 5m or 1h30m")
}

// shortDuration writes a duration without zero units: "5m", not "5m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// add records a flag's entry and reports its refused values as "not what".
func (f *FlagSet) add(e entry, what string) {
	f.entries = append(f.entries, e)
	f.check(e, what)
}

// List defines a comma-separated list setting.
func (f *FlagSet) List(p *[]string, name, env string, def []string, usage string) {
	*p = def
	f.fs.Func(name, usage, func(s string) error {
		*p = SplitList(s)
		return nil
	})
	f.add(entry{name: name, env: env, def: strings.Join(def, ","), usage: usage, kind: "list"}, "a comma-separated list")
}

// SplitList splits a comma-separated value, trimming blanks and dropping
// empty items.
func SplitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Parse reads flags from args, then fills every flag not given on the command
// line from its environment variable. An invalid value gives an error that
// names the flag or variable.
func (f *FlagSet) Parse(args []string) error {
	f.failed = nil
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.PrintHelp(f.output)
			return ErrHelp
		}
		return f.explain(err)
	}
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	getenv := f.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, e := range f.entries {
		if set[e.name] || e.env == "" {
			continue
		}
		v, ok := lookup(getenv, e.env)
		if !ok {
			continue
		}
		if err := f.fs.Set(e.name, v); err != nil {
			if f.failed != nil && !e.secret {
				return f.failed
			}
			return fmt.Errorf("%s: the value is not valid: %v", f.settingName(e), unwrapFlagErr(err))
		}
	}
	return nil
}

// explain turns an error of the flag package into one line naming the
// flag (and its variable) and what to do.
func (f *FlagSet) explain(err error) error {
	if f.failed != nil {
		return f.failed
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return fmt.Errorf("unknown flag %s; 'knowledge-mcp %s --help' lists the flags", dashes(name), f.fs.Name())
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		for _, e := range f.entries {
			if "-"+e.name == name || "--"+e.name == name {
				return fmt.Errorf("%s: %s needs a value", f.settingName(e), dashes(name))
			}
		}
		return fmt.Errorf("%s needs a value", dashes(name))
	}
	return err
}

// dashes writes a flag as --name, however it was typed.
func dashes(name string) string { return "--" + strings.TrimLeft(name, "-") }

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func unwrapFlagErr(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

// DocumentDefault sets how the generated documentation shows the default
// of flag name, when it depends on the machine (a folder under the user's
// home).
func (f *FlagSet) DocumentDefault(name, shown string) {
	for i := range f.entries {
		if f.entries[i].name == name {
			f.entries[i].docDef = shown
		}
	}
}

// WriteMarkdown writes a Markdown table of the flags, in the order they
// were defined: flag, environment variable, default and meaning, as
// --help gives them. Flags for which skip reports true are left out.
func (f *FlagSet) WriteMarkdown(w io.Writer, skip func(name string) bool) {
	fmt.Fprintln(w, "| flag | environment | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, e := range f.entries {
		if skip != nil && skip(e.name) {
			continue
		}
		env := "none"
		if e.env != "" {
			env = "`" + e.env + "`"
		}
		def := e.def
		switch {
		case e.secret:
			def = "none (secret)"
		case e.docDef != "":
			def = e.docDef
		case def == "":
			def = "none"
		default:
			def = "`" + def + "`"
		}
		usage := strings.ReplaceAll(e.usage, "|", `\|`)
		fmt.Fprintf(w, "| `--%s` | %s | %s | %s |\n", e.name, env, def, usage)
	}
}

// Args returns the positional arguments left after Parse.
func (f *FlagSet) Args() []string { return f.fs.Args() }

// helpGroups orders --help by what people need first: a command's own
// flags (those in no group here), then where it listens and what it
// serves, then security, limits, Bedrock, logging and tuning.
var helpGroups = []struct {
	title string
	flags []string // names; a name ending in "*" is a prefix
}{
	{"Listening", []string{"host", "port", "public-url"}},
	{"Knowledge bases", []string{"backend", "kb", "kb-refresh", "data-dir"}},
	{"Security", []string{"auth", "api-key-header", "api-keys", "api-keys-file", "jwt-*", "cors-*", "origin-verify-*", "allowed-hosts", "trusted-proxies", "metrics-token"}},
	{"Limits", []string{"max-concurrent-requests", "rate-limit", "rate-limit-burst", "max-body-bytes", "max-document-bytes"}},
	{"Amazon Bedrock", []string{"knowledge-base-id", "kb-tag-key", "kb-cache-ttl", "model-arn", "reranker-*", "rerank-by-default", "reranked-results", "implicit-filter-*", "guardrail-*", "aws-*", "document-buckets", "s3-force-path-style"}},
	{"Logging and metrics", []string{"log-level", "log-format", "metrics", "metrics-addr"}},
	{"Tuning", []string{"drain-timeout", "read-header-timeout", "read-timeout", "write-timeout", "idle-timeout", "sse-keepalive", "gc-heap-floor"}},
}

// helpGroup returns the index of the group of flag name in helpGroups, or
// -1 for a command's own flag.
func helpGroup(name string) int {
	for i, g := range helpGroups {
		for _, n := range g.flags {
			if n == name || strings.HasSuffix(n, "*") && strings.HasPrefix(name, strings.TrimSuffix(n, "*")) {
				return i
			}
		}
	}
	return -1
}

// PrintHelp writes the summary and a table of every flag with its
// environment name and default, grouped (see helpGroups).
func (f *FlagSet) PrintHelp(w io.Writer) {
	fmt.Fprintln(w, strings.TrimRight(f.summary, "\n"))
	if len(f.entries) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags (flag, else environment variable, else default):")
	groups := make([][]entry, len(helpGroups)+1) // [0] the command's own
	for _, e := range f.entries {
		i := helpGroup(e.name) + 1
		groups[i] = append(groups[i], e)
	}
	for i, entries := range groups {
		if len(entries) == 0 {
			continue
		}
		if i > 0 {
			fmt.Fprintf(w, "\n%s:\n", helpGroups[i-1].title)
		}
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for _, e := range entries {
			printEntry(tw, e)
		}
		tw.Flush()
	}
}

// printEntry writes one flag's row: name, variable, usage and default.
// An empty default is not shown when the usage says what empty means.
func printEntry(w io.Writer, e entry) {
	name := "--" + e.name
	if e.kind != "bool" {
		name += " " + e.kind
	}
	env := e.env
	if env == "" {
		env = "-"
	}
	usage := e.usage
	lower := strings.ToLower(usage)
	switch {
	case e.secret:
		usage += "; secret: prefer the environment variable"
	case e.def == "" && (strings.Contains(lower, "empty") || strings.Contains(lower, "default")):
	case e.def == "":
		usage += "; unset by default"
	default:
		usage += "; default " + e.def
	}
	fmt.Fprintf(w, "  %s\t%s\t%s\n", name, env, usage)
}
