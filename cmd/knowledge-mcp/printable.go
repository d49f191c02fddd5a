package main

import (
	"fmt"
	"strings"
	"unicode"
)

// printable returns s safe to print on a terminal: control characters
// (C0 such as ESC and CR, DEL, C1) and the Unicode format characters that
// reorder or hide text (bidi overrides, zero-width marks) are written as Go
// escapes (\x1b, \u202e). A file name or a document's text must not be
// able to move the cursor, recolour the screen or set the window title.
// keepLines keeps newlines and tabs, for multi-line text.
func printable(s string, keepLines bool) string {
	if !needsEscape(s, keepLines) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\uFFFD':
			b.WriteRune(r)
		case r < 0x80 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsEscape(s string, keepLines bool) bool {
	for _, r := range s {
		if keepLines && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}
