package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// BackendName is the value of [kb.KnowledgeBase.Backend] for local
// knowledge bases.
const BackendName = "local"

// URIScheme prefixes the URIs of local documents: kb://NAME/PATH.
const URIScheme = "kb"

// FileExt ends the name of an index file in the data folder.
const FileExt = ".kbi"

// MaxDocumentBytes caps the text GetDocument returns; longer documents are
// truncated and marked so.
const MaxDocumentBytes = 1 << 20

// readLimit bounds how much of a file GetDocument reads for a document of
// format: enough for MaxDocumentBytes of text after front matter is cut
// (Markdown, text) or after markup is dropped (HTML, whose text is a
// fraction of its bytes). A longer file is read only that far.
func readLimit(format string) int64 {
	if format == ingest.FormatHTML {
		return 4 * MaxDocumentBytes
	}
	return MaxDocumentBytes + 64<<10
}

// ValidName checks a knowledge base name: 1-64 letters, digits, '.', '_'
// or '-', not starting with a punctuation mark (the language of
// ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$, checked without a regexp so that
// nothing is compiled at start).
func ValidName(name string) error {
	valid := len(name) >= 1 && len(name) <= 64
	for i := 0; valid && i < len(name); i++ {
		c := name[i]
		valid = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
	}
	if !valid {
		return fmt.Errorf("knowledge base name %q: %w: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", name, kb.ErrInvalidArgument)
	}
	return nil
}

// IndexPath is where the index of knowledge base name lives in dataDir.
func IndexPath(dataDir, name string) string {
	return filepath.Join(dataDir, name+FileExt)
}

// DocumentURI is the URI of document path (slash-separated, relative to the
// folder) of knowledge base name.
func DocumentURI(name, docPath string) string {
	parts := strings.Split(docPath, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return URIScheme + "://" + name + "/" + strings.Join(parts, "/")
}

// ParseDocumentURI splits a kb://NAME/PATH URI.
func ParseDocumentURI(uri string) (name, docPath string, err error) {
	rest, ok := strings.CutPrefix(uri, URIScheme+"://")
	if !ok {
		return "", "", fmt.Errorf("document URI %q: %w: want %s://KNOWLEDGE_BASE/PATH", uri, kb.ErrInvalidArgument, URIScheme)
	}
	name, escaped, _ := strings.Cut(rest, "/")
	docPath, err = url.PathUnescape(escaped)
	if err != nil {
		return "", "", fmt.Errorf("document URI %q: %w: %v", uri, kb.ErrInvalidArgument, err)
	}
	return name, docPath, nil
}

// Store serves several local knowledge bases. It implements kb.Backend.
// Each knowledge base is an index file (or an in-memory index of the
// built-in documentation); a file replaced by "knowledge-mcp index" is
// picked up at the next request without a restart.
type Store struct {
	logger *slog.Logger
	mu     sync.RWMutex
	kbs    []*handle
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
	if errors.Is(err, fs.ErrNotExist) {
		out = fmt.Errorf("knowledge base %q: %w: no index at %s; build it with: %s", h.name, kb.ErrUnavailable, h.path, hint)
	} else {
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
		for _, d := range ix.docs {
			info.SizeBytes += d.Size
		}
		ds := kb.DataSource{ID: h.dataSourceID(), Name: ix.hdr.Source, Type: "LOCAL_FOLDER", Status: "indexed " + time.Unix(ix.hdr.BuiltUnix, 0).UTC().Format(time.RFC3339)}
		if h.fsys != nil {
			ds = kb.DataSource{ID: h.dataSourceID(), Name: "documentation compiled into knowledge-mcp", Type: "EMBEDDED", Status: "ready"}
		}
		info.DataSources = []kb.DataSource{ds}
		out = append(out, info)
	}
	return out, nil
}

// Search implements kb.Backend. With no knowledge base named, it searches
// the only one, or all of them with the results merged by score.
func (s *Store) Search(ctx context.Context, q kb.Query) (*kb.SearchResult, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	// The local index is lexical: every search type is served by BM25F.
	k := q.MaxResults
	if q.NextToken != "" {
		return nil, fmt.Errorf("next_token: %w: the local index does not paginate; ask for up to %d results at once", kb.ErrInvalidArgument, kb.MaxMaxResults)
	}
	var handles []*handle
	if q.KnowledgeBaseID != "" {
		h, err := s.lookup(q.KnowledgeBaseID)
		if err != nil {
			return nil, err
		}
		handles = []*handle{h}
	} else {
		s.mu.RLock()
		handles = slices.Clone(s.kbs)
		s.mu.RUnlock()
		if len(handles) == 0 {
			return nil, fmt.Errorf("search: %w: no knowledge base is configured", kb.ErrUnavailable)
		}
	}
	var results []kb.Result
	var firstErr error
	for _, h := range handles {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(q.DataSourceIDs) > 0 && !slices.Contains(q.DataSourceIDs, h.dataSourceID()) {
			continue // each local knowledge base has one data source
		}
		g, err := s.generation(h)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		hits, err := g.ix.search(q.Text, k, q.Filter)
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", h.name, err)
		}
		for _, hit := range hits {
			results = append(results, g.ix.result(hit))
		}
	}
	if firstErr != nil && (len(handles) == 1 || len(results) == 0) {
		return nil, firstErr
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Score > results[j].Score })
	if len(results) > k {
		results = results[:k]
	}
	if results == nil {
		results = []kb.Result{}
	}
	return &kb.SearchResult{Results: results}, nil
}

// result turns a scored chunk into a kb.Result.
func (ix *index) result(s scored) kb.Result {
	c := ix.chunks[s.chunk]
	d := &ix.docs[c.Doc]
	uri := DocumentURI(ix.hdr.Name, d.Path)
	return kb.Result{
		Text:            s.text,
		Score:           float64(s.score),
		URI:             uri,
		Title:           d.Title,
		DocumentID:      d.Path,
		ChunkIndex:      int(c.Index),
		HeadingPath:     s.heading,
		Snippet:         snippet(s.text, s.matches),
		KnowledgeBaseID: ix.hdr.Name,
		LocationType:    "LOCAL",
		Metadata:        ix.metadataOf(c.Doc),
	}
}

// GetDocument implements kb.Backend. uri is kb://NAME/PATH as in results,
// or a path relative to the knowledge base folder. Only indexed documents
// are served, and never through "..", an absolute path or a symlink
// leading out of the folder.
func (s *Store) GetDocument(ctx context.Context, knowledgeBaseID, uri string) (*kb.Document, error) {
	name, docPath := knowledgeBaseID, uri
	if strings.Contains(uri, "://") {
		var err error
		name, docPath, err = ParseDocumentURI(uri)
		if err != nil {
			return nil, err
		}
		if knowledgeBaseID != "" && knowledgeBaseID != name {
			return nil, fmt.Errorf("document URI %q: %w: it belongs to knowledge base %q, not %q", uri, kb.ErrInvalidArgument, name, knowledgeBaseID)
		}
	}
	if name == "" {
		names := s.Names()
		if len(names) != 1 {
			return nil, fmt.Errorf("document %q: %w: name the knowledge base (one of %s) or give a %s://NAME/PATH URI", uri, kb.ErrInvalidArgument, strings.Join(names, ", "), URIScheme)
		}
		name = names[0]
	}
	if err := checkRelative(docPath); err != nil {
		return nil, fmt.Errorf("document %q: %w: %v", uri, kb.ErrInvalidArgument, err)
	}
	h, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	g, err := s.generation(h)
	if err != nil {
		return nil, err
	}
	ix := g.ix
	docPath = path.Clean(docPath)
	i, ok := ix.byPath[docPath]
	if !ok {
		return nil, fmt.Errorf("document %q: %w in knowledge base %q (only indexed documents can be read; search to find their URIs)", docPath, kb.ErrNotFound, name)
	}
	d := ix.docs[i]
	var doc *ingest.Document
	var truncated bool
	if h.fsys != nil {
		content, err := fs.ReadFile(h.fsys, docPath)
		if err != nil {
			return nil, fmt.Errorf("document %q: %w", docPath, err)
		}
		doc, err = ingest.Parse(docPath, content, nil, d.Hash)
		if err != nil {
			return nil, fmt.Errorf("document %q: %w", docPath, err)
		}
	} else {
		if ix.hdr.Source == "" {
			return nil, fmt.Errorf("document %q: %w: the index does not record its folder", docPath, kb.ErrUnavailable)
		}
		doc, truncated, err = ingest.LoadPrefix(ix.hdr.Source, docPath, readLimit(ingest.FormatOf(docPath)))
		if err != nil {
			var skip *ingest.SkipError
			if errors.As(err, &skip) && (strings.Contains(skip.Reason, "outside") || strings.Contains(skip.Reason, "not a regular file")) {
				return nil, fmt.Errorf("document %q: %w: %s", docPath, kb.ErrPermission, skip.Reason)
			}
			if errors.As(err, &skip) && strings.Contains(skip.Reason, "no such file") {
				return nil, fmt.Errorf("document %q: %w: it was removed from %s since the last index; rerun: knowledge-mcp index %s --kb %s", docPath, kb.ErrNotFound, ix.hdr.Source, ix.hdr.Source, name)
			}
			return nil, fmt.Errorf("document %q: %w", docPath, err)
		}
	}
	out := &kb.Document{
		URI:       DocumentURI(name, docPath),
		Title:     doc.Title,
		MIMEType:  mimeType(doc.Format),
		Text:      doc.Text,
		SizeBytes: doc.Size,
		Metadata:  doc.Metadata,
		Truncated: truncated,
	}
	if len(out.Text) > MaxDocumentBytes {
		cut := MaxDocumentBytes
		for cut > 0 && !isRuneStart(out.Text[cut]) {
			cut--
		}
		out.Text, out.Truncated = out.Text[:cut], true
	}
	return out, nil
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func mimeType(format string) string {
	switch format {
	case ingest.FormatMarkdown:
		return "text/markdown"
	case ingest.FormatHTML:
		return "text/markdown" // rendered from HTML as Markdown-like text
	}
	return "text/plain"
}

// checkRelative refuses absolute paths and "..".
func checkRelative(p string) error {
	if p == "" {
		return fmt.Errorf("empty path")
	}
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || filepath.IsAbs(p) || (len(p) > 1 && p[1] == ':') {
		return fmt.Errorf("absolute paths are refused; give the path inside the knowledge base")
	}
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return fmt.Errorf("\"..\" is refused; paths must stay inside the knowledge base")
		}
	}
	return nil
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

var _ kb.DocumentLister = (*Store)(nil)

// ListDocuments implements kb.DocumentLister: the documents of a knowledge
// base in path order; the cursor is the position to continue from.
func (s *Store) ListDocuments(ctx context.Context, knowledgeBaseID, cursor string, limit int) ([]kb.DocumentInfo, string, error) {
	h, err := s.lookup(knowledgeBaseID)
	if err != nil {
		return nil, "", err
	}
	g, err := s.generation(h)
	if err != nil {
		return nil, "", err
	}
	start := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("cursor %q: %w: pass back the cursor of the previous page", cursor, kb.ErrInvalidArgument)
		}
		start = n
	}
	if limit <= 0 {
		limit = 100
	}
	docs := g.ix.docs
	if start >= len(docs) {
		return []kb.DocumentInfo{}, "", nil
	}
	end := min(len(docs), start+limit)
	out := make([]kb.DocumentInfo, 0, end-start)
	for _, d := range docs[start:end] {
		out = append(out, kb.DocumentInfo{
			KnowledgeBaseID: h.name,
			URI:             DocumentURI(h.name, d.Path),
			Title:           d.Title,
			MIMEType:        mimeType(d.Format),
			SizeBytes:       d.Size,
		})
	}
	next := ""
	if end < len(docs) {
		next = strconv.Itoa(end)
	}
	return out, next, nil
}
