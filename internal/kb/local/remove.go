package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotStored is returned by [Remove] for a name with no index in the
// data folder.
var ErrNotStored = errors.New("no such knowledge base")

// Remove deletes the stored knowledge base name from dataDir: its index
// file, the lock file beside it and any temporary file an interrupted
// build left. It waits for a build of the same knowledge base to finish
// first. The indexed folder is not touched. It returns the files removed.
func Remove(dataDir, name string) ([]string, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	target := IndexPath(dataDir, name)
	if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %q has no index in %s (stored: %s)", ErrNotStored, name, dataDir, storedList(dataDir))
	} else if err != nil {
		return nil, fmt.Errorf("knowledge base %q: %w", name, err)
	}
	unlock, err := lockFile(target + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	var removed []string
	temps, _ := filepath.Glob(target + ".tmp-*")
	for _, p := range append([]string{target}, append(temps, target+".lock")...) {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("remove knowledge base %q: %w", name, err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}

// Stored lists the names of the knowledge bases stored in dataDir.
func Stored(dataDir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dataDir, "*"+FileExt))
	var names []string
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), FileExt))
	}
	return names
}

func storedList(dataDir string) string {
	if names := Stored(dataDir); len(names) > 0 {
		return strings.Join(names, ", ")
	}
	return "none"
}
