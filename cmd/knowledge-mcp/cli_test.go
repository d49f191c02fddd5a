package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// A bad flag or variable is one line naming the flag and its variable,
// exit 2, with no usage dump; a flag's value and the variable's get the
// same words.
func TestFlagAndEnvErrorsAreOneLine(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag not a port", nil, []string{"serve", "--port", "abc"}, "knowledge-mcp serve: port (PORT): abc is not a TCP port; use 1-65535 (or 0 for any free port)\n"},
		{"variable not a port", map[string]string{"PORT": "abc"}, []string{"serve"}, "knowledge-mcp serve: port (PORT): abc is not a TCP port; use 1-65535 (or 0 for any free port)\n"},
		{"port out of range", map[string]string{"PORT": "99999"}, []string{"serve"}, "knowledge-mcp serve: port (PORT): 99999 is not a TCP port; use 1-65535 (or 0 for any free port)\n"},
		{"flag port out of range", nil, []string{"serve", "--port", "99999"}, "knowledge-mcp serve: port (PORT): 99999 is not a TCP port; use 1-65535 (or 0 for any free port)\n"},
		{"duration", map[string]string{"DRAIN_TIMEOUT": "soon"}, []string{"serve"}, "knowledge-mcp serve: drain-timeout (DRAIN_TIMEOUT): soon is not a duration such as 30s, 5m or 1h30m\n"},
		{"boolean", nil, []string{"serve", "--metrics=maybe"}, "knowledge-mcp serve: metrics (METRICS): maybe is not true or false\n"},
		{"whole number without a variable", nil, []string{"search", "x", "--max-results", "many"}, "knowledge-mcp search: max-results: many is not a whole number\n"},
		{"unknown flag", nil, []string{"serve", "--prot", "80"}, "knowledge-mcp serve: unknown flag --prot; 'knowledge-mcp serve --help' lists the flags\n"},
		{"missing value", nil, []string{"serve", "--port"}, "knowledge-mcp serve: port (PORT): --port needs a value\n"},
		{"healthcheck port", map[string]string{"PORT": "x"}, []string{"healthcheck"}, "knowledge-mcp healthcheck: port (PORT): x is not a TCP port; use 1-65535 (or 0 for any free port)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.env, tt.args...)
			if code != 2 || out != "" || errOut != tt.want {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant exit 2, nothing on stdout, stderr %q", code, out, errOut, tt.want)
			}
		})
	}
}

// --version and -v work like version; no command prints the command list
// and exits 2; every command refuses arguments it does not take.
func TestCommandLineShape(t *testing.T) {
	_, version, _ := runCLI(t, nil, "version")
	for _, args := range [][]string{{"--version"}, {"-v"}} {
		code, out, errOut := runCLI(t, nil, args...)
		if code != 0 || out != version || !strings.HasPrefix(out, "knowledge-mcp ") {
			t.Errorf("%v: exit %d, %q %q; want what version prints, %q", args, code, out, errOut, version)
		}
	}
	code, out, errOut := runCLI(t, nil)
	if code != 2 || out != "" || !strings.Contains(errOut, "Commands:") || !strings.Contains(errOut, "  remove ") {
		t.Errorf("no command: exit %d, stdout %q, stderr %q; want the command list on stderr and exit 2", code, out, errOut)
	}
	if code, out, _ := runCLI(t, nil, "--help"); code != 0 || !strings.Contains(out, "Commands:") {
		t.Errorf("--help: exit %d %q", code, out)
	}
	dataDir := t.TempDir()
	for _, args := range [][]string{
		{"version", "extra"},
		{"serve", "extra"},
		{"stdio", "extra"},
		{"healthcheck", "extra"},
		{"index", t.TempDir(), "extra"},
		{"verify", "http://127.0.0.1:1/mcp", "extra"},
		{"remove", "a", "b"},
	} {
		code, _, errOut := runCLI(t, nil, append(args, "--data-dir", dataDir)...)
		if args[0] == "version" || args[0] == "healthcheck" || args[0] == "verify" {
			code, _, errOut = runCLI(t, nil, args...)
		}
		if code != 2 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want exit 2 and one line refusing the extra argument", args, code, errOut)
		}
	}
}

// remove deletes a stored knowledge base's index and lock file, and only
// those.
func TestRemoveKnowledgeBase(t *testing.T) {
	folder, dataDir := t.TempDir(), t.TempDir()
	writeFiles(t, folder, map[string]string{"a.md": "# A\n\nalpha\n"})
	if code, _, errOut := runCLI(t, nil, "index", folder, "--kb", "alpha", "--data-dir", dataDir); code != 0 {
		t.Fatalf("index: %s", errOut)
	}
	if code, _, errOut := runCLI(t, nil, "index", folder, "--kb", "beta", "--data-dir", dataDir); code != 0 {
		t.Fatalf("index: %s", errOut)
	}
	for _, p := range []string{local.IndexPath(dataDir, "alpha"), local.IndexPath(dataDir, "alpha") + ".lock"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("before remove: %v", err)
		}
	}
	code, out, errOut := runCLI(t, nil, "remove", "alpha", "--data-dir", dataDir)
	if code != 0 || out != "removed knowledge base \"alpha\" (2 files)\n" {
		t.Fatalf("remove: exit %d %q %q", code, out, errOut)
	}
	entries, _ := os.ReadDir(dataDir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if strings.Join(left, " ") != "beta.kbi beta.kbi.lock" {
		t.Errorf("data folder holds %v; want only beta's files", left)
	}
	if _, err := os.Stat(filepath.Join(folder, "a.md")); err != nil {
		t.Errorf("remove touched the indexed folder: %v", err)
	}
	code, _, errOut = runCLI(t, nil, "remove", "alpha", "--data-dir", dataDir)
	if code != 2 || !strings.Contains(errOut, `"alpha" has no index in `+dataDir+" (stored: beta)") {
		t.Errorf("second remove: exit %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, nil, "search", "alpha", "--kb", "alpha", "--data-dir", dataDir); code != 2 {
		t.Errorf("search after remove: exit %d %s", code, errOut)
	}
}

// A port in use is said once, with what to change, and before any time
// is spent indexing a folder.
func TestServePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	folder, dataDir := t.TempDir(), t.TempDir()
	writeFiles(t, folder, map[string]string{"a.md": "# A\n\nalpha\n"})
	code, _, errOut := runCLI(t, map[string]string{"KB": folder, "KNOWLEDGE_MCP_DATA": dataDir, "LOG_LEVEL": "error"}, "serve", "--port", port)
	want := "knowledge-mcp serve: 127.0.0.1:" + port + " is already in use (is another server running?); choose another port with --port or PORT\n"
	if code != 1 || errOut != want {
		t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errOut, want)
	}
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Errorf("serve indexed the folder before finding the port taken (%d files in the data folder)", len(entries))
	}
}

// search --help lists its own flags before the knowledge-base settings.
func TestSearchHelpOwnFlagsFirst(t *testing.T) {
	code, out, _ := runCLI(t, nil, "search", "--help")
	first := strings.Index(out, "\n  --")
	if code != 0 || first < 0 || !strings.HasPrefix(out[first+1:], "  --max-results") {
		t.Errorf("exit %d; the first flag listed is not --max-results:\n%s", code, out)
	}
}
