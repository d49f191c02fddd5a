//go:build ignore

// genindex writes builtin.kbi, the index of the built-in documentation
// that knowledge-mcp serves with no --kb, so that serve opens it instead
// of indexing the pages at every start. "go generate ./docs" runs it after
// refreshing README.md; it leaves an index that is still current untouched.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/knowledge-mcp/knowledge-mcp/docs"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

func main() {
	// go run compiles docs.FS from the pages as they are now; the index
	// it embeds may be stale, which is why this runs.
	if old, err := os.ReadFile(docs.IndexFile); err == nil && local.CheckEncodedFS(old, docs.Name, docs.Description, docs.FS) == nil {
		return
	}
	index, err := local.EncodeFS(docs.Name, docs.Description, docs.FS)
	if err == nil && bytes.Equal(index, docs.Index) {
		return
	}
	if err == nil {
		err = os.WriteFile(docs.IndexFile, index, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genindex:", err)
		os.Exit(1)
	}
}
