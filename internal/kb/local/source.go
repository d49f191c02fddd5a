package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// SourceKind says what a --kb value names.
type SourceKind int

// The kinds of --kb value.
const (
	// SourceName is a knowledge base stored in the data folder, built
	// earlier with "knowledge-mcp index".
	SourceName SourceKind = iota
	// SourceFolder is a folder of documents, written as a path ("./docs",
	// "/abs/docs", "../docs") or as NAME=FOLDER.
	SourceFolder
	// SourceIndexFile is the path of an index file (".kbi").
	SourceIndexFile
)

// Source is one --kb value as [ParseSource] reads it.
type Source struct {
	Kind SourceKind
	// Name is the knowledge base's name: the value itself, the NAME of
	// NAME=FOLDER, or derived from the folder or index file name.
	Name string
	// Path is the folder or index file; empty for SourceName.
	Path string
}

// ParseSource reads a --kb value by its form alone, never by what happens
// to exist on disk, so that a name cannot silently turn into a folder: a
// value written as a path ("./handbook", "/srv/docs", "..", "docs/api") is
// a folder, or an index file when it ends in .kbi; "NAME=FOLDER" is a
// folder with its name; anything else is the name of a stored knowledge
// base.
func ParseSource(spec string) (Source, error) {
	if strings.TrimSpace(spec) == "" {
		return Source{}, fmt.Errorf("empty --kb value: %w: give a knowledge base NAME, a folder path (./docs) or NAME=FOLDER", kb.ErrInvalidArgument)
	}
	if name, dir, ok := strings.Cut(spec, "="); ok {
		if err := ValidName(name); err != nil {
			return Source{}, fmt.Errorf("--kb %s: %w", spec, err)
		}
		if dir == "" {
			return Source{}, fmt.Errorf("--kb %s: %w: no folder after %q", spec, kb.ErrInvalidArgument, name+"=")
		}
		return Source{Kind: SourceFolder, Name: name, Path: dir}, nil
	}
	if !IsPath(spec) {
		if err := ValidName(spec); err != nil {
			return Source{}, fmt.Errorf("--kb %s: %w; a folder is written as a path (./%s)", spec, err, spec)
		}
		return Source{Kind: SourceName, Name: spec}, nil
	}
	if strings.HasSuffix(spec, FileExt) {
		return Source{Kind: SourceIndexFile, Name: strings.TrimSuffix(filepath.Base(spec), FileExt), Path: spec}, nil
	}
	return Source{Kind: SourceFolder, Name: DefaultName(spec), Path: spec}, nil
}

// IsPath reports whether a --kb value is written as a path: it starts
// with ".", "/" or "~", or holds a path separator, or is absolute.
func IsPath(spec string) bool {
	return strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "~") || filepath.IsAbs(spec) ||
		strings.ContainsRune(spec, '/') || strings.ContainsRune(spec, filepath.Separator)
}

// ErrNoIndex is returned for a knowledge base or folder that has no
// index in the data folder.
var ErrNoIndex = errors.New("no index")

// StoredIndex returns the index file of the stored knowledge base src
// names (a name, or a folder indexed earlier), for commands that must not
// build one (search). For a folder, the stored index must have been built
// from that folder. When it is missing the error wraps [ErrNoIndex] and
// says how to build it.
func StoredIndex(src Source, dataDir string) (string, error) {
	path := IndexPath(dataDir, src.Name)
	switch src.Kind {
	case SourceIndexFile:
		return src.Path, nil
	case SourceName:
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: no knowledge base %q in %s", ErrNoIndex, src.Name, dataDir)
		} else if err != nil {
			return "", fmt.Errorf("knowledge base %q: %w", src.Name, err)
		}
		return path, nil
	}
	abs, err := filepath.Abs(src.Path)
	if err != nil {
		return "", fmt.Errorf("folder %s: %w", src.Path, err)
	}
	ix, err := openIndexFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: the folder %s has not been indexed (no %s)", ErrNoIndex, src.Path, path)
	}
	if err != nil {
		return "", fmt.Errorf("knowledge base %q: %w", src.Name, err)
	}
	defer ix.closer.Close()
	if ix.hdr.Source != abs {
		return "", fmt.Errorf("%w: the knowledge base %q in %s indexes %s, not the folder %s", ErrNoIndex, src.Name, dataDir, ix.hdr.Source, src.Path)
	}
	return path, nil
}
