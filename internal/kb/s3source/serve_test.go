package s3source_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/s3source"
)

// serveMirror wires a mirror into a local store as a server does.
func serveMirror(t *testing.T, e *s3env) (*s3source.Mirror, *local.Store) {
	t.Helper()
	store := local.NewStore(nil)
	t.Cleanup(func() { store.Close() })
	m := newMirror(t, e, &s3source.MirrorOptions{OnSwap: func(s3source.Version) {
		if err := store.Reload("handbook"); err != nil {
			t.Errorf("Reload after a swap: %v", err)
		}
	}})
	if err := store.AddRemoteIndex("handbook", m.Path(), testLoc.String(), m.Status); err != nil {
		t.Fatal(err)
	}
	return m, store
}

// TestServeFromS3: the store is unavailable with the S3 error until the
// first copy, then serves it under a stable id, and says that documents
// are not on this machine.
func TestServeFromS3(t *testing.T) {
	e := newS3Env(t)
	m, store := serveMirror(t, e)
	ctx := context.Background()
	m.Sync(ctx)
	err := store.Ready(ctx)
	if !errors.Is(err, kb.ErrUnavailable) || !strings.Contains(err.Error(), "s3://"+testBucket+"/"+testKey) || !strings.Contains(err.Error(), "NoSuchKey") {
		t.Fatalf("Ready before the object exists = %v; want unavailable naming the bucket, key and NoSuchKey", err)
	}
	e.publish(t, buildIndex(t, "handbook", docsV1), testKey)
	if _, err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.Ready(ctx); err != nil {
		t.Fatalf("Ready after the first copy = %v", err)
	}
	kbs, err := store.ListKnowledgeBases(ctx)
	if err != nil || len(kbs) != 1 || kbs[0].ID != "handbook" || kbs[0].Name != "handbook" || kbs[0].DataSources[0].Type != "S3" || kbs[0].DataSources[0].Name != testLoc.String() {
		t.Fatalf("ListKnowledgeBases = %+v, %v", kbs, err)
	}
	res, err := store.Search(ctx, kb.Query{Text: "annual leave"})
	if err != nil || len(res.Results) == 0 || res.Results[0].KnowledgeBaseID != "handbook" {
		t.Fatalf("Search = %+v, %v", res, err)
	}
	_, err = store.GetDocument(ctx, "", res.Results[0].URI)
	if !errors.Is(err, kb.ErrUnavailable) || !strings.Contains(err.Error(), testLoc.String()) {
		t.Fatalf("GetDocument of an S3-served knowledge base = %v; want unavailable naming the object", err)
	}
}

// TestSwapUnderSearches swaps versions back and forth while searches run
// (run it with -race): every search succeeds and sees one whole version.
func TestSwapUnderSearches(t *testing.T) {
	e := newS3Env(t)
	v1, v2 := buildIndex(t, "handbook", docsV1), buildIndex(t, "handbook", docsV2)
	e.publish(t, v1, testKey)
	m, store := serveMirror(t, e)
	ctx := context.Background()
	if _, err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	counts := make([]int, 4)
	var started sync.WaitGroup
	started.Add(len(counts))
	for i := range counts {
		wg.Go(func() {
			defer func() {
				if counts[i] == 0 {
					started.Done()
				}
			}()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := store.Search(ctx, kb.Query{Text: "annual leave days"})
				if err != nil {
					errs <- err
					return
				}
				text := res.Results[0].Text
				if !strings.Contains(text, "twenty-five days") && !strings.Contains(text, "thirty days") {
					errs <- errors.New("a result from neither version: " + text)
					return
				}
				if counts[i]++; counts[i] == 1 {
					started.Done()
				}
			}
		})
	}
	started.Wait() // every searcher is running before the swaps start
	files := []string{v2, v1}
	for round := range 12 {
		e.publish(t, files[round%2], testKey)
		if changed, err := m.Sync(ctx); err != nil || !changed {
			t.Fatalf("round %d: Sync = %v, %v", round, changed, err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, n := range counts {
		if n == 0 {
			t.Errorf("searcher %d never completed a search", i)
		}
	}
	res, err := store.Search(ctx, kb.Query{Text: "annual leave days"})
	if err != nil || !strings.Contains(res.Results[0].Text, "twenty-five days") {
		t.Fatalf("after the last swap (to v1): %+v, %v", res, err)
	}
}

// TestSlowDownloadDoesNotBlockSearches: while a new version trickles in,
// searches answer from the version in place, and readiness holds.
func TestSlowDownloadDoesNotBlockSearches(t *testing.T) {
	e := newS3Env(t)
	e.publish(t, buildIndex(t, "handbook", docsV1), testKey)
	m, store := serveMirror(t, e)
	ctx := context.Background()
	if _, err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	e.publish(t, buildIndex(t, "handbook", docsV2), testKey)
	midway, release := make(chan struct{}), make(chan struct{})
	e.setFault(onGet(func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes()[:rec.Body.Len()/2])
		w.(http.Flusher).Flush()
		close(midway)
		<-release
		return true // the rest never comes: the download breaks off
	}))
	done := make(chan error, 1)
	go func() { _, err := m.Sync(ctx); done <- err }()
	<-midway
	res, err := store.Search(ctx, kb.Query{Text: "annual leave days"})
	if err != nil || !strings.Contains(res.Results[0].Text, "twenty-five days") {
		t.Fatalf("search during the download = %+v, %v; want the version in place", res, err)
	}
	if err := store.Ready(ctx); err != nil {
		t.Fatalf("Ready during the download = %v", err)
	}
	close(release)
	if err := <-done; err == nil || !strings.Contains(err.Error(), "broke off") {
		t.Fatalf("Sync of the cut-off download = %v", err)
	}
	res, err = store.Search(ctx, kb.Query{Text: "annual leave days"})
	if err != nil || !strings.Contains(res.Results[0].Text, "twenty-five days") {
		t.Fatalf("search after the failed download = %+v, %v", res, err)
	}
}
