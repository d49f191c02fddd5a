// Package buildinfo reports the version of this build. Version and Commit are
// stamped at link time:
//
//	go build -ldflags "-X github.com/knowledge-mcp/knowledge-mcp/internal/buildinfo.Version=v1.2.3 -X github.com/knowledge-mcp/knowledge-mcp/internal/buildinfo.Commit=abc123"
//
// Without stamping, the module version and VCS revision that the Go toolchain
// recorded are used where present.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Version and Commit are set by -ldflags -X at build time.
var (
	Version = ""
	Commit  = ""
)

// Info describes this build.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
}

// Get returns the build's version, commit and Go version.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && info.Commit == "" {
				info.Commit = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}
