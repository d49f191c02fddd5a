package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
)

// BuildOptions says what to index and where.
type BuildOptions struct {
	// Dir is the folder to index.
	Dir string
	// Name is the knowledge base's name; empty means the folder's name.
	Name string
	// Description is shown in list_knowledge_bases; empty keeps the
	// previous one.
	Description string
	// DataDir holds the index files.
	DataDir string
	// Chunk sizes the chunks; MaxFileBytes skips larger files.
	Chunk        ingest.ChunkOptions
	MaxFileBytes int64
	// Walk narrows which files of Dir are indexed, beyond the ignore
	// files and default rules.
	Walk ingest.WalkOptions
	// Ranking overrides DefaultRanking (for evaluations).
	Ranking *Ranking
	// Progress, when set, is called after each file.
	Progress func(Progress)
	// Logger receives one warning per skipped file; nil discards.
	Logger *slog.Logger
	// Hooks are for tests that stop the build at a chosen point.
	Hooks BuildHooks
}

// BuildHooks let tests interrupt a build the hard way.
type BuildHooks struct {
	// AfterFile runs after the n-th file (from 1) is processed.
	AfterFile func(n int)
	// BeforeRename runs when the new index is written and synced, just
	// before it replaces the old one.
	BeforeRename func()
}

// Progress reports a running build: Path is the file just processed.
type Progress struct {
	Done, Total int
	Path        string
	// Skipped reports that Path was not indexed (BuildStats.Skipped says
	// why).
	Skipped bool
}

// BuildStats summarizes a build.
type BuildStats struct {
	Name      string
	Path      string
	Added     int
	Updated   int
	Unchanged int
	Removed   int
	Skipped   []*ingest.SkipError
	// Ignored are files and folders an ignore rule left out.
	Ignored []ingest.Ignored
	// Warnings are problems in files that were indexed anyway (front
	// matter that is not valid YAML).
	Warnings  []ingest.Warning
	Documents int
	// Formats counts the documents of the index by format (ingest's
	// Format constants).
	Formats map[string]int
	Chunks  int
	// Bytes is the size of the files read.
	Bytes    int64
	Duration time.Duration
	// Previous says why an existing index could not be reused, if it
	// could not.
	Previous string
}

// DefaultName derives a knowledge base name from a folder path.
func DefaultName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	base := filepath.Base(abs)
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	name := strings.TrimLeft(b.String(), "-_.")
	if len(name) > 64 {
		name = name[:64]
	}
	if name == "" {
		name = "kb"
	}
	return name
}

// Build indexes a folder into DataDir/NAME.kbi. It is incremental: files
// whose content and sidecar are unchanged reuse their chunks from the
// previous index, removed files are dropped. The new index is written to a
// temporary file, synced and renamed into place, so an interrupted build
// leaves the previous index intact and a server reading it never sees a
// partial one. Two builds of the same knowledge base do not run at once.
func Build(ctx context.Context, opts BuildOptions) (*BuildStats, error) {
	start := time.Now()
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Name == "" {
		opts.Name = DefaultName(opts.Dir)
	}
	if err := ValidName(opts.Name); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", opts.Dir, err)
	}
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	target := IndexPath(opts.DataDir, opts.Name)
	unlock, err := lockFile(target + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	removeStaleTemps(target)

	stats := &BuildStats{Name: opts.Name, Path: target}
	prev, err := openIndexFile(target)
	switch {
	case err == nil:
		defer prev.closer.Close()
		// The build reuses the previous index's documents and chunk
		// texts, never its postings or terms: let them go now rather
		// than hold them beside the new ones.
		prev.ids, prev.impacts, prev.postStart, prev.terms = nil, nil, nil, nil
		if prev.hdr.Source != dir {
			stats.Previous = fmt.Sprintf("the previous index was built from %s; rebuilding from %s", prev.hdr.Source, dir)
			logger.Warn("knowledge base now indexes another folder", "kb", opts.Name, "previous", prev.hdr.Source, "folder", dir)
		}
	case errors.Is(err, fs.ErrNotExist):
		prev = nil
	default:
		stats.Previous = "the previous index was unreadable and is rebuilt: " + err.Error()
		logger.Warn("previous index unreadable; rebuilding from scratch", "kb", opts.Name, "error", err.Error())
		prev = nil
	}
	ranking := DefaultRanking()
	if opts.Ranking != nil {
		ranking = *opts.Ranking
	}
	// Chunks of unchanged files are reused even when the ranking changed
	// (postings are always recomputed from the chunk texts), but not when
	// documents are now cut differently.
	chunking := opts.Chunk.Effective()
	reuse := true
	if prev != nil && prev.hdr.Chunk != chunking {
		stats.Previous = fmt.Sprintf("chunk size or overlap changed (%d/%d bytes, was %d/%d): every file is cut again",
			chunking.MaxBytes, chunking.OverlapBytes, prev.hdr.Chunk.MaxBytes, prev.hdr.Chunk.OverlapBytes)
		reuse = false
	}
	description := opts.Description
	if description == "" && prev != nil {
		description = prev.hdr.Description
	}

	listing, err := ingest.Walk(dir, opts.Walk)
	if err != nil {
		return nil, err
	}
	for _, s := range listing.Skipped {
		logger.Warn(s.Error())
	}
	files := listing.Files
	stats.Skipped, stats.Ignored = listing.Skipped, listing.Ignored

	w, err := createIndexFile(target)
	if err != nil {
		return nil, err
	}
	defer w.abort()
	w.beforeRename = opts.Hooks.BeforeRename
	b := newBuilder(ranking, w.text)
	seen := map[string]bool{}
	// Reading, parsing and chunking run in parallel; the postings are
	// built in file order by this goroutine.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the readers if the build ends early
	next := prepareFiles(ctx, files, prev, reuse, opts, b.dict, ranking)
	for i, f := range files {
		p := next(i)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		stats.Bytes += p.bytes
		for _, w := range p.warnings {
			logger.Warn(w.String())
		}
		stats.Warnings = append(stats.Warnings, p.warnings...)
		switch {
		case p.err != nil && ingest.IsSkip(p.err):
			logger.Warn(p.err.Error())
			stats.Skipped = append(stats.Skipped, p.err.(*ingest.SkipError))
		case p.err != nil:
			return nil, p.err
		default:
			switch p.status {
			case statusAdded:
				stats.Added++
			case statusUpdated:
				stats.Updated++
			default:
				stats.Unchanged++
			}
			if err := b.addDoc(p.doc, p.chunks); err != nil {
				return nil, err
			}
			seen[f.Path] = true
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Done: i + 1, Total: len(files), Path: f.Path, Skipped: p.err != nil})
		}
		if opts.Hooks.AfterFile != nil {
			opts.Hooks.AfterFile(i + 1)
		}
	}
	if prev != nil {
		for _, d := range prev.docs {
			if !seen[d.Path] {
				stats.Removed++
			}
		}
	}
	// The postings are written from the builder's own, scored in place,
	// rather than copied into the index's arrays first.
	ix, post := b.finishStreamed(header{Format: formatVer, Name: opts.Name, Description: description, Source: dir, BuiltUnix: time.Now().Unix(), Ranking: ranking, Chunk: chunking})
	if err := w.commit(ix, post); err != nil {
		return nil, err
	}
	stats.Documents = len(ix.docs)
	stats.Formats = map[string]int{}
	for _, d := range ix.docs {
		stats.Formats[d.Format]++
	}
	stats.Chunks = len(ix.chunks)
	stats.Duration = time.Since(start)
	return stats, nil
}

const (
	statusAdded = iota
	statusUpdated
	statusUnchanged
)

// preparedFile is a file read, parsed and chunked, ready for the builder.
type preparedFile struct {
	doc    docEntry
	chunks []chunkInput
	status int
	bytes  int64
	// warnings are from parsing, so an unchanged file reused from the
	// previous index has none.
	warnings []ingest.Warning
	err      error
}

// prepareFiles reads, parses, chunks and tokenizes files on several goroutines and
// returns next, which the caller calls for 0, 1, 2… to take them in order.
// At most 64 files are read ahead, which caps memory on large folders.
func prepareFiles(ctx context.Context, files []ingest.File, prev *index, reuse bool, opts BuildOptions, dict *dictionary, r Ranking) (next func(i int) preparedFile) {
	out := make([]chan preparedFile, len(files))
	for i := range out {
		out[i] = make(chan preparedFile, 1)
	}
	workers := min(max(runtime.GOMAXPROCS(0), 2), 8)
	jobs := make(chan int)
	ahead := make(chan struct{}, 64)
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				for j := i; j < len(files); j++ {
					out[j] <- preparedFile{err: ctx.Err()}
				}
				return
			}
			jobs <- i
		}
	}()
	for range workers {
		go func() {
			tok := newTokenizer(dict, r)
			for i := range jobs {
				p := prepareFile(files[i], prev, reuse, opts)
				if p.err == nil {
					tok.analyze(p.chunks)
				}
				out[i] <- p
			}
		}()
	}
	return func(i int) preparedFile {
		p := <-out[i]
		<-ahead // frees a slot for the reader
		return p
	}
}

// prepareFile reads one file, reusing its chunks from prev when its
// content hash is unchanged and reuse is allowed.
func prepareFile(f ingest.File, prev *index, reuse bool, opts BuildOptions) preparedFile {
	content, sidecar, hash, err := ingest.ReadFile(f, ingest.Options{MaxFileBytes: opts.MaxFileBytes})
	if err != nil {
		return preparedFile{err: err}
	}
	p := preparedFile{bytes: int64(len(content)), status: statusAdded}
	if prev != nil {
		if i, ok := prev.byPath[f.Path]; ok {
			old := prev.docs[i]
			if old.Hash == hash && reuse {
				chunks := make([]chunkInput, 0, old.NumChunks)
				for c := old.FirstChunk; c < old.FirstChunk+old.NumChunks; c++ {
					heading, text, err := prev.chunkText(uint32(c))
					if err != nil {
						return preparedFile{err: fmt.Errorf("reuse %s from the previous index: %w", f.Path, err)}
					}
					chunks = append(chunks, chunkInput{heading: heading, text: text, page: prev.chunks[c].Page})
				}
				p.doc, p.chunks, p.status = old, chunks, statusUnchanged
				return p
			}
			p.status = statusUpdated
		}
	}
	doc, err := ingest.Parse(f.Path, content, sidecar, hash)
	if err != nil {
		return preparedFile{bytes: p.bytes, err: err}
	}
	p.doc, p.chunks, p.warnings = docEntryOf(doc), chunksOf(doc, opts.Chunk), doc.Warnings
	return p
}

// docEntryOf copies what the index keeps of a document. The title is
// cloned: it is often a slice of the document's text (its first heading),
// and sharing it would keep every document's whole text alive until the
// index is written.
func docEntryOf(doc *ingest.Document) docEntry {
	return docEntry{Path: doc.Path, Title: strings.Clone(doc.Title), Format: doc.Format, Hash: doc.Hash, Size: doc.Size, Metadata: doc.Metadata}
}

func chunksOf(doc *ingest.Document, opts ingest.ChunkOptions) []chunkInput {
	parts := ingest.Split(doc, opts)
	out := make([]chunkInput, len(parts))
	for i, p := range parts {
		out[i] = chunkInput{heading: p.HeadingPath, text: p.Text, page: int32(p.Page)}
	}
	return out
}

// removeStaleTemps deletes temporary files left by builds that were killed
// (the lock is held, so none is in use).
func removeStaleTemps(target string) {
	matches, _ := filepath.Glob(target + ".tmp-*")
	for _, m := range matches {
		os.Remove(m)
	}
}
