package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
)

// runCLI runs the command in-process and returns its exit status and output.
func runCLI(t *testing.T, envVars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &environment{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return envVars[k] }}
	code := run(context.Background(), env, args)
	return code, stdout.String(), stderr.String()
}

// TestIndexHelperProcess is not a test: it runs "knowledge-mcp ARGS" in a
// subprocess for TestIndexCrashSafety.
func TestIndexHelperProcess(t *testing.T) {
	if os.Getenv("KMCP_HELPER") != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	env := &environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, indexHooks: killHooks(os.Getenv(testKillEnv))}
	os.Exit(run(context.Background(), env, args))
}

// testKillEnv makes the "index" of TestIndexHelperProcess kill itself hard
// at a chosen point, so tests can prove that an interrupted build leaves the
// previous index usable: "files:N" after the N-th file, "rename" after the
// new file is written but before it replaces the old one.
const testKillEnv = "KNOWLEDGE_MCP_TEST_KILL"

// killHooks turns a KNOWLEDGE_MCP_TEST_KILL value into build hooks that
// SIGKILL this process.
func killHooks(spec string) local.BuildHooks {
	kill := func() {
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			p.Kill() // SIGKILL where there are signals
		}
		select {} // never returns
	}
	switch {
	case spec == "rename":
		return local.BuildHooks{BeforeRename: kill}
	case strings.HasPrefix(spec, "files:"):
		n, err := strconv.Atoi(strings.TrimPrefix(spec, "files:"))
		if err != nil {
			return local.BuildHooks{}
		}
		return local.BuildHooks{AfterFile: func(done int) {
			if done >= n {
				kill()
			}
		}}
	}
	return local.BuildHooks{}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIndexCrashSafety kills "index" hard, in a real subprocess, midway
// through the files and again just before the rename: the previous index
// must still answer, and the next run must succeed.
func TestIndexCrashSafety(t *testing.T) {
	dir, dataDir := t.TempDir(), t.TempDir()
	files := map[string]string{}
	for i := range 20 {
		files[filepath.Join("notes", string(rune('a'+i))+".md")] = "# Note\n\nThe walrus protocol, part " + string(rune('a'+i)) + ".\n"
	}
	writeFiles(t, dir, files)
	if code, out, errOut := runCLI(t, nil, "index", dir, "--kb", "notes", "--data-dir", dataDir); code != 0 {
		t.Fatalf("first index: %d %s %s", code, out, errOut)
	}
	writeFiles(t, dir, map[string]string{"new.md": "# New\n\nThe zebra protocol.\n", "notes/a.md": "# Changed\n\nThe okapi protocol.\n"})

	for _, kill := range []string{"files:5", "rename"} {
		t.Run(kill, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestIndexHelperProcess$", "--", "index", dir, "--kb", "notes", "--data-dir", dataDir)
			cmd.Env = append(os.Environ(), "KMCP_HELPER=1", testKillEnv+"="+kill)
			out, err := cmd.CombinedOutput()
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) {
				t.Fatalf("index was not killed: %v\n%s", err, out)
			}
			if ws, ok := exitErr.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("index ended with %v, want death by SIGKILL\n%s", err, out)
			}
			if kill == "rename" {
				tmps, _ := filepath.Glob(filepath.Join(dataDir, "notes.kbi.tmp-*"))
				if len(tmps) == 0 {
					t.Errorf("no temporary file left: the kill came too early to prove anything")
				}
			}
			store := local.NewStore(nil)
			defer store.Close()
			if err := store.AddIndexFile("notes", local.IndexPath(dataDir, "notes"), ""); err != nil {
				t.Fatal(err)
			}
			if err := store.Ready(context.Background()); err != nil {
				t.Fatalf("old index unusable after the crash: %v", err)
			}
			res, err := store.Search(context.Background(), kb.Query{Text: "walrus protocol", MaxResults: 100})
			if err != nil || len(res.Results) != 20 {
				t.Fatalf("old index: %d results, %v", len(res.Results), err)
			}
			if res, _ := store.Search(context.Background(), kb.Query{Text: "zebra"}); len(res.Results) != 0 {
				t.Errorf("half-built index visible: zebra found")
			}
		})
	}
	code, out, errOut := runCLI(t, nil, "index", dir, "--kb", "notes", "--data-dir", dataDir)
	if code != 0 {
		t.Fatalf("index after crashes: %d %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "1 added, 1 updated, 19 unchanged, 0 removed") {
		t.Errorf("summary: %s", out)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dataDir, "*.tmp-*")); len(tmps) != 0 {
		t.Errorf("stale temporary files left: %v", tmps)
	}
	code, out, _ = runCLI(t, nil, "search", "zebra protocol", "--kb", "notes", "--data-dir", dataDir)
	if code != 0 || !strings.Contains(out, "kb://notes/new.md") {
		t.Errorf("search after recovery: %d\n%s", code, out)
	}
}

func TestIndexAndSearchCLI(t *testing.T) {
	dir, dataDir := t.TempDir(), t.TempDir()
	writeFiles(t, dir, map[string]string{
		"guide.md":               "---\nteam: ops\n---\n# Guide\n\n## Health checks\n\nPoint the target group at /healthz.\n",
		"other.md":               "# Other\n\nHealth of the team.\n",
		"manual.pdf":             "%PDF-1.4",
		"other.md.metadata.json": `{"metadataAttributes":{"team":"people"}}`,
	})
	code, out, errOut := runCLI(t, nil, "index", dir, "--kb", "guide", "--description", "Ops guide", "--data-dir", dataDir)
	if code != 0 {
		t.Fatalf("index: %d %s", code, errOut)
	}
	for _, want := range []string{"2 added, 0 updated, 0 unchanged, 0 removed, 1 skipped", "2 documents"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "skipped: manual.pdf: corrupt or truncated PDF") {
		t.Errorf("no PDF skip line:\n%s", errOut)
	}
	for _, want := range []string{"documents by format: 2 markdown", "skipped by reason: 1 corrupt or truncated PDF"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "3/3 files read (last: other.md)") {
		t.Errorf("no plain progress lines off a terminal:\n%s", errOut)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"search", "health checks target group", "--kb", "guide"}, 0, "1. Guide › Health checks\n   kb://guide/guide.md"},
		{[]string{"search", "health", "--kb", "guide", "--filter", `{"equals":{"key":"team","value":"people"}}`, "--json"}, 0, `"uri": "kb://guide/other.md"`},
		{[]string{"search", "health", "--kb", "guide", "--filter", `{"greaterThan":{"key":"team","value":"x"}}`}, 2, `key "team" needs a number`},
		{[]string{"search", "health", "--kb", "missing"}, 2, "known: guide"},
		{[]string{"search", "", "--kb", "guide"}, 2, "want a QUERY"},
		{[]string{"search", "health", "--kb", "guide", "--max-results", "500"}, 2, "knowledge-mcp search: --max-results 500: use a number from 1 to 100\n"},
		{[]string{"search", "health", "--kb", "guide", "--filter", `{"equals":{"key":1}}`}, 2, "knowledge-mcp search: --filter: equals.key: "},
		{[]string{"index"}, 2, "want one FOLDER"},
		{[]string{"index", dir, "--kb", "../x"}, 2, "knowledge base name"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append(tt.args, "--data-dir", dataDir)
			code, out, errOut := runCLI(t, nil, args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
}

func TestSearchBuiltInDocs(t *testing.T) {
	for _, tt := range []struct{ query, want string }{
		{"CloudFront answers 504 gateway timeout", "P1:"},
		{"browser blocks mixed content", "P2:"},
		{"ECS tasks are restarted forever health check", "P3:"},
		{"exec format error", "P4:"},
		{"AccessDeniedException bedrock Retrieve credentials", "P5:"},
		{"Network Error CORS preflight", "P6:"},
		{"reachable around the load balancer security groups", "P7:"},
		{"works on one task fails on two session", "P8:"},
		{"server open to the internet authentication", "P9:"},
		{"how do I index my own folder", "Index your own folder"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, "search", tt.query, "--max-results", "1")
			if code != 0 || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d; top result lacks %q:\n%s%s", code, tt.want, out, errOut)
			}
		})
	}
}

func TestSkipKindAndCounts(t *testing.T) {
	reasons := map[string]int{}
	for _, r := range []string{
		"corrupt or truncated PDF: not a PDF file: missing %%EOF",
		"corrupt or truncated PDF: malformed PDF: xref",
		"PDF has no text layer (3 pages of images, a scan?); run OCR on it first",
		"legacy Word .doc; save it as .docx to index it",
		"sidecar a.md.metadata.json: not valid JSON",
		"sidecar b.md.metadata.json: not valid JSON",
	} {
		reasons[skipKind(r)]++
	}
	want := "2 bad metadata sidecar, 2 corrupt or truncated PDF, 1 PDF has no text layer, 1 legacy Word .doc"
	if got := countList(reasons); got != want {
		t.Errorf("countList = %q\nwant       %q", got, want)
	}
}
