package local

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/s3source"
)

// s3Spec splits a --kb value naming an index in S3: s3://BUCKET/KEY or
// NAME=s3://BUCKET/KEY. ok is false for other values.
func s3Spec(spec string) (name, url string, ok bool) {
	if s3source.IsURL(spec) {
		return "", spec, true
	}
	name, url, paired := strings.Cut(spec, "=")
	if paired && s3source.IsURL(url) {
		return name, url, true
	}
	return "", "", false
}

// parseS3Source parses an s3:// --kb value; the knowledge base is named
// after the key's base name unless NAME= is given.
func parseS3Source(spec, name, url string) (source, error) {
	loc, err := s3source.ParseURL(url)
	if err != nil {
		return source{}, sourceErrorf("--kb %s: %v", spec, err)
	}
	if name == "" {
		name = strings.TrimSuffix(loc.Key[strings.LastIndex(loc.Key, "/")+1:], FileExt)
		if err := ValidName(name); err != nil {
			return source{}, sourceErrorf("--kb %s: the key does not make a knowledge base name (%v); name it: --kb NAME=%s", spec, err, url)
		}
	} else if err := ValidName(name); err != nil {
		return source{}, &SourceError{err}
	}
	return source{Kind: sourceS3, Spec: spec, Name: name, Path: url, loc: loc}, nil
}

// remoteSources keeps the copies of the s3:// knowledge bases of a Store:
// one mirror each, refreshed in the background until the store closes.
type remoteSources struct {
	refresh time.Duration
	client  s3source.API
	ctx     context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
	// first is closed for each mirror once its first attempt is over.
	first []chan struct{}
}

// addS3 adds an s3:// knowledge base and starts keeping its copy under
// dataDir: the first download starts at once, in the background; until it
// succeeds the knowledge base is unavailable with the reason (and Ready
// says so), retried with backoff.
func (s *Store) addS3(ctx context.Context, src source, dataDir string, refresh time.Duration) error {
	if s.remote == nil {
		r := &remoteSources{refresh: refresh}
		r.ctx, r.stop = context.WithCancel(context.WithoutCancel(ctx))
		s.remote = r
	}
	r := s.remote
	if r.client == nil {
		client, err := s3source.NewClient(ctx, s3source.WithLogger(s.logger))
		if err != nil {
			return fmt.Errorf("--kb %s: %w", src.Spec, err)
		}
		r.client = client
	}
	name := src.Name
	m, err := s3source.NewMirror(r.client, src.loc, s3source.CachePath(dataDir, src.loc),
		func(path string) error { return VerifyIndexFile(path, name) },
		&s3source.MirrorOptions{
			Logger: s.logger.With("kb", name),
			OnSwap: func(s3source.Version) {
				if err := s.Reload(name); err != nil {
					s.logger.Error("new index version failed to load", "kb", name, "error", err.Error())
				}
			},
		})
	if err != nil {
		return err
	}
	if err := s.AddRemoteIndex(name, m.Path(), src.loc.String(), m.Status); err != nil {
		return err
	}
	first := make(chan struct{})
	r.first = append(r.first, first)
	r.wg.Go(func() {
		// The first attempt runs here so that Open can wait for it;
		// Run then retries with backoff, or refreshes.
		m.Sync(r.ctx)
		close(first)
		m.Run(r.ctx, r.refresh)
	})
	s.logger.Info("serving a knowledge base from S3", "kb", name, "bucket", src.loc.Bucket, "key", src.loc.Key, "refresh", r.refresh.String())
	return nil
}

// awaitFirst waits until every mirror has made its first attempt.
func (r *remoteSources) awaitFirst(ctx context.Context) {
	for _, ch := range r.first {
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

// close stops the refreshes and waits for them.
func (r *remoteSources) close() {
	r.stop()
	r.wg.Wait()
}
