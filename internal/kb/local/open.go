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
)

// Options says which local knowledge bases a Store opened by [Open] serves.
type Options struct {
	// Sources are the knowledge bases to serve, as given to --kb: a folder
	// (indexed at start, incrementally), NAME=FOLDER, a name built earlier
	// with "knowledge-mcp index", or the path of an index file (.kbi).
	// [parseSource] decides which.
	Sources []string
	// DataDir holds the index files.
	DataDir string
	// Builtin is served when Sources is empty: an index compiled into the
	// program ([Store.AddEmbedded]).
	Builtin Embedded
	// Logger receives progress and warnings; nil discards.
	Logger *slog.Logger
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
)

// source is one parsed --kb value.
type source struct {
	Kind sourceKind
	// Spec is the value as given.
	Spec string
	// Name is the knowledge base name; empty for a folder given without
	// one, named after the folder.
	Name string
	// Path is the folder or the index file.
	Path string
}

// parseSource decides what a --kb value means: NAME=FOLDER or FOLDER (a
// folder), an existing file ending in .kbi (an index file), or else a
// knowledge base name in the data folder. This is the one place that
// decides it.
func parseSource(spec string) (source, error) {
	name, dir, paired := strings.Cut(spec, "=")
	if !paired {
		dir = spec
		name = ""
	}
	info, statErr := os.Stat(dir)
	switch {
	case statErr == nil && info.IsDir():
		return source{Kind: sourceFolder, Spec: spec, Name: name, Path: dir}, nil
	case statErr == nil && strings.HasSuffix(dir, FileExt):
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(dir), FileExt)
		}
		return source{Kind: sourceIndexFile, Spec: spec, Name: name, Path: dir}, nil
	case paired:
		return source{}, sourceErrorf("--kb %s: %s is not a folder: %v", spec, dir, statErr)
	}
	if err := ValidName(spec); err != nil {
		return source{}, sourceErrorf("--kb %s: not a folder, an index file or a knowledge base name", spec)
	}
	return source{Kind: sourceName, Spec: spec, Name: spec}, nil
}

// Open returns a store serving opts.Sources, or the built-in knowledge
// base when there are none. Folders are indexed first (incrementally). A
// bad --kb value is a *SourceError.
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
			err = store.addSource(ctx, src, opts.DataDir)
		}
		if err != nil {
			store.Close()
			return nil, err
		}
	}
	return store, nil
}

// addSource adds one parsed --kb value.
func (s *Store) addSource(ctx context.Context, src source, dataDir string) error {
	switch src.Kind {
	case sourceFolder:
		name, dir := src.Name, src.Path
		if name == "" {
			name = DefaultName(dir)
		}
		if err := ValidName(name); err != nil {
			return &SourceError{err}
		}
		stats, err := Build(ctx, BuildOptions{Dir: dir, Name: name, DataDir: dataDir, Logger: s.logger})
		if err != nil {
			return fmt.Errorf("index %s: %w", dir, err)
		}
		s.logger.Info("indexed folder", "kb", name, "folder", dir, "documents", stats.Documents, "chunks", stats.Chunks,
			"added", stats.Added, "updated", stats.Updated, "unchanged", stats.Unchanged, "removed", stats.Removed,
			"skipped", len(stats.Skipped), "ms", stats.Duration.Milliseconds())
		return s.AddIndexFile(name, stats.Path, fmt.Sprintf("knowledge-mcp index %s --kb %s", dir, name))
	case sourceIndexFile:
		return s.AddIndexFile(src.Name, src.Path, fmt.Sprintf("knowledge-mcp index FOLDER --kb %s --data-dir %s", src.Name, filepath.Dir(src.Path)))
	case sourceName:
		path := IndexPath(dataDir, src.Name)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			known := knownIndexes(dataDir)
			list := "none yet"
			if len(known) > 0 {
				list = strings.Join(known, ", ")
			}
			return sourceErrorf("--kb %s: no such folder and no knowledge base %q in %s (known: %s); build it with: knowledge-mcp index FOLDER --kb %s",
				src.Spec, src.Name, dataDir, list, src.Name)
		}
		return s.AddIndexFile(src.Name, path, fmt.Sprintf("knowledge-mcp index FOLDER --kb %s", src.Name))
	}
	return fmt.Errorf("--kb %s: unknown kind of source %d", src.Spec, src.Kind)
}

// knownIndexes lists the knowledge bases with an index in dataDir.
func knownIndexes(dataDir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dataDir, "*"+FileExt))
	var names []string
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), FileExt))
	}
	return names
}
