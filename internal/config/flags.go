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
type FlagSet struct {
	fs      *flag.FlagSet
	summary string
	entries []entry
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
	f := &FlagSet{fs: flag.NewFlagSet(name, flag.ContinueOnError), summary: summary}
	f.fs.SetOutput(output)
	f.fs.Usage = func() { f.PrintHelp(f.fs.Output()) }
	return f
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
	f.entries = append(f.entries, entry{name: name, env: env, def: strconv.Itoa(def), usage: usage, kind: "int"})
}

// Int64 defines a 64-bit integer setting.
func (f *FlagSet) Int64(p *int64, name, env string, def int64, usage string) {
	f.fs.Int64Var(p, name, def, usage)
	f.entries = append(f.entries, entry{name: name, env: env, def: strconv.FormatInt(def, 10), usage: usage, kind: "int"})
}

// Bool defines a boolean setting.
func (f *FlagSet) Bool(p *bool, name, env string, def bool, usage string) {
	f.fs.BoolVar(p, name, def, usage)
	f.entries = append(f.entries, entry{name: name, env: env, def: strconv.FormatBool(def), usage: usage, kind: "bool"})
}

// Duration defines a duration setting ("25s", "2m").
func (f *FlagSet) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	f.fs.DurationVar(p, name, def, usage)
	f.entries = append(f.entries, entry{name: name, env: env, def: def.String(), usage: usage, kind: "duration"})
}

// List defines a comma-separated list setting.
func (f *FlagSet) List(p *[]string, name, env string, def []string, usage string) {
	*p = def
	f.fs.Func(name, usage, func(s string) error {
		*p = SplitList(s)
		return nil
	})
	f.entries = append(f.entries, entry{name: name, env: env, def: strings.Join(def, ","), usage: usage, kind: "list"})
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
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrHelp
		}
		return err
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
			shown := strconv.Quote(v)
			if e.secret {
				shown = "(hidden)"
			}
			return fmt.Errorf("invalid value %s for %s: %v", shown, e.env, unwrapFlagErr(err))
		}
	}
	return nil
}

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

// PrintHelp writes the summary and a table of every flag with its
// environment name and default.
func (f *FlagSet) PrintHelp(w io.Writer) {
	fmt.Fprintln(w, strings.TrimRight(f.summary, "\n"))
	if len(f.entries) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags (flag, else environment variable, else default):")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, e := range f.entries {
		name := "--" + e.name
		if e.kind != "bool" {
			name += " " + e.kind
		}
		env := e.env
		if env == "" {
			env = "-"
		}
		def := e.def
		switch {
		case e.secret:
			def = "(secret; prefer the environment variable)"
		case def == "":
			def = "(none)"
		default:
			def = "default " + def
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s; %s\n", name, env, e.usage, def)
	}
	tw.Flush()
}
