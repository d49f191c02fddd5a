package main

import (
	"io"
	"os"
	"regexp"

	"golang.org/x/term"
)

// ANSI bold on and off (22 ends bold without resetting colours).
const (
	ansiBoldOn  = "\x1b[1m"
	ansiBoldOff = "\x1b[22m"
)

// snippetMatch is a match as the search marks it in a snippet: **word**.
var snippetMatch = regexp.MustCompile(`\*\*([^*\s](?:[^*]*?[^*\s])?)\*\*`)

// renderSnippet writes a snippet for the terminal: its **matches** in
// ANSI bold when bold is set, else as plain words. Stars that do not mark
// a match (a glob such as docs/**) are left as written.
func renderSnippet(s string, bold bool) string {
	if bold {
		return snippetMatch.ReplaceAllString(s, ansiBoldOn+"$1"+ansiBoldOff)
	}
	return snippetMatch.ReplaceAllString(s, "$1")
}

// styled reports whether output to w may carry ANSI styles: w is a
// terminal, NO_COLOR is not set (https://no-color.org) and TERM is not
// "dumb".
func styled(w io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
