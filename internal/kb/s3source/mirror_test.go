package s3source_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/s3source"
)

const testKey = "indexes/handbook.kbi"

var testLoc = s3source.Location{Bucket: testBucket, Key: testKey}

var (
	docsV1 = map[string]string{"leave.md": "# Leave\n\nAnnual leave is twenty-five days.\n"}
	docsV2 = map[string]string{"leave.md": "# Leave\n\nAnnual leave is thirty days.\n", "travel.md": "# Travel\n\nBook trains.\n"}
)

func verifyAs(name string) func(string) error {
	return func(p string) error { return local.VerifyIndexFile(p, name) }
}

func newMirror(t testing.TB, e *s3env, opts *s3source.MirrorOptions) *s3source.Mirror {
	t.Helper()
	m, err := s3source.NewMirror(e.Client, testLoc, s3source.CachePath(t.TempDir(), testLoc), verifyAs("handbook"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameBytes(t *testing.T, a, b string) bool {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}

// TestPublishThenRefresh publishes an index, mirrors it, checks that an
// unchanged object costs one conditional request answered 304 with no
// body, and that a new version replaces the copy.
func TestPublishThenRefresh(t *testing.T) {
	e := newS3Env(t)
	v1File, v2File := buildIndex(t, "handbook", docsV1), buildIndex(t, "handbook", docsV2)
	v1 := e.publish(t, v1File, testKey)
	info, _ := os.Stat(v1File)
	if v1.ETag == "" || v1.Size != info.Size() {
		t.Fatalf("Publish = %+v, want the ETag and size %d", v1, info.Size())
	}
	// Path-style addressing against the custom endpoint.
	if log := e.log(); !slices.Contains(log, "PUT /"+testBucket+"/"+testKey+" 200") {
		t.Fatalf("requests %q: want a path-style PUT of the key", log)
	}

	var swapped []s3source.Version
	m := newMirror(t, e, &s3source.MirrorOptions{OnSwap: func(v s3source.Version) { swapped = append(swapped, v) }})
	if err := m.Status(); err == nil {
		t.Fatal("Status before the first download = nil, want an error")
	}
	changed, err := m.Sync(context.Background())
	if err != nil || !changed {
		t.Fatalf("first Sync = %v, %v; want changed", changed, err)
	}
	if !sameBytes(t, m.Path(), v1File) || m.Status() != nil {
		t.Fatalf("after the first Sync: copy differs or Status = %v", m.Status())
	}
	if cur, _ := m.Current(); cur.ETag != v1.ETag {
		t.Fatalf("Current ETag %s, want %s", cur.ETag, v1.ETag)
	}
	e.log()
	e.sentBytes()

	changed, err = m.Sync(context.Background())
	if err != nil || changed {
		t.Fatalf("Sync of an unchanged object = %v, %v; want unchanged", changed, err)
	}
	if log := e.log(); !slices.Equal(log, []string{"GET /" + testBucket + "/" + testKey + " 304"}) {
		t.Fatalf("an unchanged refresh made requests %q, want one GET answered 304", log)
	}
	if n := e.sentBytes(); n != 0 {
		t.Fatalf("an unchanged refresh received %d body bytes, want 0", n)
	}

	v2 := e.publish(t, v2File, testKey)
	if v2.ETag == v1.ETag {
		t.Fatal("two different indexes published with the same ETag")
	}
	changed, err = m.Sync(context.Background())
	if err != nil || !changed || !sameBytes(t, m.Path(), v2File) {
		t.Fatalf("Sync after a new version = %v, %v; want the new copy", changed, err)
	}
	if len(swapped) != 2 || swapped[1].ETag != v2.ETag {
		t.Fatalf("OnSwap saw %+v, want v1 then v2", swapped)
	}
	if checks, downloads := m.Stats(); checks != 3 || downloads != 2 {
		t.Fatalf("Stats = %d checks, %d downloads; want 3, 2", checks, downloads)
	}
	if left, _ := filepath.Glob(m.Path() + ".download-*"); len(left) != 0 {
		t.Fatalf("downloads left behind: %v", left)
	}
}

// TestStartFaults: when the first copy cannot be made, Status names the
// bucket, the key, the S3 error and what to do.
func TestStartFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault fault
		is    error
		want  []string
	}{
		{"missing object", nil, s3source.ErrNotFound, []string{testBucket, testKey, "NoSuchKey", "--publish s3://" + testBucket + "/" + testKey}},
		{"access denied", onGet(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
			return true
		}), s3source.ErrAccessDenied, []string{testBucket, testKey, "AccessDenied", "s3:GetObject", "arn:aws:s3:::" + testBucket + "/" + testKey, "ECS task role", "not the task execution role"}},
		{"missing bucket", onGet(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			s3Error(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
			return true
		}), s3source.ErrNotFound, []string{"bucket \"" + testBucket + "\" does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newS3Env(t)
			e.setFault(tc.fault)
			m := newMirror(t, e, nil)
			if _, err := m.Sync(context.Background()); !errors.Is(err, tc.is) {
				t.Fatalf("Sync = %v, want %v", err, tc.is)
			}
			err := m.Status()
			if !errors.Is(err, tc.is) {
				t.Fatalf("Status = %v, want %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Status %q does not say %q", err, w)
				}
			}
			if _, err := os.Stat(m.Path()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a copy exists after a failed first download: %v", err)
			}
		})
	}
}

// TestRefreshFaults: every way a refresh can fail leaves the copy in
// place serving, Status nil, and says why; the next refresh tries again.
func TestRefreshFaults(t *testing.T) {
	good := buildIndex(t, "handbook", docsV1)
	newer := buildIndex(t, "handbook", docsV2)
	data, err := os.ReadFile(newer)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 0xff
	oldFormat := bytes.Clone(data)
	oldFormat[7] = 9 // the format version byte of the magic
	stall := make(chan struct{})
	t.Cleanup(func() { close(stall) })

	type setup struct {
		publish []byte // a new object to publish, if any
		fault   fault
		delete  bool
		opts    s3source.MirrorOptions
		temp    func(dir, pattern string) (s3source.TempFile, error)
	}
	for _, tc := range []struct {
		name  string
		setup setup
		is    error
		want  string
		// retried: the request is made again by the SDK within the check
		retried bool
	}{
		{name: "corrupt new version", setup: setup{publish: flipped}, is: s3source.ErrInvalid, want: "checksum"},
		{name: "not an index", setup: setup{publish: []byte("<html>oops</html>" + strings.Repeat(" ", 200))}, is: s3source.ErrInvalid, want: "not a knowledge-mcp index"},
		{name: "truncated new version", setup: setup{publish: data[:len(data)-10]}, is: s3source.ErrInvalid, want: "ends early"},
		{name: "incompatible format", setup: setup{publish: oldFormat}, is: s3source.ErrInvalid, want: "format 9"},
		{name: "another knowledge base", setup: setup{publish: mustRead(t, buildIndex(t, "faq", docsV2))}, is: s3source.ErrInvalid, want: `holds knowledge base "faq"`},
		{name: "deleted while serving", setup: setup{delete: true}, is: s3source.ErrNotFound, want: "NoSuchKey"},
		{name: "access revoked", setup: setup{fault: onGet(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
			return true
		})}, is: s3source.ErrAccessDenied, want: "task role"},
		{name: "throttled throughout", setup: setup{publish: data, fault: onGet(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			s3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
			return true
		})}, want: "SlowDown", retried: true},
		{name: "server errors throughout", setup: setup{publish: data, fault: onGet(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			s3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error.")
			return true
		})}, want: "InternalError", retried: true},
		{name: "body cut off", setup: setup{publish: data, fault: onGet(func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes()[:rec.Body.Len()/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // drop the connection mid-body
		})}, want: "download broke off after"},
		{name: "no answer", setup: setup{publish: data, opts: s3source.MirrorOptions{Timeout: 300 * time.Millisecond}, fault: onGet(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			select {
			case <-r.Context().Done():
			case <-stall:
			}
			return true
		})}, want: "no answer within 300ms"},
		{name: "stalled body", setup: setup{publish: data, opts: s3source.MirrorOptions{IdleTimeout: 200 * time.Millisecond}, fault: onGet(func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes()[:100])
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-stall:
			}
			return true
		})}, want: "download stalled: nothing received for 200ms after 100 of"},
		{name: "disk full", setup: setup{publish: data, temp: func(dir, pattern string) (s3source.TempFile, error) {
			f, err := os.CreateTemp(dir, pattern)
			return &fullDisk{File: f, room: 100}, err
		}}, want: "the disk is full"},
		{name: "cache folder unwritable", setup: setup{publish: data, temp: func(dir, pattern string) (s3source.TempFile, error) {
			return nil, &os.PathError{Op: "open", Path: filepath.Join(dir, pattern), Err: syscall.EACCES}
		}}, want: "point --data-dir (KNOWLEDGE_MCP_DATA) at a writable folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newS3Env(t)
			v1 := e.publish(t, good, testKey)
			var logs syncLog
			opts := tc.setup.opts
			opts.Logger = logs.logger()
			m := newMirror(t, e, &opts)
			if _, err := m.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tc.setup.publish != nil {
				e.publish(t, writeFile(t, tc.setup.publish), testKey)
			}
			if tc.setup.delete {
				e.delete(t, testKey)
			}
			if tc.setup.temp != nil {
				s3source.SetCreateTemp(m, tc.setup.temp)
			}
			e.setFault(tc.setup.fault)
			e.log()
			e.gets.Store(0)
			for round := 1; round <= 2; round++ {
				changed, err := m.Sync(context.Background())
				if changed || err == nil || tc.is != nil && !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("refresh %d = %v, %v; want an error (%v) saying %q", round, changed, err, tc.is, tc.want)
				}
				if !strings.Contains(err.Error(), testKey) {
					t.Errorf("error %q does not name the key", err)
				}
				if !sameBytes(t, m.Path(), good) {
					t.Fatal("the copy being served changed")
				}
				if cur, _ := m.Current(); cur.ETag != v1.ETag || m.Status() != nil {
					t.Fatalf("after a failed refresh: Current %s, Status %v; want %s and nil", cur.ETag, m.Status(), v1.ETag)
				}
				if err := local.VerifyIndexFile(m.Path(), "handbook"); err != nil {
					t.Fatal(err)
				}
			}
			if n := strings.Count(logs.String(), "still serving"); n != 2 {
				t.Errorf("logged %d 'still serving' lines over two refreshes, want 2:\n%s", n, logs.String())
			}
			gets := e.gets.Load()
			if tc.retried && gets <= 2 {
				t.Errorf("%d GETs over two refreshes; want the SDK to retry within each", gets)
			}
			if !tc.retried && tc.setup.temp == nil && gets != 2 {
				t.Errorf("%d GETs over two refreshes, want 2", gets)
			}
			if left, _ := filepath.Glob(m.Path() + ".download-*"); len(left) != 0 {
				t.Errorf("downloads left behind: %v", left)
			}
			// Once the fault is gone, the next refresh succeeds.
			e.setFault(nil)
			s3source.SetCreateTemp(m, func(dir, pattern string) (s3source.TempFile, error) { return os.CreateTemp(dir, pattern) })
			if tc.setup.publish == nil || tc.is == s3source.ErrInvalid {
				e.publish(t, newer, testKey)
			}
			if changed, err := m.Sync(context.Background()); !changed || err != nil || !sameBytes(t, m.Path(), newer) {
				t.Fatalf("refresh after the fault = %v, %v; want the new version", changed, err)
			}
		})
	}
}

// TestTransientFaultsRetried: throttling and server errors that clear
// within the SDK's attempts do not fail the check at all.
func TestTransientFaultsRetried(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
	}{
		{http.StatusServiceUnavailable, "SlowDown"},
		{http.StatusInternalServerError, "InternalError"},
		{http.StatusServiceUnavailable, "ServiceUnavailable"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			e := newS3Env(t)
			e.publish(t, buildIndex(t, "handbook", docsV1), testKey)
			f, seen := failFirst(2, tc.status, tc.code)
			e.setFault(f)
			m := newMirror(t, e, nil)
			if changed, err := m.Sync(context.Background()); !changed || err != nil {
				t.Fatalf("Sync = %v, %v; want the SDK to retry through two %s", changed, err, tc.code)
			}
			if n := seen.Load(); n != 3 {
				t.Fatalf("%d GETs, want 3 (two failed, one good)", n)
			}
		})
	}
}

// TestRunWaitsForObject: a mirror started before its object exists keeps
// retrying with backoff and is ready once the object appears.
func TestRunWaitsForObject(t *testing.T) {
	e := newS3Env(t)
	swapped := make(chan s3source.Version, 1)
	attempts := make(chan struct{}, 100)
	e.setFault(onGet(func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		select {
		case attempts <- struct{}{}:
		default:
		}
		return false
	}))
	m := newMirror(t, e, &s3source.MirrorOptions{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, OnSwap: func(v s3source.Version) { swapped <- v }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx, time.Hour); close(done) }()
	defer func() { cancel(); <-done }()
	for range 3 {
		<-attempts
	}
	if err := m.Status(); !errors.Is(err, s3source.ErrNotFound) {
		t.Fatalf("Status while missing = %v, want ErrNotFound", err)
	}
	v := e.publish(t, buildIndex(t, "handbook", docsV1), testKey)
	if got := <-swapped; got.ETag != v.ETag {
		t.Fatalf("swapped to %s, want %s", got.ETag, v.ETag)
	}
	if err := m.Status(); err != nil {
		t.Fatalf("Status after the object appeared = %v", err)
	}
}

// TestReplicasConverge: two servers mirroring the same object both move
// to a newly published version by their own refreshes.
func TestReplicasConverge(t *testing.T) {
	e := newS3Env(t)
	e.publish(t, buildIndex(t, "handbook", docsV1), testKey)
	v2File := buildIndex(t, "handbook", docsV2)
	ctx, cancel := context.WithCancel(context.Background())
	var replicas []*s3source.Mirror
	var swaps []chan s3source.Version
	var done []chan struct{}
	for range 2 {
		ch := make(chan s3source.Version, 4)
		m := newMirror(t, e, &s3source.MirrorOptions{OnSwap: func(v s3source.Version) { ch <- v }})
		d := make(chan struct{})
		go func() { m.Run(ctx, 5*time.Millisecond); close(d) }()
		replicas, swaps, done = append(replicas, m), append(swaps, ch), append(done, d)
	}
	defer func() {
		cancel()
		for _, d := range done {
			<-d
		}
	}()
	for _, ch := range swaps {
		<-ch // the first version
	}
	v2 := e.publish(t, v2File, testKey)
	for i, ch := range swaps {
		if got := <-ch; got.ETag != v2.ETag {
			t.Fatalf("replica %d swapped to %s, want %s", i, got.ETag, v2.ETag)
		}
		if !sameBytes(t, replicas[i].Path(), v2File) {
			t.Fatalf("replica %d serves other bytes than the new version", i)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    s3source.Location
		wantErr string
	}{
		{in: "s3://team-docs/handbook.kbi", want: s3source.Location{Bucket: "team-docs", Key: "handbook.kbi"}},
		{in: "s3://a.b-c/x/y/z.kbi", want: s3source.Location{Bucket: "a.b-c", Key: "x/y/z.kbi"}},
		{in: "s3://team-docs", wantErr: "no object key"},
		{in: "s3://team-docs/", wantErr: "no object key"},
		{in: "s3://Team/x.kbi", wantErr: "bucket name"},
		{in: "s3://ab/x.kbi", wantErr: "bucket name"},
		{in: "s3://-ab/x.kbi", wantErr: "bucket name"},
		{in: "s3://ab-/x.kbi", wantErr: "bucket name"},
		{in: "s3:///x.kbi", wantErr: "bucket name"},
		{in: "https://team-docs/x.kbi", wantErr: "not an S3 URL"},
		{in: "s3://team-docs/" + strings.Repeat("k", 1025), wantErr: "at most 1024"},
	} {
		got, err := s3source.ParseURL(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseURL(%q) = %v, %v; want an error saying %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want || got.String() != tc.in {
			t.Errorf("ParseURL(%q) = %+v (%s), %v; want %+v", tc.in, got, got, err, tc.want)
		}
	}
}

func TestCachePath(t *testing.T) {
	dir := t.TempDir()
	paths := map[string]bool{}
	for _, key := range []string{"a/handbook.kbi", "b/handbook.kbi", "handbook.kbi", "../../etc/passwd", "..", "x y/ü.kbi"} {
		p := s3source.CachePath(dir, s3source.Location{Bucket: testBucket, Key: key})
		if paths[p] {
			t.Errorf("CachePath gives %s twice", p)
		}
		paths[p] = true
		rel, err := filepath.Rel(filepath.Join(dir, "s3", testBucket), p)
		if err != nil || strings.Contains(rel, string(filepath.Separator)) || strings.HasPrefix(rel, ".") || !strings.HasSuffix(rel, ".kbi") {
			t.Errorf("CachePath(%q) = %s: not a .kbi file directly in the bucket's cache folder", key, p)
		}
	}
}

func TestPublishErrors(t *testing.T) {
	e := newS3Env(t)
	file := buildIndex(t, "handbook", docsV1)
	if _, err := s3source.Publish(context.Background(), e.Client, filepath.Join(t.TempDir(), "none.kbi"), testLoc); err == nil || !strings.Contains(err.Error(), "none.kbi") {
		t.Errorf("Publish of a missing file = %v", err)
	}
	e.setFault(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
		return true
	})
	_, err := s3source.Publish(context.Background(), e.Client, file, testLoc)
	if !errors.Is(err, s3source.ErrAccessDenied) || !strings.Contains(err.Error(), "s3:PutObject") {
		t.Errorf("Publish without permission = %v, want ErrAccessDenied naming s3:PutObject", err)
	}
}

// fullDisk fails writes past room bytes as a full disk does.
type fullDisk struct {
	*os.File
	room int
}

func (f *fullDisk) Write(p []byte) (int, error) {
	if len(p) > f.room {
		n, _ := f.File.Write(p[:f.room])
		f.room = 0
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	f.room -= len(p)
	return f.File.Write(p)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
