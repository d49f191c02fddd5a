package s3source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Defaults of MirrorOptions.
const (
	DefaultTimeout     = 10 * time.Minute
	DefaultIdleTimeout = 30 * time.Second
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = time.Minute
)

// MirrorOptions tunes a Mirror; the zero value (or nil) takes the
// defaults.
type MirrorOptions struct {
	// Logger receives what happens at each check; nil discards.
	Logger *slog.Logger
	// Timeout bounds one check and download (DefaultTimeout).
	Timeout time.Duration
	// IdleTimeout abandons a download that receives nothing for this long
	// (DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts until the
	// first copy is in place (DefaultMinBackoff, DefaultMaxBackoff).
	MinBackoff, MaxBackoff time.Duration
	// OnSwap, when set, runs after a new version replaced the copy (to
	// load it at once rather than at the next request).
	OnSwap func(Version)
}

// Mirror keeps a verified copy of one S3 object in a local file. Its
// methods are safe for concurrent use; checks run one at a time.
type Mirror struct {
	client API
	loc    Location
	path   string
	verify func(path string) error
	opts   MirrorOptions
	logger *slog.Logger

	// createTemp makes the file a download is written to (a test seam for
	// a full disk).
	createTemp func(dir, pattern string) (tempFile, error)

	syncing sync.Mutex
	mu      sync.Mutex
	cur     Version
	have    bool
	lastErr error

	checks, downloads atomic.Int64
}

// tempFile is what a download is written to.
type tempFile interface {
	io.Writer
	Name() string
	Sync() error
	Close() error
}

func osCreateTemp(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }

// CachePath is where a server keeps its copy of loc under dataDir:
// dataDir/s3/BUCKET/BASE-HASH.kbi, the hash telling apart keys with the
// same base name.
func CachePath(dataDir string, loc Location) string {
	sum := sha256.Sum256([]byte(loc.Key))
	base := strings.TrimSuffix(path.Base(loc.Key), ".kbi")
	base = strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, base)
	base = strings.TrimLeft(base, ".")
	if len(base) > 64 {
		base = base[:64]
	}
	return filepath.Join(dataDir, "s3", loc.Bucket, base+"-"+hex.EncodeToString(sum[:6])+".kbi")
}

// NewMirror returns a mirror of loc at path. verify checks a downloaded
// file before it replaces the copy (for an index: its checksums and
// name). A file already at path is removed, along with downloads a
// previous process left behind: what a server serves comes from S3, so a
// missing object is reported rather than hidden by an old copy.
func NewMirror(client API, loc Location, path string, verify func(path string) error, opts *MirrorOptions) (*Mirror, error) {
	if client == nil || verify == nil {
		return nil, errors.New("s3 mirror: client and verify are required")
	}
	m := &Mirror{client: client, loc: loc, path: path, verify: verify, createTemp: osCreateTemp}
	if opts != nil {
		m.opts = *opts
	}
	o := &m.opts
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(o.MinBackoff, DefaultMaxBackoff)
	}
	m.logger = o.Logger
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	m.logger = m.logger.With("bucket", loc.Bucket, "key", loc.Key)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		// Not fatal: the first check reports it, and it may be fixed.
		m.lastErr = fmt.Errorf("%s: %w", loc, cacheError(dir, err))
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.lastErr = fmt.Errorf("%s: %w", loc, cacheError(dir, err))
	}
	stale, _ := filepath.Glob(path + ".download-*")
	for _, f := range stale {
		os.Remove(f)
	}
	return m, nil
}

// Location is the object mirrored.
func (m *Mirror) Location() Location { return m.loc }

// Path is the local copy.
func (m *Mirror) Path() string { return m.path }

// Current returns the version at Path, if there is one yet.
func (m *Mirror) Current() (Version, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur, m.have
}

// Status is nil once a verified copy is in place; until then it is the
// error of the last attempt, naming the bucket, key and what to do.
// Failures after the first copy (a bad new version, the object deleted)
// leave it nil: the copy in place keeps serving.
func (m *Mirror) Status() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.have {
		return nil
	}
	if m.lastErr != nil {
		return m.lastErr
	}
	return fmt.Errorf("%s: first download in progress", m.loc)
}

// Stats counts the checks made and the versions downloaded.
func (m *Mirror) Stats() (checks, downloads int64) { return m.checks.Load(), m.downloads.Load() }

// Run makes the first copy (unless one is in place), retrying with
// exponential backoff until it succeeds, then checks for a new version
// every interval (never when interval is 0) until ctx is done.
func (m *Mirror) Run(ctx context.Context, interval time.Duration) {
	backoff := m.opts.MinBackoff
	first := time.Duration(0)
	if _, have := m.Current(); have {
		if interval <= 0 {
			return
		}
		first = interval // a copy is in place: the next check is due in one interval
	}
	timer := time.NewTimer(first)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		m.Sync(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := interval
		if _, have := m.Current(); !have {
			// Full jitter keeps replicas that start together apart.
			wait = backoff/2 + rand.N(backoff/2+1)
			backoff = min(2*backoff, m.opts.MaxBackoff)
		} else if interval <= 0 {
			return
		}
		timer.Reset(wait)
	}
}

// Sync checks the object once: with the ETag of the copy in place as
// If-None-Match, so an unchanged object costs one small request. A new
// version is downloaded beside the copy, verified and renamed over it;
// changed reports that. On any error the copy in place stays.
func (m *Mirror) Sync(ctx context.Context) (changed bool, err error) {
	m.syncing.Lock()
	defer m.syncing.Unlock()
	m.checks.Add(1)
	prev, have := m.Current()
	v, err := m.sync(ctx, prev, have)
	switch {
	case err == nil && v == nil:
		m.logger.Debug("index unchanged in S3", "etag", prev.ETag)
		return false, nil
	case err == nil:
		m.mu.Lock()
		m.cur, m.have, m.lastErr = *v, true, nil
		m.mu.Unlock()
		m.downloads.Add(1)
		m.logger.Info("index downloaded from S3", "etag", v.ETag, "bytes", v.Size, "version_id", v.VersionID, "previous_etag", prev.ETag)
		if m.opts.OnSwap != nil {
			m.opts.OnSwap(*v)
		}
		return true, nil
	}
	m.mu.Lock()
	m.lastErr = err
	m.mu.Unlock()
	switch {
	case !have:
		m.logger.Warn("index not available from S3 yet; retrying", "error", err.Error())
	case errors.Is(err, ErrNotFound):
		m.logger.Warn("index object is gone from S3; still serving the version downloaded before", "etag", prev.ETag, "error", err.Error())
	case errors.Is(err, ErrInvalid):
		m.logger.Error("new index version refused; still serving the previous one", "etag", prev.ETag, "error", err.Error())
	default:
		m.logger.Warn("index refresh failed; still serving the previous version", "etag", prev.ETag, "error", err.Error())
	}
	return false, err
}

// sync does one check; it returns the new version in place, or nil when
// the object is unchanged.
func (m *Mirror) sync(ctx context.Context, prev Version, have bool) (*Version, error) {
	ctx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
	defer cancel()
	in := &s3.GetObjectInput{Bucket: aws.String(m.loc.Bucket), Key: aws.String(m.loc.Key)}
	if have {
		in.IfNoneMatch = aws.String(prev.ETag)
	}
	// The copy is verified against the index's own checksums; the SDK's
	// response checksum would add nothing, and S3-compatible servers that
	// send a checksum header with a 304 make it log a mismatch at every
	// unchanged refresh.
	out, err := m.client.GetObject(ctx, in, func(o *s3.Options) {
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	if err != nil {
		if have && notModified(err) {
			return nil, nil
		}
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("%s: read: no answer within %s: %w", m.loc, m.opts.Timeout, err)
		}
		return nil, describe(m.loc, "read", err)
	}
	defer out.Body.Close()
	v := Version{ETag: etagOf(out.ETag), Size: aws.ToInt64(out.ContentLength), VersionID: aws.ToString(out.VersionId)}
	if have && v.ETag != "" && v.ETag == prev.ETag {
		return nil, nil // a server that ignores If-None-Match
	}
	tmp, err := m.download(ctx, cancel, out.Body, v)
	if err != nil {
		return nil, err
	}
	if err := m.verify(tmp); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("%s version %s: %w: %v", m.loc, v.ETag, ErrInvalid, err)
	}
	if err := os.Rename(tmp, m.path); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("%s: %w", m.loc, cacheError(filepath.Dir(m.path), err))
	}
	syncDir(filepath.Dir(m.path))
	return &v, nil
}

// download writes body to a new file beside the copy and returns its name.
func (m *Mirror) download(ctx context.Context, cancel context.CancelFunc, body io.Reader, v Version) (string, error) {
	dir := filepath.Dir(m.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%s: %w", m.loc, cacheError(dir, err))
	}
	f, err := m.createTemp(dir, filepath.Base(m.path)+".download-*")
	if err != nil {
		return "", fmt.Errorf("%s: %w", m.loc, cacheError(dir, err))
	}
	var stalled atomic.Bool
	watchdog := time.AfterFunc(m.opts.IdleTimeout, func() { stalled.Store(true); cancel() })
	n, err := io.Copy(f, &idleReader{r: body, timer: watchdog, idle: m.opts.IdleTimeout})
	watchdog.Stop()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	fail := func(err error) (string, error) {
		os.Remove(f.Name())
		return "", err
	}
	var werr *writeError
	switch {
	case errors.As(err, &werr):
		return fail(fmt.Errorf("%s version %s: %w", m.loc, v.ETag, cacheError(dir, werr.err)))
	case err != nil && stalled.Load():
		return fail(fmt.Errorf("%s version %s: download stalled: nothing received for %s after %d of %d bytes", m.loc, v.ETag, m.opts.IdleTimeout, n, v.Size))
	case err != nil && ctx.Err() == context.DeadlineExceeded:
		return fail(fmt.Errorf("%s version %s: download took longer than %s (%d of %d bytes)", m.loc, v.ETag, m.opts.Timeout, n, v.Size))
	case err != nil:
		return fail(fmt.Errorf("%s version %s: download broke off after %d of %d bytes: %w", m.loc, v.ETag, n, v.Size, err))
	case v.Size > 0 && n != v.Size:
		return fail(fmt.Errorf("%s version %s: %w: received %d of %d bytes", m.loc, v.ETag, ErrInvalid, n, v.Size))
	}
	return f.Name(), nil
}

// idleReader resets a watchdog at every read that makes progress, and
// marks errors writing the copy apart from errors reading the body.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	return n, err
}

// WriteTo hides the body's own WriteTo so io.Copy reads through Read.
func (r *idleReader) WriteTo(w io.Writer) (int64, error) {
	return io.CopyBuffer(writerOnly{w}, readerOnly{r}, make([]byte, 256<<10))
}

type readerOnly struct{ io.Reader }

// writerOnly tags write errors so they read as a cache-folder problem.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		err = &writeError{err}
	}
	return n, err
}

type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// cacheError words a failure to write the local copy.
func cacheError(dir string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("cache folder %s: the disk is full (%w); free space or point --data-dir at a disk with room for two copies of the index", dir, err)
	}
	return fmt.Errorf("cache folder %s: %w; point --data-dir (KNOWLEDGE_MCP_DATA) at a writable folder", dir, err)
}

// syncDir makes a rename durable; best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
