package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"
)

// Timeouts bound every connection of a [Server].
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
	// Drain is how long in-flight requests may run after shutdown begins.
	Drain time.Duration
}

// Server is an HTTP server with timeouts set and graceful shutdown.
type Server struct {
	srv      *http.Server
	listener net.Listener
	drain    time.Duration
	logger   *slog.Logger
}

// ErrAddrInUse is returned by [Listen] and [Bind] when another process
// listens on the address.
var ErrAddrInUse = errors.New("address already in use")

// Bind listens on addr, so that a server can claim its port before slow
// work (indexing) and fail at once when the port is taken.
func Bind(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("listen on %s: %w", addr, ErrAddrInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Listen binds addr and returns a Server ready to Serve handler.
func Listen(addr string, handler http.Handler, t Timeouts, logger *slog.Logger) (*Server, error) {
	ln, err := Bind(addr)
	if err != nil {
		return nil, err
	}
	return NewServer(ln, handler, t, logger), nil
}

// NewServer returns a Server that will Serve handler on ln.
func NewServer(ln net.Listener, handler http.Handler, t Timeouts, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{
		srv: &http.Server{
			Handler:           handler,
			ReadHeaderTimeout: t.ReadHeader,
			ReadTimeout:       t.Read,
			WriteTimeout:      t.Write,
			IdleTimeout:       t.Idle,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
		listener: ln,
		drain:    t.Drain,
		logger:   logger,
	}
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.listener.Addr() }

// Serve serves until ctx is done, then stops accepting connections, lets
// in-flight requests finish within the drain timeout, and returns. It
// returns nil after a clean drain.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.listener) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.logger.Info("shutting down: draining in-flight requests", "drain_timeout", s.drain)
	s.srv.SetKeepAlivesEnabled(false)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.drain)
	defer cancel()
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		_ = s.srv.Close()
		return fmt.Errorf("drain did not finish within %s: %w", s.drain, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	s.logger.Info("drained; exiting")
	return nil
}
