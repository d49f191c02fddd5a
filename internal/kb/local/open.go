package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/s3source"
)

// Options says which local knowledge bases a Store opened by [Open] serves.
type Options struct {
	// Sources are the knowledge bases to serve, as given to --kb: a name
	// built earlier with "knowledge-mcp index", a folder written as a path
	// ("./docs", indexed at start, incrementally) or NAME=FOLDER, or the
	// path of an index file (.kbi). [parseSource] decides which.
	Sources []string
	// DataDir holds the index files.
	DataDir string
	// Builtin is served when Sources is empty: an index compiled into the
	// program ([Store.AddEmbedded]).
	Builtin Embedded
	// Logger receives progress and warnings; nil discards.
	Logger *slog.Logger
	// Refresh is how often an s3:// source is checked for a new version
	// (a conditional request); 0 never checks after the first copy.
	Refresh time.Duration
	// AwaitRemote makes Open wait for the first attempt to fetch each
	// s3:// source (one-shot commands); a server does not wait and reports
	// the fetch in its readiness instead.
	AwaitRemote bool
	// ReadOnly serves folders only from indexes built earlier (by
	// "knowledge-mcp index"), never indexing one: for search, which must
	// not rebuild an index as a side effect.
	ReadOnly bool
	// DefaultDataDir is the data folder used when none is given; next-step
	// hints name --data-dir only when DataDir is another one.
	DefaultDataDir string
}

// Embedded is a knowledge base whose index is compiled into the program.
type Embedded struct {
	Name  string
	Index []byte
	FS    fs.FS
}

// SourceError reports a --kb value that names nothing servable: the
// operator's mistake, told what to do next.
type SourceError struct{ err error }

func (e *SourceError) Error() string { return e.err.Error() }
func (e *SourceError) Unwrap() error { return e.err }

func sourceErrorf(format string, args ...any) error {
	return &SourceError{fmt.Errorf(format, args...)}
}

// sourceKind is what a --kb value designates.
type sourceKind int

// The kinds of source. A new kind (an s3:// URL, say) is one more
// constant here, one more case in parseSource and in Store.addSource.
const (
	// sourceFolder is a folder of documents, indexed into DataDir at start.
	sourceFolder sourceKind = iota + 1
	// sourceIndexFile is an index file (.kbi) served where it is.
	sourceIndexFile
	// sourceName is a knowledge base built earlier into DataDir.
	sourceName
	// sourceS3 is an index in S3 (s3://BUCKET/KEY), kept as a verified
	// copy in DataDir and refreshed ([s3source.Mirror]).
	sourceS3
)

// source is one parsed --kb value.
type source struct {
	Kind sourceKind
	// Spec is the value as given.
	Spec string
	// Name is the knowledge base name: the value itself, the NAME of
	// NAME=FOLDER, or derived from the folder or index file name.
	Name string
	// Path is the folder or the index file; empty for a name; the URL
	// for sourceS3.
	Path string
	// loc is the object of sourceS3.
	loc s3source.Location
}

// parseSource decides what a --kb value means by its form alone, never by
// what happens to exist on disk, so that a name cannot silently turn into
// a folder: a value written as a path ("./handbook", "/srv/docs", "..",
// "docs/api") is a folder, or an index file when it ends in .kbi;
// "NAME=FOLDER" is a folder with its name; anything else is the name of a
// knowledge base stored in the data folder. This is the one place that
// decides it. s3://BUCKET/KEY and NAME=s3://BUCKET/KEY are indexes in S3.
func parseSource(spec string) (source, error) {
	if name, url, ok := s3Spec(spec); ok {
		return parseS3Source(spec, name, url)
	}
	if strings.TrimSpace(spec) == "" {
		return source{}, sourceErrorf("empty --kb value: give a knowledge base NAME, a folder path (./docs) or NAME=FOLDER")
	}
	if name, dir, ok := strings.Cut(spec, "="); ok {
		if err := ValidName(name); err != nil {
			return source{}, sourceErrorf("--kb %s: %w", spec, err)
		}
		if dir == "" {
			return source{}, sourceErrorf("--kb %s: no folder after %q", spec, name+"=")
		}
		return source{Kind: sourceFolder, Spec: spec, Name: name, Path: dir}, nil
	}
	if !isPath(spec) {
		if err := ValidName(spec); err != nil {
			return source{}, sourceErrorf("--kb %s: %w; a folder is written as a path (./%s)", spec, err, spec)
		}
		return source{Kind: sourceName, Spec: spec, Name: spec}, nil
	}
	if strings.HasSuffix(spec, FileExt) {
		return source{Kind: sourceIndexFile, Spec: spec, Name: strings.TrimSuffix(filepath.Base(spec), FileExt), Path: spec}, nil
	}
	return source{Kind: sourceFolder, Spec: spec, Name: DefaultName(spec), Path: spec}, nil
}

// isPath reports whether a --kb value is written as a path: it starts
// with "." or "~", holds a path separator, or is absolute.
func isPath(spec string) bool {
	return strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "~") || filepath.IsAbs(spec) ||
		strings.ContainsRune(spec, '/') || strings.ContainsRune(spec, filepath.Separator)
}

// Open returns a store serving opts.Sources, or the built-in knowledge
// base when there are none. Folders are indexed first (incrementally),
// unless opts.ReadOnly. A bad --kb value is a *SourceError.
func Open(ctx context.Context, opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	store := NewStore(logger)
	if len(opts.Sources) == 0 {
		b := opts.Builtin
		if err := store.AddEmbedded(b.Name, b.Index, b.FS); err != nil {
			return nil, fmt.Errorf("built-in documentation: %w", err)
		}
		logger.Info("serving the built-in documentation; pass --kb FOLDER to serve your own documents", "kb", b.Name)
		return store, nil
	}
	for _, spec := range opts.Sources {
		src, err := parseSource(spec)
		if err == nil {
			err = store.addSource(ctx, src, opts)
		}
		if err != nil {
			store.Close()
			return nil, err
		}
	}
	if opts.AwaitRemote && store.remote != nil {
		store.remote.awaitFirst(ctx)
	}
	return store, nil
}

// addSource adds one parsed --kb value.
func (s *Store) addSource(ctx context.Context, src source, opts Options) error {
	dataDir := opts.DataDir
	switch {
	case src.Kind == sourceS3:
		return s.addS3(ctx, src, dataDir, opts.Refresh)
	case src.Kind == sourceFolder && !opts.ReadOnly:
		if info, err := os.Stat(src.Path); err != nil || !info.IsDir() {
			return sourceErrorf("--kb %s: %s is not a folder", src.Spec, src.Path)
		}
		stats, err := Build(ctx, BuildOptions{Dir: src.Path, Name: src.Name, DataDir: dataDir, Logger: s.logger})
		if err != nil {
			return fmt.Errorf("index %s: %w", src.Path, err)
		}
		s.logger.Info("indexed folder", "kb", src.Name, "folder", src.Path, "documents", stats.Documents, "chunks", stats.Chunks,
			"added", stats.Added, "updated", stats.Updated, "unchanged", stats.Unchanged, "removed", stats.Removed,
			"skipped", len(stats.Skipped), "ignored", len(stats.Ignored), "duration", stats.Duration)
		return s.AddIndexFile(src.Name, stats.Path, fmt.Sprintf("knowledge-mcp index %s --kb %s%s", src.Path, src.Name, opts.dataDirFlag()))
	case src.Kind == sourceFolder:
		path, err := folderIndex(src, dataDir)
		if err != nil {
			return sourceErrorf("--kb %s: %v; search reads indexes and does not build them: run knowledge-mcp index %s --kb %s%s first",
				src.Spec, err, src.Path, src.Name, opts.dataDirFlag())
		}
		return s.AddIndexFile(src.Name, path, fmt.Sprintf("knowledge-mcp index %s --kb %s%s", src.Path, src.Name, opts.dataDirFlag()))
	case src.Kind == sourceIndexFile:
		if _, err := os.Stat(src.Path); err != nil {
			return sourceErrorf("--kb %s: index file: %v", src.Spec, err)
		}
		return s.AddIndexFile(src.Name, src.Path, fmt.Sprintf("knowledge-mcp index FOLDER --kb %s --data-dir %s", src.Name, filepath.Dir(src.Path)))
	case src.Kind == sourceName:
		folderToo := false
		if info, err := os.Stat(src.Name); err == nil && info.IsDir() {
			folderToo = true
		}
		path := IndexPath(dataDir, src.Name)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if folderToo {
				return sourceErrorf("--kb %s: no knowledge base %q in %s; a folder is written as a path: --kb ./%s (or build the knowledge base: knowledge-mcp index ./%s --kb %s%s)",
					src.Spec, src.Name, dataDir, src.Name, src.Name, src.Name, opts.dataDirFlag())
			}
			list := "none yet"
			if known := Stored(dataDir); len(known) > 0 {
				list = strings.Join(known, ", ")
			}
			return sourceErrorf("--kb %s: no knowledge base %q in %s (known: %s); build it with: knowledge-mcp index FOLDER --kb %s%s",
				src.Spec, src.Name, dataDir, list, src.Name, opts.dataDirFlag())
		}
		if folderToo {
			s.logger.Warn(fmt.Sprintf("--kb %s is the stored knowledge base %s, not the folder ./%s; write --kb ./%s for the folder", src.Spec, src.Name, src.Name, src.Name))
		}
		return s.AddIndexFile(src.Name, path, fmt.Sprintf("knowledge-mcp index FOLDER --kb %s%s", src.Name, opts.dataDirFlag()))
	}
	return fmt.Errorf("--kb %s: unknown kind of source %d", src.Spec, src.Kind)
}

// folderIndex returns the stored index of a folder source, which must have
// been built from that folder.
func folderIndex(src source, dataDir string) (string, error) {
	abs, err := filepath.Abs(src.Path)
	if err != nil {
		return "", fmt.Errorf("folder %s: %w", src.Path, err)
	}
	path := IndexPath(dataDir, src.Name)
	ix, err := openIndexFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("the folder %s has not been indexed (no %s)", src.Path, path)
	}
	if err != nil {
		return "", fmt.Errorf("knowledge base %q: %w", src.Name, err)
	}
	defer ix.closer.Close()
	if ix.hdr.Source != abs {
		return "", fmt.Errorf("the knowledge base %q in %s indexes %s, not the folder %s", src.Name, dataDir, ix.hdr.Source, src.Path)
	}
	return path, nil
}

// dataDirFlag is " --data-dir DIR" when the data folder is not the
// default one, for commands printed as next steps.
func (o Options) dataDirFlag() string {
	if o.DataDir == "" || o.DataDir == o.DefaultDataDir {
		return ""
	}
	return " --data-dir " + ShellQuote(o.DataDir)
}

// ShellQuote quotes s for a POSIX shell when it needs quoting, for
// commands printed as next steps.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
