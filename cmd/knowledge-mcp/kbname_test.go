package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// The README's first steps, "index ./handbook --kb handbook" then
// "search … --kb handbook", run from the folder that holds ./handbook: a
// name means the stored knowledge base, a folder is written as a path, and
// search never rebuilds an index.
func TestKBNameIsANameAndAFolderIsAPath(t *testing.T) {
	work, dataDir := t.TempDir(), t.TempDir()
	t.Chdir(work)
	writeFiles(t, filepath.Join(work, "handbook"), map[string]string{"rotate.md": "# Rotate keys\n\nRotate the signing keys every quarter.\n"})
	writeFiles(t, filepath.Join(work, "notes"), map[string]string{"n.md": "# Notes\n\nUnindexed notes.\n"})

	// Before any index: the bare name is not a folder, and says how to
	// write one.
	code, _, errOut := runCLI(t, nil, "search", "rotate", "--kb", "handbook", "--data-dir", dataDir)
	if code != 2 || !strings.Contains(errOut, "a folder is written as a path: --kb ./handbook") {
		t.Fatalf("search --kb handbook before indexing: exit %d, %s; want exit 2 and the ./handbook hint", code, errOut)
	}
	if _, err := os.Stat(local.IndexPath(dataDir, "handbook")); err == nil {
		t.Fatal("search built an index")
	}

	if code, _, errOut := runCLI(t, nil, "index", "./handbook", "--kb", "handbook", "--data-dir", dataDir); code != 0 {
		t.Fatalf("index: exit %d %s", code, errOut)
	}
	indexFile := local.IndexPath(dataDir, "handbook")
	before, err := os.Stat(indexFile)
	if err != nil {
		t.Fatal(err)
	}
	// A later change to the folder must not be picked up by search.
	time.Sleep(10 * time.Millisecond) // mtime granularity, not synchronization
	writeFiles(t, filepath.Join(work, "handbook"), map[string]string{"new.md": "# Zebra\n\nA zebra page added after indexing.\n"})

	for _, args := range [][]string{
		{"search", "rotate signing keys", "--kb", "handbook"},
		{"search", "rotate signing keys", "--kb", "./handbook"},
		{"search", "rotate signing keys", "--kb", "handbook=./handbook"},
	} {
		code, out, errOut := runCLI(t, nil, append(args, "--data-dir", dataDir)...)
		if code != 0 || !strings.Contains(out, "kb://handbook/rotate.md") {
			t.Errorf("%v: exit %d, want the stored index's result:\n%s%s", args, code, out, errOut)
		}
		if strings.Contains(errOut, "indexed") || strings.Contains(errOut, "skipped") {
			t.Errorf("%v: search indexed the folder:\n%s", args, errOut)
		}
		if args[3] == "handbook" && !strings.Contains(errOut, "--kb handbook is the stored knowledge base handbook, not the folder ./handbook; write --kb ./handbook for the folder") {
			t.Errorf("%v: the name and the folder both exist; want a line saying which was used:\n%s", args, errOut)
		}
	}
	after, err := os.Stat(indexFile)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("search rewrote the index file")
	}
	if _, out, _ := runCLI(t, nil, "search", "zebra", "--kb", "handbook", "--data-dir", dataDir); strings.Contains(out, "new.md") {
		t.Error("search found a file added after indexing: it rebuilt the index")
	}

	// A folder that was never indexed: search says how to index it.
	code, _, errOut = runCLI(t, nil, "search", "notes", "--kb", "./notes", "--data-dir", dataDir)
	if code != 2 || !strings.Contains(errOut, "search reads indexes and does not build them: run knowledge-mcp index ./notes --kb notes --data-dir "+dataDir) {
		t.Errorf("search --kb ./notes: exit %d, %s", code, errOut)
	}
}
