package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// fakeBackend fails with err when set; it can also generate.
type fakeBackend struct{ err error }

func (f *fakeBackend) ListKnowledgeBases(context.Context) ([]kb.KnowledgeBase, error) {
	return []kb.KnowledgeBase{{ID: "docs"}}, f.err
}
func (f *fakeBackend) Search(context.Context, kb.Query) (*kb.SearchResult, error) {
	return &kb.SearchResult{}, f.err
}
func (f *fakeBackend) GetDocument(context.Context, string, string) (*kb.Document, error) {
	return &kb.Document{}, f.err
}
func (f *fakeBackend) Ready(context.Context) error { return f.err }

type fakeGenerator struct{ fakeBackend }

func (f *fakeGenerator) Ask(context.Context, kb.AskQuery) (*kb.Answer, error) {
	time.Sleep(2 * time.Millisecond)
	return &kb.Answer{Text: "42"}, f.err
}

func TestInstrumentBackend(t *testing.T) {
	reg := New()
	ok := InstrumentBackend(&fakeBackend{}, "local", reg)
	if _, isGen := ok.(kb.Generator); isGen {
		t.Errorf("a backend that cannot generate became a Generator")
	}
	ctx := context.Background()
	_, _ = ok.Search(ctx, kb.Query{Text: "q"})
	_, _ = ok.Search(ctx, kb.Query{Text: "q"})
	_, _ = ok.ListKnowledgeBases(ctx)
	_, _ = ok.GetDocument(ctx, "docs", "x")
	_ = ok.Ready(ctx)

	denied := InstrumentBackend(&fakeGenerator{fakeBackend{err: fmt.Errorf("retrieve: %w", kb.ErrPermission)}}, "bedrock", reg)
	gen, isGen := denied.(kb.Generator)
	if !isGen {
		t.Fatalf("a generating backend lost Ask when instrumented")
	}
	if _, err := gen.Ask(ctx, kb.AskQuery{Question: "q"}); !errors.Is(err, kb.ErrPermission) {
		t.Errorf("the error did not pass through: %v", err)
	}

	for _, tc := range []struct {
		backend, op, outcome string
		want                 float64
	}{
		{"local", "search", "ok", 2},
		{"local", "list_knowledge_bases", "ok", 1},
		{"local", "get_document", "ok", 1},
		{"local", "ready", "ok", 1},
		{"bedrock", "ask", "permission", 1},
		{"bedrock", "ask", "ok", 0},
	} {
		if got := counterValue(reg.backendCalls, tc.backend, tc.op, tc.outcome); got != tc.want {
			t.Errorf("backend_calls_total{%s,%s,%s} = %v, want %v", tc.backend, tc.op, tc.outcome, got, tc.want)
		}
	}
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if !strings.Contains(body, `knowledge_mcp_backend_call_duration_seconds_count{backend="bedrock",operation="ask"} 1`) {
		t.Errorf("latency histogram missing from the exposition:\n%s", body)
	}
	if !strings.Contains(body, "go_goroutines") {
		t.Errorf("Go runtime metrics missing")
	}
}

func TestOutcome(t *testing.T) {
	for err, want := range map[error]string{
		nil: "ok",
		fmt.Errorf("q: %w", kb.ErrInvalidArgument):     "invalid_argument",
		fmt.Errorf("kb: %w", kb.ErrNotFound):           "not_found",
		kb.ErrPermission:                               "permission",
		fmt.Errorf("throttled: %w", kb.ErrUnavailable): "unavailable",
		context.DeadlineExceeded:                       "canceled",
		errors.New("boom"):                             "error",
	} {
		if got := Outcome(err); got != want {
			t.Errorf("Outcome(%v) = %q, want %q", err, got, want)
		}
	}
}

// A nil registry records nothing and does not panic, so callers need no
// checks when metrics are off.
func TestNilRegistry(t *testing.T) {
	var r *Registry
	r.ObserveHTTP("mcp", "POST", "200", time.Millisecond)
	r.ObserveMCP("tools/call", "x", "ok", time.Millisecond)
	r.InFlight(1)
	r.AuthFailure("missing")
	r.Limited("rate")
	r.OriginRejected("origin")
	r.ObserveBackendCall("b", "search", time.Millisecond, nil)
	b := &fakeBackend{}
	if got := InstrumentBackend(b, "local", r); got != kb.Backend(b) {
		t.Errorf("a nil registry wrapped the backend")
	}
}

// counterValue is the count of a series; 0 when it does not exist yet.
func counterValue(f *family[counter], values ...string) float64 {
	if c := f.get(values...); c != nil {
		return float64(c.n.Load())
	}
	return 0
}
