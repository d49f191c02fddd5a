package template

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/verify"
)

func checkFile(t *testing.T, name string) *verify.Report {
	t.Helper()
	r, err := CheckFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("CheckFile(%s): %v", name, err)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b, false); err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", b.String())
	return r
}

// TestGoodTemplatePasses: the template that avoids every pitfall passes
// every check without a warning.
func TestGoodTemplatePasses(t *testing.T) {
	r := checkFile(t, "good.yaml")
	if len(r.Checks) != 12 {
		t.Fatalf("%d checks, want 12", len(r.Checks))
	}
	for _, c := range r.Checks {
		if c.ID == "agentcore-runtime" && c.Status == verify.Skip { // an ECS template
			continue
		}
		if c.ID == "s3-indexes" && c.Status == verify.Skip { // good.yaml serves no S3 index
			continue
		}
		if c.Status != verify.Pass {
			t.Errorf("check %s: %s (%s), want pass", c.ID, c.Status, c.Summary)
		}
	}
	if !r.OK || r.Failed() {
		t.Errorf("OK=%v Failed=%v, want a passing report", r.OK, r.Failed())
	}
}

// TestFlawedTemplates: each template with one flaw yields its check's
// status and diagnosis, and fails the run when the flaw is a failure.
func TestFlawedTemplates(t *testing.T) {
	tests := []struct {
		file    string
		check   string
		status  verify.Status
		pattern string
		pitfall string
		summary string // a fragment of the check's summary
	}{
		{"p1-https-origin.json", "origin-protocol", verify.Fail, "template-origin-protocol", "P1", "no HTTPS listener"},
		{"p1-port-mismatch.yaml", "origin-protocol", verify.Fail, "template-origin-protocol", "P1", "HTTPPort 8080"},
		{"p2-allow-all.yaml", "viewer-protocol", verify.Fail, "template-viewer-protocol", "P2", "allow-all"},
		{"p2-allow-all.yaml", "allowed-methods", verify.Fail, "template-allowed-methods", "P6", "POST, OPTIONS"},
		{"p2-allow-all.yaml", "cache-policy", verify.Warn, "template-cache-policy", "", "not CachingDisabled"},
		{"p6-managed-cors.yaml", "cors-policy", verify.Warn, "template-cors-allow-headers", "P6", "Managed-CORS-With-Preflight"},
		{"p6-cors-headers.yaml", "cors-policy", verify.Fail, "template-cors-allow-headers", "P6", "authorization"},
		{"p3-health-root.yaml", "health-check", verify.Fail, "template-health-check", "P3", "health check on /"},
		{"p3-health-mcp.yaml", "health-check", verify.Warn, "template-health-check", "P3", "405"},
		{"p5-execution-role.yaml", "task-roles", verify.Fail, "template-task-role", "P5", "execution role ExecRole holds"},
		{"p5-no-task-role.yaml", "task-roles", verify.Fail, "template-task-role", "P5", "no task role"},
		{"p5-no-task-role.yaml", "cpu-architecture", verify.Warn, "template-cpu-architecture", "P4", "no CPU architecture"},
		{"p5-same-role.yaml", "task-roles", verify.Fail, "template-task-role", "P5", "same role"},
		{"p7-open-ingress.yaml", "ingress", verify.Fail, "template-open-ingress", "P7", "0.0.0.0/0"},
		{"p8-sticky.yaml", "stickiness", verify.Warn, "template-stickiness", "P8", "stickiness on"},
		{"s3-execution-role.yaml", "s3-indexes", verify.Fail, "template-s3-index-read", "P5", "is on the execution role ExecutionRole, not the task role"},
		{"s3-no-grant.yaml", "s3-indexes", verify.Fail, "template-s3-index-read", "P5", "the task role TaskRole has no s3:GetObject on arn:aws:s3:::${DocsBucket}/indexes/handbook.kbi"},
		{"s3-public.yaml", "s3-indexes", verify.Fail, "template-s3-index-public", "", "allows [s3:GetObject] to anyone"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.check, func(t *testing.T) {
			r := checkFile(t, tt.file)
			c := r.Check(tt.check)
			if c == nil {
				t.Fatalf("no check %s", tt.check)
			}
			if c.Status != tt.status {
				t.Errorf("status %s (%s), want %s", c.Status, c.Summary, tt.status)
			}
			if !strings.Contains(c.Summary, tt.summary) {
				t.Errorf("summary %q does not mention %q", c.Summary, tt.summary)
			}
			found := false
			for _, d := range c.Diagnoses {
				if d.Pattern == tt.pattern && d.Pitfall == tt.pitfall && d.Fix != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("no diagnosis %s (%s) with a fix; got %+v", tt.pattern, tt.pitfall, c.Diagnoses)
			}
			if tt.status == verify.Fail && r.OK {
				t.Error("the report is OK although a check failed")
			}
		})
	}
}

// TestS3IndexesReadable: a task serving indexes from S3 (one in KB, one
// in the command's --kb) passes when its task role may read both objects
// of a private bucket, and names each index it checked.
func TestS3IndexesReadable(t *testing.T) {
	r := checkFile(t, "s3-good.yaml")
	c := r.Check("s3-indexes")
	if c == nil || c.Status != verify.Pass {
		t.Fatalf("s3-indexes = %+v, want pass", c)
	}
	text := strings.Join(c.Evidence, "\n")
	for _, want := range []string{"s3://${DocsBucket}/indexes/handbook.kbi", "s3://team-faq/prod/faq.kbi", "task role TaskRole may s3:GetObject arn:aws:s3:::team-faq/prod/faq.kbi", "bucket DocsBucket blocks all public access"} {
		if !strings.Contains(text, want) {
			t.Errorf("evidence does not say %q:\n%s", want, text)
		}
	}
	if !r.OK {
		t.Error("the report is not OK")
	}
}

// TestOpenIngressNamesEachGroup: both the ALB's and the tasks' open rules
// are reported, and the missing secret-header rule is named.
func TestOpenIngressNamesEachGroup(t *testing.T) {
	c := checkFile(t, "p7-open-ingress.yaml").Check("ingress")
	text := strings.Join(c.Evidence, "\n") + "\n" + c.Summary
	if !strings.Contains(text, "no listener rule on a secret header") {
		t.Errorf("ingress evidence does not name the missing secret-header rule:\n%s", text)
	}
	for _, want := range []string{"AlbSg (load balancer Alb) is open to 0.0.0.0/0 on tcp/80", "TaskSg (not a CloudFront origin's load balancer) is open to 0.0.0.0/0 on tcp/8080"} {
		if !strings.Contains(text, want) {
			t.Errorf("ingress findings lack %q:\n%s", want, text)
		}
	}
	if c.Status != verify.Fail {
		t.Errorf("status %s, want fail", c.Status)
	}
}

// TestShortFormTags: YAML short forms become the long forms JSON templates
// use, so both parse to the same template.
func TestShortFormTags(t *testing.T) {
	yml := []byte(`
Resources:
  A:
    Type: AWS::X::Y
    Properties:
      Ref: !Ref Other
      Att: !GetAtt Other.Arn
      AttList: !GetAtt [Other, DNSName]
      Sub: !Sub "arn:${AWS::Partition}:x"
      Join: !Join ["", [a, !Ref B]]
      If: !If [Cond, !Ref C, !Ref AWS::NoValue]
      Select: !Select [0, !GetAZs ""]
      Num: 80
      Str: "80"
      Bool: true
      Merged:
        <<: {K: v}
        L: w
`)
	jsn := []byte(`{"Resources":{"A":{"Type":"AWS::X::Y","Properties":{
      "Ref":{"Ref":"Other"},
      "Att":{"Fn::GetAtt":["Other","Arn"]},
      "AttList":{"Fn::GetAtt":["Other","DNSName"]},
      "Sub":{"Fn::Sub":"arn:${AWS::Partition}:x"},
      "Join":{"Fn::Join":["",["a",{"Ref":"B"}]]},
      "If":{"Fn::If":["Cond",{"Ref":"C"},{"Ref":"AWS::NoValue"}]},
      "Select":{"Fn::Select":[0,{"Fn::GetAZs":""}]},
      "Num":80,"Str":"80","Bool":true,
      "Merged":{"K":"v","L":"w"}}}}}`)
	fromYAML, err := Parse(yml)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Parse(jsn)
	if err != nil {
		t.Fatal(err)
	}
	// YAML integers decode as int, JSON numbers as float64: compare through JSON.
	a, _ := json.Marshal(fromYAML.Resources["A"].Properties)
	b, _ := json.Marshal(fromJSON.Resources["A"].Properties)
	var am, bm any
	_ = json.Unmarshal(a, &am)
	_ = json.Unmarshal(b, &bm)
	if !reflect.DeepEqual(am, bm) {
		t.Errorf("YAML and JSON differ:\nYAML %s\nJSON %s", a, b)
	}
	if got := refTarget(fromYAML.Resources["A"].Properties["Att"]); got != "Other" {
		t.Errorf("refTarget(!GetAtt Other.Arn) = %q", got)
	}
}

// TestGoodTemplateAsJSON: the good template (with indexes in S3)
// converted to JSON (as the CDK
// writes templates) passes just the same.
func TestGoodTemplateAsJSON(t *testing.T) {
	yt, err := ParseFile(filepath.Join("testdata", "s3-good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]any{}
	for id, r := range yt.Resources {
		res[id] = map[string]any{"Type": r.Type, "Properties": r.Properties}
	}
	data, err := json.MarshalIndent(map[string]any{"Resources": res}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "good.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := CheckFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Checks {
		if c.Status != verify.Pass && c.ID != "agentcore-runtime" {
			t.Errorf("check %s: %s (%s), want pass", c.ID, c.Status, c.Summary)
		}
	}
}

// TestParseErrors: what is not a template says so.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "empty file"},
		{"no resources", "just: a mapping\n", "no Resources section"},
		{"a list", "- a\n- b\n", "top level is not a mapping"},
		{"bad JSON", `{"Resources": {`, "parsing JSON"},
		{"bad YAML", "Resources: [\n", "parsing YAML"},
		{"no type", "Resources:\n  A:\n    Properties: {}\n", "resource A has no Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse: error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := CheckFile(filepath.Join("testdata", "not-a-template.yaml")); err == nil || !strings.Contains(err.Error(), "not-a-template.yaml") {
		t.Errorf("CheckFile error %v does not name the file", err)
	}
	if _, err := CheckFile(filepath.Join("testdata", "missing.yaml")); err == nil {
		t.Error("CheckFile of a missing file: no error")
	}
}
