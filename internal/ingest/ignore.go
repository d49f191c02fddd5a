package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// IgnoreFile is the name of the ignore file of our own: gitignore syntax,
// read in every folder like .gitignore, and applied after it, so it can
// also take back what .gitignore or the default rules leave out
// ("!vendor/").
const IgnoreFile = ".kbignore"

// defaultIgnores are left out of every walk unless an ignore file takes
// them back: hidden files and folders (".git", ".venv", ".env") and the
// folders package managers and tools fill with other people's files.
var defaultIgnores = []struct{ pattern, why string }{
	{".*", "hidden"},
	{"node_modules/", "dependency folder"},
	{"vendor/", "dependency folder"},
	{"__pycache__/", "build output"},
}

// WalkOptions narrow what [Walk] lists beyond .gitignore, .kbignore and
// the default rules.
type WalkOptions struct {
	// Include, when not empty, keeps only the files matching at least one
	// of these globs (gitignore syntax: "*.md" matches at any depth,
	// "docs/**" under the top folder docs).
	Include []string
	// Exclude leaves out files and folders matching any of these globs
	// (gitignore syntax); it wins over every ignore file.
	Exclude []string
}

// Validate reports a glob that can never match because it is malformed,
// or a negated one ("!x"), which means nothing on a command line.
func (o WalkOptions) Validate() error {
	check := func(flag string, globs []string) error {
		for _, g := range globs {
			switch {
			case strings.TrimSpace(g) == "":
				return fmt.Errorf("--%s: empty glob", flag)
			case strings.HasPrefix(g, "!"):
				return fmt.Errorf("--%s %q: a glob here cannot start with \"!\"; to take back a left-out path, write it in %s", flag, g, IgnoreFile)
			}
			for part := range strings.SplitSeq(strings.Trim(g, "/"), "/") {
				if _, err := path.Match(strings.ReplaceAll(part, "**", "*"), ""); err != nil {
					return fmt.Errorf("--%s %q: not a valid glob: %v", flag, g, err)
				}
			}
		}
		return nil
	}
	if err := check("include", o.Include); err != nil {
		return err
	}
	return check("exclude", o.Exclude)
}

// Ignored is a file or folder [Walk] left out on purpose.
type Ignored struct {
	// Path is slash-separated, relative to the folder.
	Path string
	// Dir reports a folder: nothing under it was looked at.
	Dir bool
	// Reason names the rule: `.gitignore:3 "*.log"`, "hidden (default)",
	// `--exclude "drafts/"`, "not matched by --include".
	Reason string
}

// rule is one ignore pattern and where it was written.
type rule struct {
	pattern gitignore.Pattern
	source  string // ".gitignore:3 \"*.log\"", "hidden (default)"
}

// ignorer decides what a walk leaves out, with git's rules: patterns are
// tried from the last to the first, the first that matches decides, and
// an ignore file in a folder applies to that folder and below and comes
// after (wins over) those of the folders above it.
type ignorer struct {
	rules    []rule // in increasing priority
	excludes []rule // --exclude, above every ignore file
	includes []gitignore.Pattern
}

func newIgnorer(opts WalkOptions) *ignorer {
	ig := &ignorer{}
	for _, d := range defaultIgnores {
		ig.rules = append(ig.rules, rule{gitignore.ParsePattern(d.pattern, nil), d.why + " (default)"})
	}
	for _, g := range opts.Exclude {
		ig.excludes = append(ig.excludes, rule{gitignore.ParsePattern(g, nil), fmt.Sprintf("--exclude %q", g)})
	}
	for _, g := range opts.Include {
		ig.includes = append(ig.includes, gitignore.ParsePattern(g, nil))
	}
	return ig
}

// readDir adds the rules of the ignore files in the folder rel ("" for
// the top) found at dir on disk. A missing file is no error.
func (ig *ignorer) readDir(dir, rel string) error {
	var domain []string
	if rel != "" {
		domain = strings.Split(rel, "/")
	}
	for _, name := range []string{".gitignore", IgnoreFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("ignore file %s: %w", path.Join(rel, name), err)
		}
		ig.rules = append(ig.rules, parseIgnoreFile(data, path.Join(rel, name), domain)...)
	}
	return nil
}

// parseIgnoreFile reads gitignore syntax: one pattern a line, blank lines
// and lines starting with "#" ignored.
func parseIgnoreFile(data []byte, name string, domain []string) []rule {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var rules []rule
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		rules = append(rules, rule{gitignore.ParsePattern(line, domain), fmt.Sprintf("%s:%d %q", name, n, strings.TrimRight(line, " "))})
	}
	return rules
}

// match returns why rel is left out, or "" when it is kept.
func (ig *ignorer) match(rel string, isDir bool) string {
	parts := strings.Split(rel, "/")
	for _, r := range ig.excludes {
		if r.pattern.Match(parts, isDir) == gitignore.Exclude {
			return r.source
		}
	}
rules:
	for i := len(ig.rules) - 1; i >= 0; i-- {
		switch ig.rules[i].pattern.Match(parts, isDir) {
		case gitignore.Exclude:
			return ig.rules[i].source
		case gitignore.Include:
			break rules
		}
	}
	if !isDir && len(ig.includes) > 0 {
		for _, p := range ig.includes {
			if p.Match(parts, false) == gitignore.Exclude {
				return ""
			}
		}
		return "not matched by --include"
	}
	return ""
}
