package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// when one was written since the last look (one stat per call).
func (s *Store) generation(h *handle) (*generation, error) {
	if h.load != nil {
		return h.load()
	}
	cur := h.cur.Load()
	info, statErr := os.Stat(h.path)
	if statErr == nil && cur != nil && sameFile(cur.info, info) {
		return cur, nil
	}
	if statErr != nil {
		if cur != nil {
			return cur, nil // the file was removed: keep serving what we have
		}
		err := s.unavailable(h, statErr)
		return nil, err
	}
	// A new file: one caller loads it, the others keep the current one.
	if !h.reloading.TryLock() {
		if cur != nil {
			return cur, nil
		}
		h.reloading.Lock()
	}
	defer h.reloading.Unlock()
	if now := h.cur.Load(); now != nil && sameFile(now.info, info) {
		return now, nil
	}
	start := time.Now()
	ix, err := openIndexFile(h.path)
	if err == nil && ix.hdr.Name != h.name {
		ix.closer.Close()
		err = fmt.Errorf("%w: %s holds knowledge base %q, not %q", ErrCorrupt, h.path, ix.hdr.Name, h.name)
	}
	if err != nil {
		err = s.unavailable(h, err)
		if cur != nil {
			s.logger.Error("new index file unreadable; still serving the previous one", "kb", h.name, "error", err.Error())
			return cur, nil
		}
		return nil, err
	}
	g := &generation{ix: ix, info: info}
	h.cur.Store(g)
	h.lastErr.Store(nil)
	// Requests still reading the old file hold its generation; the file
	// is closed by the os package once the last of them lets go of it.
	s.logger.Info("knowledge base loaded", "kb", h.name, "path", h.path, "documents", len(ix.docs), "chunks", len(ix.chunks), "load_ms", time.Since(start).Milliseconds())
	return g, nil
}

// unavailable words err for an operator: which command rebuilds the index.
func (s *Store) unavailable(h *handle, err error) error {
	hint := h.hint
	if hint == "" {
		hint = "knowledge-mcp index DIR --kb " + h.name
	}
	var out error
	switch {
	case errors.Is(err, fs.ErrNotExist) && h.status != nil:
		status := h.status()
		if status == nil {
			status = err // the copy was there a moment ago
		}
		out = fmt.Errorf("knowledge base %q: %w: %v", h.name, kb.ErrUnavailable, status)
	case errors.Is(err, fs.ErrNotExist):
		out = fmt.Errorf("knowledge base %q: %w: no index at %s; build it with: %s", h.name, kb.ErrUnavailable, h.path, hint)
	default:
		out = fmt.Errorf("knowledge base %q: %w: %v; rebuild it with: %s", h.name, kb.ErrUnavailable, err, hint)
	}
	h.lastErr.Store(&out)
	return out
}

func sameFile(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// openIndexFile opens and loads an index file.
func openIndexFile(path string) (*index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	ix, err := loadIndex(f, info.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ix.closer = f
	return ix, nil
}
