package awslog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aws/smithy-go/logging"
)

// TestLevels: the SDK's warnings are slog warnings, its debug lines debug,
// each one JSON line.
func TestLevels(t *testing.T) {
	var buf bytes.Buffer
	l := New(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	l.Logf(logging.Warn, "failed to discard %d bytes", 3)
	l.Logf(logging.Debug, "request sent")
	var lines []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 || lines[0]["level"] != "WARN" || lines[0]["msg"] != "aws sdk: failed to discard 3 bytes" || lines[1]["level"] != "DEBUG" {
		t.Fatalf("logged %v", lines)
	}
}
