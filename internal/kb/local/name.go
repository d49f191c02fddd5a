package local

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// URIScheme prefixes the URIs of local documents: kb://NAME/PATH.
const URIScheme = "kb"

// FileExt ends the name of an index file in the data folder.
const FileExt = ".kbi"

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
