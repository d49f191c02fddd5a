package bedrock_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock/awsfake"
)

// startFake starts the fake AWS services with the sample loaded and points
// the AWS SDK's environment at them.
func startFake(t *testing.T) *awsfake.Fake { return startFakeB(t) }

// startFakeB is startFake for tests and benchmarks.
func startFakeB(t testing.TB) *awsfake.Fake {
	t.Helper()
	fake := awsfake.New()
	t.Cleanup(fake.Close)
	awsfake.Seed(fake)
	for k, v := range fake.Env() {
		t.Setenv(k, v)
	}
	return fake
}

// settings are test settings: the sample knowledge base, short retries.
func settings() bedrock.Options {
	return bedrock.Options{
		KnowledgeBaseIDs: []string{awsfake.SampleKB},
		DiscoveryTagKey:  awsfake.SampleTagKey,
		DiscoveryTTL:     time.Minute,
		CallTimeout:      5 * time.Second,
		MaxAttempts:      3,
		MaxBackoff:       20 * time.Millisecond,
		MaxConcurrency:   4,
		MaxDocumentBytes: 1 << 20,
	}
}

// newBackend returns a backend on the fake, with settings changed by mutate.
func newBackend(t *testing.T, mutate func(*bedrock.Options)) *bedrock.Backend {
	t.Helper()
	return newBackendTB(t, mutate, testLogger(t))
}

// newBackendB is newBackend for benchmarks, with logs discarded.
func newBackendB(b *testing.B) *bedrock.Backend {
	return newBackendTB(b, nil, slog.New(slog.DiscardHandler))
}

func newBackendTB(t testing.TB, mutate func(*bedrock.Options), logger *slog.Logger) *bedrock.Backend {
	t.Helper()
	s := settings()
	if mutate != nil {
		mutate(&s)
	}
	return bedrock.New(context.Background(), s, logger)
}

// testLogger sends the backend's logs to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// noProblems fails when the fake refused a request as malformed.
func noProblems(t *testing.T, fake *awsfake.Fake) {
	t.Helper()
	if p := fake.Problems(); len(p) > 0 {
		t.Errorf("the fake refused requests:\n%s", strings.Join(p, "\n"))
	}
}
