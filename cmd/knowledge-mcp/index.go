package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

func runIndex(ctx context.Context, env *environment, args []string) error {
	var cfg config.Index
	fs := config.NewFlagSet("index", `Usage: knowledge-mcp index FOLDER [flags]

Builds or updates the local knowledge base of FOLDER: Markdown (front matter as metadata), plain
text and HTML, with metadata from Bedrock-style FILE.metadata.json sidecars. Incremental: unchanged
files are skipped by content hash, removed files are dropped. The index is one file, DATA_DIR/NAME.kbi,
replaced atomically: a running server keeps answering and switches to the new index by itself.

Left out: what .gitignore files ignore (git's rules, nested files included), what .kbignore files
(same syntax) leave out, hidden files and folders, node_modules, vendor and __pycache__. A .kbignore
can take a default back ("!vendor/"). --dry-run lists what would be read and why anything is not.`, env.stdout)
	cfg.AddFlags(fs)
	positional, err := parseInterspersed(fs, env, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return usagef("want one FOLDER to index, got %d arguments; usage: knowledge-mcp index FOLDER [--kb NAME]", len(positional))
	}
	dir := positional[0]
	opts, err := cfg.Validate(dir)
	if err != nil {
		return usageError{err}
	}
	if cfg.DryRun {
		return dryRunIndex(env.stdout, dir, cfg.Name, opts.DataDir, opts.Walk, opts.MaxFileBytes)
	}
	progress := newProgress(env.stderr, cfg.Quiet)
	opts.Progress = progress.update
	opts.Hooks = env.indexHooks
	stats, err := local.Build(ctx, opts)
	progress.done()
	if err != nil {
		return err
	}
	for _, s := range stats.Skipped {
		fmt.Fprintln(env.stderr, printable(s.Error(), false))
	}
	for _, w := range stats.Warnings {
		fmt.Fprintln(env.stderr, "warning: "+printable(w.String(), false))
	}
	if stats.Previous != "" {
		fmt.Fprintln(env.stderr, "note:", printable(stats.Previous, false))
	}
	rate := float64(stats.Bytes) / max(stats.Duration.Seconds(), 1e-9)
	fmt.Fprintf(env.stdout, "indexed %s into knowledge base %q (%s)\n", printable(dir, false), stats.Name, printable(stats.Path, false))
	fmt.Fprintf(env.stdout, "files: %d added, %d updated, %d unchanged, %d removed, %d skipped, %d ignored%s\n",
		stats.Added, stats.Updated, stats.Unchanged, stats.Removed, len(stats.Skipped), len(stats.Ignored), ignoredHint(len(stats.Ignored), dir))
	fmt.Fprintf(env.stdout, "%s, %s, %s read in %s (%s/s)\n",
		plural(stats.Documents, "document", "documents"), plural(stats.Chunks, "chunk", "chunks"),
		formatBytes(float64(stats.Bytes)), stats.Duration.Round(time.Millisecond), formatBytes(rate))
	if len(stats.Formats) > 0 {
		fmt.Fprintf(env.stdout, "documents by format: %s\n", countList(stats.Formats))
	}
	if len(stats.Skipped) > 0 {
		reasons := map[string]int{}
		for _, s := range stats.Skipped {
			reasons[skipKind(s.Reason)]++
		}
		fmt.Fprintf(env.stdout, "skipped by reason: %s (each file is named above)\n", printable(countList(reasons), false))
	}
	if cfg.Publish != "" {
		return publishIndex(ctx, env, stats.Path, stats.Name, cfg.PublishTo)
	}
	flags := dataDirFlag(opts.DataDir)
	fmt.Fprintf(env.stdout, "search it: knowledge-mcp search \"QUERY\" --kb %s%s; serve it: knowledge-mcp serve --kb %s%s\n", stats.Name, flags, stats.Name, flags)
	return nil
}

// countList renders counts as "3 pdf, 1 docx", largest first, then by name.
func countList(counts map[string]int) string {
	keys := slices.Collect(maps.Keys(counts))
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

// skipKind shortens a skip reason to its kind, for grouping: the text
// before its details ("corrupt or truncated PDF: missing %%EOF" is
// "corrupt or truncated PDF"); a bad sidecar is one kind, whatever its name.
func skipKind(reason string) string {
	if strings.HasPrefix(reason, "sidecar ") {
		return "bad metadata sidecar"
	}
	if i := strings.IndexAny(reason, ":(;"); i > 0 {
		reason = reason[:i]
	}
	return strings.TrimSpace(reason)
}

// progress draws a progress bar on a terminal and plain lines elsewhere.
type progress struct {
	w        io.Writer
	terminal bool
	quiet    bool
	last     time.Time
	drawn    bool
}

func newProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w, quiet: quiet}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.terminal = true
	}
	return p
}

func (p *progress) update(pr local.Progress) {
	if p.quiet || pr.Total == 0 {
		return
	}
	now := time.Now()
	final := pr.Done == pr.Total
	if p.terminal {
		if !final && now.Sub(p.last) < 100*time.Millisecond {
			return
		}
		p.last = now
		const width = 30
		filled := width * pr.Done / pr.Total
		name := printable(pr.Path, false)
		if len(name) > 40 {
			name = "…" + name[len(name)-39:]
		}
		if pr.Skipped {
			name += " (skipped)"
		}
		fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), pr.Done, pr.Total, name)
		p.drawn = true
		return
	}
	// Plain lines: about every 10% and the last file.
	step := max(pr.Total/10, 1)
	if pr.Done%step == 0 || final {
		// The file named is the last one read; it may have been skipped,
		// and then the line says so.
		state := ""
		if pr.Skipped {
			state = ", skipped"
		}
		fmt.Fprintf(p.w, "%d/%d files read (last: %s%s)\n", pr.Done, pr.Total, printable(pr.Path, false), state)
	}
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// parseInterspersed parses flags placed before, between or after the
// positional arguments ("index DIR --kb NAME") and returns the positional
// arguments. "--" ends the flags.
func parseInterspersed(fs *config.FlagSet, env *environment, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, env, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}
