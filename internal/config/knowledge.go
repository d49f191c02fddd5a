package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultRefresh is how often an s3:// index is checked for a new
// version.
const DefaultRefresh = time.Minute

// Backends lists the values of --backend. The first is the default.
var Backends = []string{"local", "bedrock"}

// Knowledge says which knowledge bases to serve and where local indexes
// live.
type Knowledge struct {
	// Backend selects the implementation: "local" (default) or "bedrock".
	Backend string
	// KBs are the local knowledge bases to serve, as given; what each
	// means (a folder, NAME=FOLDER, a name in DataDir, an index file) is
	// decided by the local backend ([local.Options.Sources]). Empty serves
	// the built-in documentation.
	KBs []string
	// DataDir holds local index files (and the copies of s3:// ones).
	DataDir string
	// Refresh is how often an index served from S3 is checked for a new
	// version; 0 never checks after the first copy.
	Refresh time.Duration
	// AwaitRemote makes opening the backend wait for the first attempt to
	// fetch each s3:// index (one-shot commands); a server does not wait
	// and reports the fetch in its readiness instead.
	AwaitRemote bool
	// Bedrock configures --backend bedrock.
	Bedrock Bedrock
}

// AddFlags registers the knowledge-base settings.
func (c *Knowledge) AddFlags(f *FlagSet) {
	f.String(&c.Backend, "backend", "KB_BACKEND", Backends[0], "knowledge-base backend: "+strings.Join(Backends, ", "))
	c.AddLocalFlags(f)
	c.Bedrock.AddFlags(f)
	f.List(&c.KBs, "kb", "KB", nil, "local knowledge bases, comma-separated: a NAME built with 'knowledge-mcp index', a folder written as a path (./docs; serve and stdio index it at start), NAME=FOLDER, an index file (.kbi), or an index in S3 (s3://BUCKET/KEY.kbi or NAME=s3://BUCKET/KEY); none serves the built-in documentation")
	f.Duration(&c.Refresh, "kb-refresh", "KB_REFRESH", DefaultRefresh, "how often to check an s3:// index for a new version (a conditional request); 0 turns it off")
}

// AddLocalFlags registers only the data folder (for index and search).
func (c *Knowledge) AddLocalFlags(f *FlagSet) {
	f.String(&c.DataDir, "data-dir", "KNOWLEDGE_MCP_DATA", DefaultDataDir(), "folder holding local index files (NAME.kbi)")
	f.DocumentDefault("data-dir", "the user cache folder: `~/.cache/knowledge-mcp` on Linux")
}

// Validate checks the settings.
func (c *Knowledge) Validate() error {
	if !slices.Contains(Backends, c.Backend) {
		return fmt.Errorf("backend (KB_BACKEND): unknown %q; use one of %s", c.Backend, strings.Join(Backends, ", "))
	}
	if c.Backend == "bedrock" {
		if len(c.KBs) > 0 {
			return fmt.Errorf("kb (KB): local folders are for --backend local; with --backend bedrock choose knowledge bases with knowledge-base-id (KNOWLEDGE_BASE_IDS)")
		}
		return c.Bedrock.Validate()
	}
	if c.Refresh < 0 {
		return fmt.Errorf("kb-refresh (KB_REFRESH): %s is negative; use a duration such as 60s, or 0 to turn refreshing off", c.Refresh)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return fmt.Errorf("data-dir (KNOWLEDGE_MCP_DATA): empty; give a folder for index files")
	}
	return nil
}

// DefaultDataDir is the per-user cache folder for indexes
// (~/.cache/knowledge-mcp on Linux), or one under the temporary folder
// when the user has no home (as in a scratch container).
func DefaultDataDir() string {
	if dir, err := os.UserCacheDir(); err == nil && dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "knowledge-mcp")
	}
	return filepath.Join(os.TempDir(), "knowledge-mcp")
}
