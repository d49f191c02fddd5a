package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
)

// newLogger returns the logger on w at the configured level and format:
// JSON lines, or readable lines for a person ("text", or "auto" when w is
// a terminal). Durations read "25s" in both.
func newLogger(w io.Writer, c *config.Log) (*slog.Logger, error) {
	if err := c.Validate(); err != nil {
		return nil, usageError{err}
	}
	level, _ := c.SlogLevel()
	format := strings.ToLower(c.Format)
	if format == "auto" {
		format = "json"
		if styled(w, func(string) string { return "" }) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(&lineHandler{w: w, level: level, mu: new(sync.Mutex)}), nil
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: readableDurations})), nil
}

// readableDurations writes a duration as "25s", not as nanoseconds.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

// lineHandler writes one readable line a record, for a person at a
// terminal: "warning: message (key=value, key=value)", no timestamps.
type lineHandler struct {
	w      io.Writer
	level  slog.Level
	mu     *sync.Mutex
	prefix string // group names, dotted
	attrs  []slog.Attr
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	case r.Level < slog.LevelInfo:
		b.WriteString("debug: ")
	}
	b.WriteString(r.Message)
	var fields []string
	add := func(a slog.Attr) bool {
		fields = appendAttr(fields, h.prefix, a)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	if len(fields) > 0 {
		b.WriteString(" (" + strings.Join(fields, ", ") + ")")
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// appendAttr writes key=value, groups flattened to dotted keys.
func appendAttr(fields []string, prefix string, a slog.Attr) []string {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return fields
	}
	key := a.Key
	if prefix != "" && key != "" {
		key = prefix + "." + key
	} else if key == "" {
		key = prefix
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			fields = appendAttr(fields, key, g)
		}
		return fields
	}
	var v string
	switch a.Value.Kind() {
	case slog.KindDuration:
		v = a.Value.Duration().Round(time.Millisecond).String()
		if a.Value.Duration() < time.Millisecond {
			v = a.Value.Duration().String()
		}
	default:
		v = a.Value.String()
	}
	if v == "" || strings.ContainsAny(v, " ,()=\"") {
		v = fmt.Sprintf("%q", v)
	}
	return append(fields, key+"="+v)
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &h2
}

func (h *lineHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	if h2.prefix != "" {
		name = h2.prefix + "." + name
	}
	h2.prefix = name
	return &h2
}
