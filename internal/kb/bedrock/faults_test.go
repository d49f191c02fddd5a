package bedrock_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock/awsfake"
)

// TestRetrieveFaults injects each AWS failure and checks the error a person
// gets, the number of attempts, and that the next search works.
func TestRetrieveFaults(t *testing.T) {
	tests := []struct {
		name      string
		faults    []awsfake.Fault
		always    bool
		timeout   time.Duration
		wantErr   error
		wantText  []string
		wantCalls int
	}{
		{name: "throttled once, then retried to success", faults: []awsfake.Fault{awsfake.Throttling}, wantCalls: 2},
		{name: "5xx twice, then retried to success", faults: []awsfake.Fault{awsfake.InternalError, awsfake.InternalError}, wantCalls: 3},
		{name: "persistent throttling", faults: []awsfake.Fault{awsfake.Throttling}, always: true, wantErr: kb.ErrUnavailable,
			wantText: []string{"throttled", "after 3 attempts", "ThrottlingException"}, wantCalls: 3},
		{name: "persistent 500", faults: []awsfake.Fault{awsfake.InternalError}, always: true, wantErr: kb.ErrUnavailable,
			wantText: []string{"after 3 attempts", "InternalServerException", "try again"}, wantCalls: 3},
		{name: "slower than the deadline", faults: []awsfake.Fault{awsfake.Slow(3 * time.Second)}, always: true, timeout: 300 * time.Millisecond,
			wantErr: kb.ErrUnavailable, wantText: []string{"within the 300ms call deadline", "AWS_CALL_TIMEOUT"}, wantCalls: 1},
		{name: "access denied", faults: []awsfake.Fault{awsfake.AccessDenied}, wantErr: kb.ErrPermission,
			wantText: []string{"bedrock:Retrieve", "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KBFAKE0001", "ECS task role", "not to the task execution role",
				"knowledge-mcp-TaskExecutionRole", "looks like an execution role"}, wantCalls: 1},
		{name: "not found", faults: []awsfake.Fault{awsfake.NotFound}, wantErr: kb.ErrNotFound,
			wantText: []string{"knowledge base KBDOCS0001", "region us-east-1", "AWS_REGION"}, wantCalls: 1},
		{name: "validation", faults: []awsfake.Fault{awsfake.Validation}, wantErr: kb.ErrInvalidArgument,
			wantText: []string{"numberOfResults", "change max_results"}, wantCalls: 1},
		{name: "malformed JSON", faults: []awsfake.Fault{awsfake.MalformedJSON}, wantErr: kb.ErrUnavailable,
			wantText: []string{"cannot be read"}, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := startFake(t)
			b := newBackend(t, func(s *bedrock.Options) {
				if tt.timeout > 0 {
					s.CallTimeout = tt.timeout
				}
			})
			if tt.always {
				fake.FailAlways(awsfake.OpRetrieve, tt.faults[0])
			} else {
				fake.Fail(awsfake.OpRetrieve, tt.faults...)
			}
			start := time.Now()
			res, err := b.Search(context.Background(), kb.Query{Text: "rollback"})
			elapsed := time.Since(start)
			if got := fake.Calls(awsfake.OpRetrieve); got != tt.wantCalls {
				t.Errorf("Retrieve requests = %d, want %d", got, tt.wantCalls)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Search: %v", err)
				}
				if len(res.Results) == 0 {
					t.Fatal("no results after the retry")
				}
			} else {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				t.Logf("error: %v", err)
				for _, s := range tt.wantText {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error does not mention %q:\n%v", s, err)
					}
				}
			}
			if tt.timeout > 0 && elapsed > tt.timeout+time.Second {
				t.Errorf("the call took %s, past its %s deadline", elapsed, tt.timeout)
			}
			// The backend keeps serving.
			fake.Heal()
			if _, err := b.Search(context.Background(), kb.Query{Text: "rollback"}); err != nil {
				t.Errorf("search after the fault: %v", err)
			}
		})
	}
}

// TestWrongSigningRegionIsRefused proves the fake's signature check can
// fail: a client signing for another region is refused, and the backend
// reports a permission error.
func TestWrongSigningRegionIsRefused(t *testing.T) {
	fake := startFake(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	b := newBackend(t, nil)
	_, err := b.Search(context.Background(), kb.Query{Text: "rollback"})
	if !errors.Is(err, kb.ErrPermission) || !strings.Contains(err.Error(), "InvalidSignatureException") {
		t.Fatalf("err = %v, want a permission error from the signature check", err)
	}
	p := fake.Problems()
	if len(p) == 0 || !strings.Contains(p[len(p)-1], `POST /knowledgebases/KBDOCS0001/retrieve: signed for region "eu-west-1"`) {
		t.Errorf("fake problems = %q", p)
	}
}

// TestConcurrencyIsBounded sends more searches than slots and checks that
// AWS never sees more at once, while all of them succeed.
func TestConcurrencyIsBounded(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, func(s *bedrock.Options) { s.MaxConcurrency = 2 })
	fake.FailAlways(awsfake.OpRetrieve, awsfake.Slow(50*time.Millisecond))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := b.Search(context.Background(), kb.Query{Text: "rollback"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := fake.MaxInFlight(); got != 2 {
		t.Errorf("most requests in flight = %d, want 2", got)
	}
}

// TestConcurrencyWaitEndsAtTheDeadline reports a call that found no free
// slot before its deadline.
func TestConcurrencyWaitEndsAtTheDeadline(t *testing.T) {
	fake := startFake(t)
	b := newBackend(t, func(s *bedrock.Options) { s.MaxConcurrency = 1; s.CallTimeout = 400 * time.Millisecond })
	fake.Fail(awsfake.OpRetrieve, awsfake.Slow(2*time.Second))
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		_, err := b.Search(context.Background(), kb.Query{Text: "rollback"})
		done <- err
	}()
	<-started
	// Wait until the first call holds the slot.
	for deadline := time.Now().Add(2 * time.Second); fake.Calls(awsfake.OpRetrieve) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("first call never reached the fake")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := b.Search(ctx, kb.Query{Text: "rollback"})
	if !errors.Is(err, kb.ErrUnavailable) || !strings.Contains(err.Error(), "AWS_MAX_CONCURRENCY") {
		t.Errorf("second call: %v, want ErrUnavailable naming AWS_MAX_CONCURRENCY", err)
	}
	if n := fake.Calls(awsfake.OpRetrieve); n != 1 {
		t.Errorf("Retrieve requests = %d, want 1: the waiting call must not reach AWS", n)
	}
	if err := <-done; !errors.Is(err, kb.ErrUnavailable) {
		t.Errorf("first call: %v, want the deadline error", err)
	}
}
