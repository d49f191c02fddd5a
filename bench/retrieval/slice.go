package retrieval

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// SliceQueries is the name of the queries file of a slice.
const SliceQueries = "queries.json"

// WriteSlice writes a small evaluation set to dst: the corpus pages under
// the given prefixes, reduced to their title and main text (Sphinx's
// <div class="body">), and the index queries whose anchors fall in them.
// The test in this package runs on it.
func WriteSlice(htmlDir, dst string, prefixes []string) error {
	corpus := filepath.Join(dst, "corpus")
	titleRE := regexp.MustCompile(`(?s)<title>.*?</title>`)
	n := 0
	for _, prefix := range prefixes {
		pages, _ := filepath.Glob(filepath.Join(htmlDir, prefix+"*.html"))
		for _, p := range pages {
			rel, _ := filepath.Rel(htmlDir, p)
			rel = filepath.ToSlash(rel)
			if Excluded(rel) {
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			page := string(data)
			start := strings.Index(page, `<div class="body" role="main">`)
			end := strings.Index(page, `<div class="sphinxsidebar"`)
			if start < 0 || end < start {
				return fmt.Errorf("%s: no Sphinx body", rel)
			}
			out := "<!DOCTYPE html>\n<html><head>" + titleRE.FindString(page) + "</head><body>\n" + page[start:end] + "\n</body></html>\n"
			path := filepath.Join(corpus, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				return err
			}
			n++
		}
	}
	genindex, _ := filepath.Glob(filepath.Join(htmlDir, "genindex-*.html"))
	queries, err := ParseGenindex(genindex)
	if err != nil {
		return err
	}
	var kept []Query
	for _, q := range queries {
		var anchors []string
		for _, a := range q.Anchors {
			for _, prefix := range prefixes {
				if strings.HasPrefix(a, prefix) {
					anchors = append(anchors, a)
				}
			}
		}
		if len(anchors) > 0 {
			q.Anchors = anchors
			kept = append(kept, q)
		}
	}
	data, err := json.MarshalIndent(kept, "", " ")
	if err != nil {
		return err
	}
	fmt.Printf("slice: %d pages, %d queries in %s\n", n, len(kept), dst)
	return os.WriteFile(filepath.Join(dst, SliceQueries), data, 0o644)
}
