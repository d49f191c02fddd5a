package stack_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/deploy/stack"
)

// TestDocsFoldersServedFromS3: -c docs builds each folder's index into a
// private, encrypted, versioned, TLS-only bucket at a stable key; the
// task role may read exactly those objects and nothing of Bedrock; the
// task serves them with --kb s3://… (KB) and a refresh interval.
func TestDocsFoldersServedFromS3(t *testing.T) {
	s := synth(t, docsFolders)
	if got := []string{s.cfg.Docs[0].Name, s.cfg.Docs[1].Name}; !slices.Equal(got, []string{"handbook", "faq"}) || s.cfg.Backend != "local" {
		t.Fatalf("docs parsed as %+v, backend %s", s.cfg.Docs, s.cfg.Backend)
	}
	var bucket resource
	for _, b := range s.resources("AWS::S3::Bucket") {
		if strings.HasPrefix(b.id, "DocsBucket") {
			bucket = b
		}
	}
	if bucket.id == "" {
		t.Fatal("no docs bucket")
	}
	assert(t, "the bucket is private, encrypted and versioned", func() {
		pab := js(bucket.props["PublicAccessBlockConfiguration"])
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if !strings.Contains(pab, `"`+k+`":true`) {
				t.Errorf("public access block lacks %s: %s", k, pab)
			}
		}
		if got := js(path(bucket.props, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm")); got != `"AES256"` {
			t.Errorf("encryption %s, want AES256 (SSE-S3)", got)
		}
		if got := js(path(bucket.props, "VersioningConfiguration", "Status")); got != `"Enabled"` {
			t.Errorf("versioning %s", got)
		}
		if !contains(bucket.props["LifecycleConfiguration"], "NoncurrentVersionExpiration") {
			t.Errorf("old index versions are kept forever: %s", js(bucket.props["LifecycleConfiguration"]))
		}
		if js(bucket.raw["DeletionPolicy"]) != `"Retain"` {
			t.Errorf("DeletionPolicy %s", js(bucket.raw["DeletionPolicy"]))
		}
	})
	assert(t, "the bucket policy refuses requests without TLS and grants no one", func() {
		var policy resource
		for _, p := range s.resources("AWS::S3::BucketPolicy") {
			if ref(p.props["Bucket"]) == bucket.id {
				policy = p
			}
		}
		stmts := list(path(policy.props, "PolicyDocument", "Statement"))
		if len(stmts) == 0 {
			t.Fatal("no bucket policy")
		}
		tlsOnly := false
		for _, st := range stmts {
			if js(path(st, "Effect")) != `"Deny"` {
				t.Errorf("the bucket policy allows something: %s", js(st))
			}
			if js(path(st, "Condition", "Bool", "aws:SecureTransport")) == `"false"` {
				tlsOnly = true
			}
		}
		if !tlsOnly {
			t.Errorf("no deny of aws:SecureTransport=false: %s", js(stmts))
		}
	})
	td := s.one(t, "AWS::ECS::TaskDefinition")
	taskRole, execRole := ref(td.props["TaskRoleArn"]), ref(td.props["ExecutionRoleArn"])
	assert(t, "the task role reads exactly the two index objects, and nothing else", func() {
		stmts := policyStatements(s, taskRole)
		if len(stmts) != 1 {
			t.Fatalf("task role statements %s, want one", js(stmts))
		}
		if got := actions(stmts[0]); !slices.Equal(got, []string{"s3:GetObject"}) || js(path(stmts[0], "Effect")) != `"Allow"` {
			t.Errorf("task role actions %v", got)
		}
		res := list(path(stmts[0], "Resource"))
		if len(res) != 2 || !contains(res[0], bucket.id) || !contains(res[0], `"/indexes/handbook.kbi"`) || !contains(res[1], `"/indexes/faq.kbi"`) {
			t.Errorf("task role resources %s, want the bucket's indexes/handbook.kbi and indexes/faq.kbi", js(res))
		}
		if contains(res, "*") {
			t.Errorf("a wildcard in the task role's resources: %s", js(res))
		}
		if hasAction(policyStatements(s, execRole), "s3:") {
			t.Errorf("the execution role has S3 rights: %s", js(policyStatements(s, execRole)))
		}
		for _, p := range s.resources("AWS::IAM::Policy") {
			if contains(p.props, "bedrock:") {
				t.Errorf("policy %s grants Bedrock rights in docs mode", p.id)
			}
		}
	})
	assert(t, "the task serves the indexes from S3 and refreshes them", func() {
		env := s.env(t)
		kb := js(env["KB"])
		for _, want := range []string{`"handbook=s3://"`, `{"Ref":"` + bucket.id + `"}`, `"/indexes/handbook.kbi,faq=s3://"`, `"/indexes/faq.kbi"`} {
			if !strings.Contains(kb, want) {
				t.Errorf("KB %s lacks %s", kb, want)
			}
		}
		if js(env["KB_REFRESH"]) != `"60s"` || js(env["KB_BACKEND"]) != `"local"` || js(env["KNOWLEDGE_MCP_DATA"]) != `"/tmp/knowledge-mcp"` {
			t.Errorf("KB_REFRESH %s, KB_BACKEND %s, KNOWLEDGE_MCP_DATA %s", js(env["KB_REFRESH"]), js(env["KB_BACKEND"]), js(env["KNOWLEDGE_MCP_DATA"]))
		}
	})
	assert(t, "the indexes are deployed to stable keys before the service starts", func() {
		dep := s.one(t, "Custom::CDKBucketDeployment")
		if ref(dep.props["DestinationBucketName"]) != bucket.id || js(dep.props["DestinationBucketKeyPrefix"]) != `"indexes/"` || js(dep.props["Prune"]) != "true" {
			t.Errorf("bucket deployment %s", js(dep.props))
		}
		svc := s.one(t, "AWS::ECS::Service")
		if !contains(svc.raw["DependsOn"], dep.id) {
			t.Errorf("the service does not wait for the indexes: DependsOn %s", js(svc.raw["DependsOn"]))
		}
	})
	assert(t, "the asset holds both indexes; the task definition does not name it", func() {
		found := 0
		for hash, a := range path(s.assets, "files").(map[string]any) {
			dir := filepath.Join(s.outdir, path(a, "source", "path").(string))
			h, errH := os.ReadFile(filepath.Join(dir, "handbook.kbi"))
			f, errF := os.ReadFile(filepath.Join(dir, "faq.kbi"))
			if errH != nil || errF != nil {
				continue
			}
			found++
			if !strings.HasPrefix(string(h), "KBIDX") || !strings.HasPrefix(string(f), "KBIDX") {
				t.Errorf("asset %s holds files that are not indexes", hash)
			}
			if contains(td.props, hash) {
				t.Errorf("the task definition names the index asset %s: every edit would replace the tasks", hash)
			}
		}
		if found != 1 {
			t.Errorf("%d assets hold the two indexes, want 1", found)
		}
	})
}

func TestParseDocs(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "team-handbook")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	get := func(ctx map[string]any) stack.Getter {
		return func(k string) (any, bool) { v, ok := ctx[k]; return v, ok }
	}
	noEnv := func(string) string { return "" }
	cfg, err := stack.Parse(get(map[string]any{"region": "us-east-1", "docs": folder}), noEnv)
	if err != nil || len(cfg.Docs) != 1 || cfg.Docs[0].Name != "team-handbook" || cfg.Docs[0].Dir != folder || cfg.Backend != "local" {
		t.Fatalf("Parse(docs=%s) = %+v, %v", folder, cfg.Docs, err)
	}
	for _, tc := range []struct {
		ctx  map[string]any
		want string
	}{
		{map[string]any{"docs": filepath.Join(dir, "missing")}, "is not a folder"},
		{map[string]any{"docs": "bad name=" + folder}, `"bad name" is not a knowledge base name`},
		{map[string]any{"docs": folder + "," + folder}, "given twice"},
		{map[string]any{"docs": folder, "knowledgeBaseIds": "KB12345678"}, "served by the local backend"},
	} {
		tc.ctx["region"] = "us-east-1"
		_, err := stack.Parse(get(tc.ctx), noEnv)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "-c docs") {
			t.Errorf("Parse(%v) = %v; want an error about -c docs saying %q", tc.ctx, err, tc.want)
		}
	}
}

// TestDocsTemplateVerified: the doctor's static check finds the task's
// s3:// indexes in the synthesized template and passes them: the task role
// reads each object, and the bucket is private.
func TestDocsTemplateVerified(t *testing.T) {
	s := synth(t, docsFolders)
	data, err := json.Marshal(s.template)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "template.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(serverBinary(t), "verify", "--template", file, "--json").CombinedOutput()
	if err != nil {
		t.Fatalf("verify --template: %v\n%s", err, out)
	}
	var report struct {
		Checks []struct {
			ID       string   `json:"id"`
			Status   string   `json:"status"`
			Evidence []string `json:"evidence"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, c := range report.Checks {
		if c.ID != "s3-indexes" {
			continue
		}
		text := strings.Join(c.Evidence, "\n")
		if !strings.EqualFold(c.Status, "pass") || !strings.Contains(text, "/indexes/handbook.kbi") || !strings.Contains(text, "/indexes/faq.kbi") || !strings.Contains(text, "blocks all public access") {
			t.Fatalf("s3-indexes: %s\n%s", c.Status, text)
		}
		return
	}
	t.Fatalf("no s3-indexes check in the report:\n%s", out)
}
