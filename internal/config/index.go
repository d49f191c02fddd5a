package config

import (
	"fmt"
	"os"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/s3source"
)

// Index holds the settings of "knowledge-mcp index".
type Index struct {
	// Name is the knowledge base's name; empty: the folder's name.
	Name string
	// Description is shown to agents; empty keeps the previous one.
	Description string
	// Local holds the data folder (Local.DataDir).
	Local        Knowledge
	MaxFileBytes int64
	ChunkBytes   int
	OverlapBytes int
	// Include and Exclude narrow the files read (gitignore-syntax globs).
	Include, Exclude []string
	// DryRun lists what would be read and why anything is left out.
	DryRun bool
	// Quiet prints only the summary.
	Quiet bool
	// Publish (s3://BUCKET/KEY) uploads the index after the build;
	// Validate parses it into PublishTo.
	Publish   string
	PublishTo s3source.Location
}

// AddFlags registers the settings of index.
func (c *Index) AddFlags(f *FlagSet) {
	f.String(&c.Name, "kb", "KB_NAME", "", "knowledge base name (default: the folder's name)")
	f.String(&c.Description, "description", "KB_DESCRIPTION", "", "what the knowledge base holds, shown to agents (default: keep the previous one)")
	c.Local.AddLocalFlags(f)
	f.Int64(&c.MaxFileBytes, "max-file-bytes", "MAX_FILE_BYTES", ingest.DefaultMaxFileBytes, "skip files larger than this")
	f.Int(&c.ChunkBytes, "chunk-bytes", "CHUNK_BYTES", ingest.DefaultChunkBytes, "largest chunk in bytes; chunks follow headings and are cut at paragraphs or sentences")
	f.Int(&c.OverlapBytes, "chunk-overlap", "CHUNK_OVERLAP", ingest.DefaultOverlapBytes, "bytes repeated between consecutive chunks of one section (-1 for none)")
	f.List(&c.Include, "include", "", nil, `index only files matching these globs, comma-separated, gitignore syntax ("*.md", "docs/**")`)
	f.List(&c.Exclude, "exclude", "", nil, `leave out files and folders matching these globs, comma-separated, gitignore syntax ("drafts/", "*.tmp.md")`)
	f.Bool(&c.DryRun, "dry-run", "", false, "list what would be read and why anything is left out; write nothing")
	f.Bool(&c.Quiet, "quiet", "", false, "print only the summary")
	f.String(&c.Publish, "publish", "KB_PUBLISH", "", "after indexing, upload the index to s3://BUCKET/KEY.kbi (one atomic PUT; AWS credentials and region from the standard AWS environment)")
}

// Validate checks the settings for indexing folder dir and returns the
// build's options (without Progress, Logger and Hooks, which the caller
// sets).
func (c *Index) Validate(dir string) (local.BuildOptions, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return local.BuildOptions{}, fmt.Errorf("%s is not a folder", dir)
	}
	if c.Name != "" {
		if err := local.ValidName(c.Name); err != nil {
			return local.BuildOptions{}, err
		}
	}
	if c.ChunkBytes < 200 {
		return local.BuildOptions{}, fmt.Errorf("chunk-bytes (CHUNK_BYTES): %d is too small; use 200 or more", c.ChunkBytes)
	}
	if c.MaxFileBytes <= 0 {
		return local.BuildOptions{}, fmt.Errorf("max-file-bytes (MAX_FILE_BYTES): must be positive")
	}
	walk := ingest.WalkOptions{Include: c.Include, Exclude: c.Exclude}
	if err := walk.Validate(); err != nil {
		return local.BuildOptions{}, err
	}
	if c.Publish != "" {
		loc, err := s3source.ParseURL(c.Publish)
		if err != nil {
			return local.BuildOptions{}, fmt.Errorf("publish (KB_PUBLISH): %w", err)
		}
		c.PublishTo = loc
	}
	return local.BuildOptions{
		Dir: dir, Name: c.Name, Description: c.Description, DataDir: c.Local.DataDir,
		Chunk:        ingest.ChunkOptions{MaxBytes: c.ChunkBytes, OverlapBytes: c.OverlapBytes},
		MaxFileBytes: c.MaxFileBytes,
		Walk:         walk,
	}, nil
}
