//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
)

// Commands a person runs log readable lines on a terminal and JSON
// elsewhere; serve logs JSON unless told otherwise; durations read 25s in
// both.
func TestLogFormat(t *testing.T) {
	tests := []struct {
		name        string
		interactive bool   // the command is run by a person (search, verify)
		format      string // --log-format, "" for the command's default
		terminal    bool
		wantJSON    bool
	}{
		{"search on a terminal", true, "", true, false},
		{"search piped", true, "", false, true},
		{"search on a terminal with --log-format json", true, "json", true, true},
		{"search piped with --log-format text", true, "text", false, false},
		{"serve on a terminal", false, "", true, true},
		{"serve with --log-format text", false, "text", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := config.NewFlagSet("x", "", io.Discard)
			var c config.Log
			if tt.interactive {
				c.AddInteractiveFlags(fs, "info")
			} else {
				c.AddFlags(fs)
			}
			var args []string
			if tt.format != "" {
				args = []string{"--log-format", tt.format}
			}
			if err := fs.Parse(args); err != nil {
				t.Fatal(err)
			}
			var w io.Writer
			var buf bytes.Buffer
			var term *terminal
			if tt.terminal {
				term = newTerminal(t)
				w = term.tty
			} else {
				w = &buf
			}
			logger, err := newLogger(w, &c)
			if err != nil {
				t.Fatal(err)
			}
			logger.Warn("indexed folder", "kb", "handbook", "duration", 25*time.Second, slog.Group("files", "added", 3))
			out := buf.String()
			if term != nil {
				out = term.Output()
			}
			if tt.wantJSON {
				var rec map[string]any
				if err := json.Unmarshal([]byte(out), &rec); err != nil {
					t.Fatalf("want one JSON line, got %q: %v", out, err)
				}
				if rec["duration"] != "25s" {
					t.Errorf("duration = %#v, want \"25s\"", rec["duration"])
				}
				return
			}
			if want := "warning: indexed folder (kb=handbook, duration=25s, files.added=3)\n"; out != want {
				t.Errorf("got %q, want %q", out, want)
			}
		})
	}
	var c config.Log
	c.Level, c.Format = "info", "yaml"
	if _, err := newLogger(io.Discard, &c); err == nil || !strings.Contains(err.Error(), `log-format (LOG_FORMAT): unknown "yaml"`) {
		t.Errorf("unknown format: %v", err)
	}
}
