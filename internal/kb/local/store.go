package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// BackendName is the value of [kb.KnowledgeBase.Backend] for local
// knowledge bases.
const BackendName = "local"

// Store serves several local knowledge bases. It implements kb.Backend.
// Each knowledge base is an index file (or an in-memory index of the
// built-in documentation); a file replaced by "knowledge-mcp index" is
// picked up at the next request without a restart.
type Store struct {
	logger *slog.Logger
	mu     sync.RWMutex
	kbs    []*handle
	// remote keeps the copies of s3:// sources (Open); nil without any.
	remote *remoteSources
}

var _ kb.Backend = (*Store)(nil)

// NewStore returns an empty store; add knowledge bases with AddIndexFile
// and AddFS. A nil logger discards.
func NewStore(logger *slog.Logger) *Store {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Store{logger: logger}
}

// handle is one knowledge base of a Store.
type handle struct {
	name string
	// path is the index file; "" for an in-memory index.
	path string
	// fsys holds the documents of an in-memory index (AddFS, AddEmbedded);
	// load returns that index, waiting for it or opening it at first use.
	fsys fs.FS
	load func() (*generation, error)
	// hint is the command that (re)builds this knowledge base.
	hint string
	// remote names where a remote index comes from (AddRemoteIndex);
	// status says why its file is not there yet.
	remote string
	status func() error

	cur       atomic.Pointer[generation]
	reloading sync.Mutex
	lastErr   atomic.Pointer[error]
}

// dataSourceID is the id of the one data source of a local knowledge
// base: "folder", or "builtin" for the built-in documentation.
func (h *handle) dataSourceID() string {
	if h.fsys != nil {
		return "builtin"
	}
	return "folder"
}

// generation is one loaded version of an index file.
type generation struct {
	ix   *index
	info os.FileInfo
}

// AddIndexFile adds the knowledge base stored in the index file at path.
// name must be the one the file was built for. rebuild is the command that
// builds it, quoted in errors ("knowledge-mcp index ./docs --kb docs").
// A missing or unreadable file is not fatal: the knowledge base is listed
// as unavailable, searches of it fail with an error quoting rebuild, and
// it is loaded as soon as a good file appears.
func (s *Store) AddIndexFile(name, path, rebuild string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	h := &handle{name: name, path: path, hint: rebuild}
	if err := s.add(h); err != nil {
		return err
	}
	if _, err := s.generation(h); err != nil {
		s.logger.Warn("knowledge base unavailable until its index is built", "kb", name, "error", err.Error())
	}
	return nil
}

// AddFS adds a knowledge base built in memory from the Markdown and text
// files at the root of fsys (the built-in documentation). The index is
// built in the background, so a server starts at once; the first request
// that needs it waits for it (a few milliseconds).
func (s *Store) AddFS(name, description string, fsys fs.FS) error {
	if err := ValidName(name); err != nil {
		return err
	}
	built := make(chan struct{})
	var buildErr error
	h := &handle{name: name, fsys: fsys}
	h.load = func() (*generation, error) {
		<-built
		if buildErr != nil {
			return nil, buildErr
		}
		return h.cur.Load(), nil
	}
	if err := s.add(h); err != nil {
		return err
	}
	go func() {
		defer close(built)
		start := time.Now()
		ix, err := buildFS(name, description, fsys)
		if err != nil {
			buildErr = fmt.Errorf("knowledge base %q: %w: %v", name, kb.ErrUnavailable, err)
			s.logger.Error("built-in knowledge base failed to build", "kb", name, "error", err.Error())
			return
		}
		h.cur.Store(&generation{ix: ix})
		s.logger.Debug("built-in knowledge base ready", "kb", name, "documents", len(ix.docs), "chunks", len(ix.chunks), "build_ms", float64(time.Since(start).Microseconds())/1000)
	}()
	return nil
}

// AddEmbedded adds a knowledge base whose index file, made by EncodeFS
// from the documents in fsys, is compiled into the program (the built-in
// documentation). Nothing is done at start: the index is opened at its
// first use, and the chunk texts stay in the program's read-only data,
// read from there for the results only, as from an index file.
func (s *Store) AddEmbedded(name string, index []byte, fsys fs.FS) error {
	if err := ValidName(name); err != nil {
		return err
	}
	h := &handle{name: name, fsys: fsys}
	h.load = sync.OnceValues(func() (*generation, error) {
		start := time.Now()
		ix, err := loadIndex(bytes.NewReader(index), int64(len(index)))
		if err == nil && ix.hdr.Name != name {
			err = fmt.Errorf("%w: the index holds knowledge base %q", ErrCorrupt, ix.hdr.Name)
		}
		if err != nil {
			err = fmt.Errorf("knowledge base %q: %w: compiled-in index: %v", name, kb.ErrUnavailable, err)
			s.logger.Error("built-in knowledge base unreadable", "kb", name, "error", err.Error())
			return nil, err
		}
		g := &generation{ix: ix}
		h.cur.Store(g)
		s.logger.Debug("built-in knowledge base opened", "kb", name, "documents", len(ix.docs), "chunks", len(ix.chunks), "open_ms", float64(time.Since(start).Microseconds())/1000)
		return g, nil
	})
	return s.add(h)
}

func (s *Store) add(h *handle) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.kbs {
		if o.name == h.name {
			return fmt.Errorf("knowledge base %q: %w: configured twice", h.name, kb.ErrInvalidArgument)
		}
	}
	s.kbs = append(s.kbs, h)
	return nil
}

// Names lists the knowledge bases in the order they were added.
func (s *Store) Names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, len(s.kbs))
	for i, h := range s.kbs {
		names[i] = h.name
	}
	return names
}

// Close releases open index files.
func (s *Store) Close() error {
	if s.remote != nil {
		s.remote.close() // no more swaps once closing
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.kbs {
		if g := h.cur.Swap(nil); g != nil && g.ix.closer != nil {
			g.ix.closer.Close()
		}
	}
	return nil
}

func (s *Store) lookup(name string) (*handle, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, h := range s.kbs {
		if h.name == name {
			return h, nil
		}
	}
	known := make([]string, len(s.kbs))
	for i, h := range s.kbs {
		known[i] = h.name
	}
	if len(known) == 0 {
		return nil, fmt.Errorf("knowledge base %q: %w: no knowledge base is configured", name, kb.ErrNotFound)
	}
	return nil, fmt.Errorf("knowledge base %q: %w; known knowledge bases: %s", name, kb.ErrNotFound, strings.Join(known, ", "))
}

// generation returns the current index of h, loading a newer file first

// ListKnowledgeBases implements kb.Backend.
func (s *Store) ListKnowledgeBases(ctx context.Context) ([]kb.KnowledgeBase, error) {
	s.mu.RLock()
	handles := slices.Clone(s.kbs)
	s.mu.RUnlock()
	out := make([]kb.KnowledgeBase, 0, len(handles))
	for _, h := range handles {
		info := kb.KnowledgeBase{ID: h.name, Name: h.name, Backend: BackendName}
		g, err := s.generation(h)
		if err != nil {
			info.Status = err.Error()
			out = append(out, info)
			continue
		}
		ix := g.ix
		info.Status = "ready"
		info.Description = ix.hdr.Description
		info.Documents = len(ix.docs)
		info.Chunks = len(ix.chunks)
		info.Formats = map[string]int{}
		for _, d := range ix.docs {
			info.SizeBytes += d.Size
			info.Formats[d.Format]++
		}
		if ix.hdr.BuiltUnix > 0 {
			info.UpdatedAt = time.Unix(ix.hdr.BuiltUnix, 0).UTC()
		}
		ds := kb.DataSource{ID: h.dataSourceID(), Name: ix.hdr.Source, Type: "LOCAL_FOLDER", Status: "indexed " + time.Unix(ix.hdr.BuiltUnix, 0).UTC().Format(time.RFC3339)}
		switch {
		case h.fsys != nil:
			ds = kb.DataSource{ID: h.dataSourceID(), Name: "documentation compiled into knowledge-mcp", Type: "EMBEDDED", Status: "ready"}
		case h.remote != "":
			ds.Name, ds.Type = h.remote, "S3"
		}
		info.DataSources = []kb.DataSource{ds}
		out = append(out, info)
	}
	return out, nil
}

// Ready implements kb.Backend: every knowledge base must have a usable
// index.
func (s *Store) Ready(ctx context.Context) error {
	s.mu.RLock()
	handles := slices.Clone(s.kbs)
	s.mu.RUnlock()
	if len(handles) == 0 {
		return fmt.Errorf("%w: no knowledge base is configured", kb.ErrUnavailable)
	}
	var errs []error
	for _, h := range handles {
		if _, err := s.generation(h); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
