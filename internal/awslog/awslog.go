// Package awslog sends the AWS SDK's own log messages to slog, so that
// every log line of a server stays one JSON object: the SDK's warnings as
// warnings, the rest at debug level. The Bedrock backend and the S3 index
// source share it.
package awslog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/smithy-go/logging"
)

// New returns an SDK logger writing to l (for config.WithLogger or an
// SDK client's Options.Logger).
func New(l *slog.Logger) logging.Logger { return sdkLogger{l} }

type sdkLogger struct{ logger *slog.Logger }

// Logf implements the SDK's logging.Logger.
func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	level := slog.LevelDebug
	if c == logging.Warn {
		level = slog.LevelWarn
	}
	l.logger.Log(context.Background(), level, "aws sdk: "+fmt.Sprintf(format, v...))
}
