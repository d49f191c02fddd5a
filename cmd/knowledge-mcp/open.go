package main

import (
	"context"
	"log/slog"

	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// started is a command that serves knowledge bases, once started: its
// logger, its backend, and what to release when it ends.
type started struct {
	logger  *slog.Logger
	backend kb.Backend
	cleanup []func()
}

// start opens every command that serves knowledge bases the same way:
// validate the settings (a failure is a usage error, exit status 2), make
// the logger, run prepare when set (serve builds its edge there, before the
// backend indexes anything), open the backend. The caller defers close.
//
// build says whether --kb folders are indexed (indexFolders) or only read
// from indexes built earlier (readOnly).
func start(ctx context.Context, env *environment, logCfg *config.Log, kbCfg *config.Knowledge, build bool, validate func() error, prepare func(*started) error) (*started, error) {
	if err := validate(); err != nil {
		return nil, asUsageError(err)
	}
	logger, err := newLogger(env.stderr, logCfg)
	if err != nil {
		return nil, err
	}
	s := &started{logger: logger}
	if prepare != nil {
		if err := prepare(s); err != nil {
			s.close()
			return nil, err
		}
	}
	backend, closeBackend, err := openBackend(ctx, kbCfg, logger, build)
	if err != nil {
		s.close()
		return nil, err
	}
	s.backend = backend
	s.onClose(closeBackend)
	return s, nil
}

// onClose adds f to what close runs; the last added runs first.
func (s *started) onClose(f func()) { s.cleanup = append(s.cleanup, f) }

// close releases the backend and whatever prepare set up.
func (s *started) close() {
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
	s.cleanup = nil
}

// asUsageError marks err as a usage error unless it already is one.
func asUsageError(err error) error {
	if _, ok := err.(usageError); ok {
		return err
	}
	return usageError{err}
}
