package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/s3source"
)

// s3Spec splits a --kb item naming an index in S3: s3://BUCKET/KEY or
// NAME=s3://BUCKET/KEY. ok is false for other items.
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

// s3KBs are the --kb items served from S3: one mirror each, refreshed in
// the background until stop.
type s3KBs struct {
	cfg    *config.Knowledge
	logger *slog.Logger
	client *s3.Client
	// first is closed for each mirror once its first attempt is over.
	first []chan struct{}
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

func newS3KBs(ctx context.Context, cfg *config.Knowledge, logger *slog.Logger) *s3KBs {
	k := &s3KBs{cfg: cfg, logger: logger}
	k.ctx, k.stop = context.WithCancel(ctx)
	return k
}

// add adds one s3:// item to store and starts keeping its copy.
func (k *s3KBs) add(store *local.Store, spec, name, url string) error {
	loc, err := s3source.ParseURL(url)
	if err != nil {
		return usagef("--kb %s: %v", spec, err)
	}
	if name == "" {
		name = strings.TrimSuffix(loc.Key[strings.LastIndex(loc.Key, "/")+1:], local.FileExt)
		if err := local.ValidName(name); err != nil {
			return usagef("--kb %s: the key does not make a knowledge base name (%v); name it: --kb NAME=%s", spec, err, url)
		}
	} else if err := local.ValidName(name); err != nil {
		return usageError{err}
	}
	if k.client == nil {
		if k.client, err = s3source.NewClient(k.ctx); err != nil {
			return fmt.Errorf("--kb %s: %w", spec, err)
		}
	}
	m, err := s3source.NewMirror(k.client, loc, s3source.CachePath(k.cfg.DataDir, loc),
		func(path string) error { return local.VerifyIndexFile(path, name) },
		&s3source.MirrorOptions{
			Logger: k.logger.With("kb", name),
			OnSwap: func(s3source.Version) {
				if err := store.Reload(name); err != nil {
					k.logger.Error("new index version failed to load", "kb", name, "error", err.Error())
				}
			},
		})
	if err != nil {
		return err
	}
	if err := store.AddRemoteIndex(name, m.Path(), loc.String(), m.Status); err != nil {
		return err
	}
	first := make(chan struct{})
	k.first = append(k.first, first)
	k.wg.Go(func() {
		// The first attempt runs here so that AwaitRemote can wait for
		// it; Run retries with backoff if it failed.
		m.Sync(k.ctx)
		close(first)
		if _, have := m.Current(); have && k.cfg.Refresh <= 0 {
			return
		}
		m.Run(k.ctx, k.cfg.Refresh)
	})
	k.logger.Info("serving a knowledge base from S3", "kb", name, "bucket", loc.Bucket, "key", loc.Key, "refresh", k.cfg.Refresh.String())
	return nil
}

// awaitFirst waits until every mirror has made its first attempt.
func (k *s3KBs) awaitFirst(ctx context.Context) {
	for _, ch := range k.first {
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

// close stops the refreshes.
func (k *s3KBs) close() {
	k.stop()
	k.wg.Wait()
}
