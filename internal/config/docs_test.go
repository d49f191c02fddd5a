package config

import (
	"os"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/golden"
)

var update = golden.Update

// docTables are the configuration tables of docs/, each generated from the
// flag definitions so that it cannot drift from --help.
var docTables = []struct {
	file, name string
	flags      func(*FlagSet)
	skip       func(*FlagSet) func(string) bool
}{
	{
		file: "../../docs/configuration.md", name: "serve",
		// serve's own settings: the edge and Bedrock have their pages.
		flags: func(f *FlagSet) {
			var c Serve
			c.HTTP.AddFlags(f)
			c.Log.AddFlags(f)
			c.Knowledge.AddFlags(f)
			c.Runtime.AddFlags(f)
			c.Console.AddFlags(f)
		},
		skip: func(*FlagSet) func(string) bool {
			bedrock := NewFlagSet("bedrock", "", nil)
			var b Bedrock
			b.AddFlags(bedrock)
			return func(name string) bool {
				for _, e := range bedrock.entries {
					if e.name == name {
						return true
					}
				}
				return false
			}
		},
	},
	{file: "../../docs/edge.md", name: "edge", flags: func(f *FlagSet) { var c Edge; c.AddFlags(f) }},
	{file: "../../docs/bedrock.md", name: "bedrock", flags: func(f *FlagSet) { var c Bedrock; c.AddFlags(f) }},
}

// TestDocsConfigurationTables checks the configuration tables in docs/
// against the flag definitions; -update rewrites them.
func TestDocsConfigurationTables(t *testing.T) {
	for _, tc := range docTables {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFlagSet(tc.name, "", nil)
			tc.flags(f)
			var skip func(string) bool
			if tc.skip != nil {
				skip = tc.skip(f)
			}
			var table strings.Builder
			f.WriteMarkdown(&table, skip)
			begin := "<!-- BEGIN GENERATED: " + tc.name + " settings (go test ./internal/config -update) -->\n"
			end := "<!-- END GENERATED: " + tc.name + " settings -->"
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			doc := string(data)
			i, j := strings.Index(doc, begin), strings.Index(doc, end)
			if i < 0 || j < i {
				t.Fatalf("%s lacks the markers %q … %q", tc.file, begin, end)
			}
			want := doc[:i+len(begin)] + table.String() + doc[j:]
			if want == doc {
				return
			}
			if !*update {
				t.Fatalf("%s: the %s settings table is stale; run: go test ./internal/config -update (then go generate ./docs)\n--- want ---\n%s", tc.file, tc.name, table.String())
			}
			if err := os.WriteFile(tc.file, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Every setting of serve is in exactly one generated table.
func TestDocsTablesCoverServe(t *testing.T) {
	var c Serve
	all := NewFlagSet("serve", "", nil)
	c.AddFlags(all)
	seen := map[string]int{}
	for _, tc := range docTables {
		f := NewFlagSet(tc.name, "", nil)
		tc.flags(f)
		var skip func(string) bool
		if tc.skip != nil {
			skip = tc.skip(f)
		}
		for _, e := range f.entries {
			if skip == nil || !skip(e.name) {
				seen[e.name]++
			}
		}
	}
	for _, e := range all.entries {
		if seen[e.name] != 1 {
			t.Errorf("--%s is in %d generated tables, want 1", e.name, seen[e.name])
		}
	}
}
