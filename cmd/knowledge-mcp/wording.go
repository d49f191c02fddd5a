package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// plural writes a count with the singular or plural noun: "1 document",
// "0 chunks".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// formatBytes writes a size in the unit that reads best: bytes below 1 KB,
// KB below 1 MB, then MB (decimal units, one decimal place).
func formatBytes(n float64) string {
	switch {
	case n < 1e3:
		return plural(int(n), "byte", "bytes")
	case n < 1e6:
		return fmt.Sprintf("%.1f KB", n/1e3)
	default:
		return fmt.Sprintf("%.1f MB", n/1e6)
	}
}

// ignoredHint points at --dry-run when something was ignored.
func ignoredHint(ignored int, dir string) string {
	if ignored == 0 {
		return ""
	}
	return fmt.Sprintf(" (knowledge-mcp index %s --dry-run says why)", local.ShellQuote(dir))
}

// dryRunIndex lists what "index" would read from dir and why anything is
// left out, and writes nothing. Checks that need a file's content (binary,
// empty, front matter) happen only in a real run, so the files listed are
// those that would be read.
func dryRunIndex(w io.Writer, dir, name, dataDir string, walk ingest.WalkOptions, maxFileBytes int64) error {
	listing, err := ingest.Walk(dir, walk)
	if err != nil {
		return err
	}
	if name == "" {
		name = local.DefaultName(dir)
	}
	var files []ingest.File
	skipped := listing.Skipped
	for _, f := range listing.Files {
		if f.Size > maxFileBytes {
			skipped = append(skipped, &ingest.SkipError{Path: f.Path, Reason: fmt.Sprintf("too large: %s, the limit is %s (raise --max-file-bytes)", formatBytes(float64(f.Size)), formatBytes(float64(maxFileBytes)))})
			continue
		}
		files = append(files, f)
	}
	fmt.Fprintf(w, "would read %s from %s into knowledge base %q (%s):\n", plural(len(files), "file", "files"), dir, name, local.IndexPath(dataDir, name))
	for _, f := range files {
		fmt.Fprintf(w, "  %s\n", f.Path)
	}
	type leftOut struct{ path, why string }
	var out []leftOut
	for _, ig := range listing.Ignored {
		p := ig.Path
		if ig.Dir {
			p += "/"
		}
		out = append(out, leftOut{p, "ignored: " + ig.Reason})
	}
	for _, s := range skipped {
		out = append(out, leftOut{s.Path, "skipped: " + s.Reason})
	}
	slices.SortFunc(out, func(a, b leftOut) int { return strings.Compare(a.path, b.path) })
	if len(out) > 0 {
		fmt.Fprintln(w, "left out:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, l := range out {
			fmt.Fprintf(tw, "  %s\t%s\n", l.path, l.why)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "dry run: %s would be read, %d skipped, %d ignored; nothing was written\n",
		plural(len(files), "file", "files"), len(skipped), len(listing.Ignored))
	return nil
}
