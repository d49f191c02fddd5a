package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/s3source"
	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

// s3Environment starts gofakes3 on loopback with bucket "team-docs" and
// returns the environment a knowledge-mcp process needs to use it.
func s3Environment(t *testing.T) []string {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	none := filepath.Join(t.TempDir(), "none")
	env := []string{"AWS_REGION=eu-west-1", "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=" + none, "AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_S3=" + srv.URL, "AWS_PROFILE=", "AWS_SESSION_TOKEN="}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	client, err := s3source.NewClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("team-docs")}); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestServeFromS3 publishes with "index --publish", serves with
// "serve --kb s3://…" before the object exists (started, not ready, the
// reason naming the bucket and key), becomes ready when it is published,
// and answers from a republished version without a restart.
func TestServeFromS3(t *testing.T) {
	env := s3Environment(t)
	folder := t.TempDir()
	writeFiles(t, folder, map[string]string{"leave.md": "# Leave\n\nAnnual leave is twenty-five days.\n"})
	index := func() string {
		t.Helper()
		cmd := exec.Command(testbin.Path(t), "index", folder, "--kb", "handbook", "--publish", "s3://team-docs/prod/handbook.kbi", "--quiet")
		cmd.Env = append(os.Environ(), append(env, "KNOWLEDGE_MCP_DATA="+t.TempDir())...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("index --publish: %v\n%s", err, out)
		}
		if !regexp.MustCompile(`published s3://team-docs/prod/handbook\.kbi: \d+ bytes, ETag "[0-9a-f]+"`).Match(out) {
			t.Fatalf("index --publish printed:\n%s\nwant the size and ETag", out)
		}
		return string(out)
	}

	notes := t.TempDir()
	writeFiles(t, notes, map[string]string{"n.md": "# Notes\n\nLocal notes sit beside the S3 index.\n"})
	// An S3 index mixed with a local folder.
	srv := testbin.Start(t, append(env, "KNOWLEDGE_MCP_DATA="+t.TempDir(), "KB_REFRESH=100ms"), "--kb", "s3://team-docs/prod/handbook.kbi,notes="+notes)
	if resp, _ := testbin.Call(t, "GET", srv.URL+"/healthz", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d before the object exists, want 200", resp.StatusCode)
	}
	// Not ready from the start; once the first attempt is over, the
	// reason is S3's answer.
	waitFor(t, "the first attempt", func() bool {
		resp, body := testbin.Call(t, "GET", srv.URL+"/readyz", "")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "s3://team-docs/prod/handbook.kbi") {
			t.Fatalf("/readyz before the object exists = %d %s; want 503 naming the bucket and key", resp.StatusCode, body)
		}
		return strings.Contains(string(body), "NoSuchKey")
	})

	index()
	waitFor(t, "ready", func() bool {
		resp, _ := testbin.Call(t, "GET", srv.URL+"/readyz", "")
		return resp.StatusCode == http.StatusOK
	})
	cs, ctx := connect(t, srv.URL)
	search := func() string {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "search_knowledge_base", Arguments: map[string]any{"query": "annual leave"}})
		if err != nil || res.IsError {
			t.Fatalf("search: %v %+v", err, res)
		}
		data, _ := json.Marshal(res.StructuredContent)
		return string(data)
	}
	if got := search(); !strings.Contains(got, "twenty-five days") {
		t.Fatalf("search: %s", got)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "search_knowledge_base", Arguments: map[string]any{"query": "local notes"}})
	if data, _ := json.Marshal(res.StructuredContent); err != nil || res.IsError || !strings.Contains(string(data), "kb://notes/") {
		t.Fatalf("search of the local folder beside the S3 index: %v %+v", err, res)
	}

	writeFiles(t, folder, map[string]string{"leave.md": "# Leave\n\nAnnual leave is thirty days.\n"})
	index()
	waitFor(t, "the new version", func() bool { return strings.Contains(search(), "thirty days") })
	if !strings.Contains(srv.Stderr(), "index downloaded from S3") {
		t.Errorf("the server did not log the download:\n%s", srv.Stderr())
	}
}

// TestIndexPublishBadURL: a bad --publish is refused before anything is
// indexed.
func TestIndexPublishBadURL(t *testing.T) {
	cmd := exec.Command(testbin.Path(t), "index", t.TempDir(), "--publish", "s3://Bad_Bucket/x.kbi")
	cmd.Env = append(os.Environ(), "KNOWLEDGE_MCP_DATA="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "bucket name") || strings.Contains(string(out), "indexed") {
		t.Fatalf("index --publish with a bad bucket: %v\n%s", err, out)
	}
}

// waitFor polls cond until it holds; the test's own deadline bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
