package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/knowledge-mcp/knowledge-mcp/deploy/stack"
)

// paramSet is one deployment the tests synthesize.
type paramSet struct {
	name    string
	context map[string]string
}

// The main parameter sets: the defaults, and the options turned on in
// different combinations and regions.
var (
	defaults = paramSet{"defaults", map[string]string{"region": "us-east-1"}}
	// Bedrock with generation and reranking, ARM64, API-key gateway, a WAF in
	// us-east-1 for a stack in us-west-2.
	bedrockAPIKey = paramSet{"bedrock-arm64-apikey-gateway-waf", map[string]string{
		"region": "us-west-2", "account": "123456789012",
		"knowledgeBaseIds": "KB12345678,KB87654321",
		"generationModel":  "us.anthropic.claude-3-5-haiku-20241022-v1:0",
		"rerankModel":      "amazon.rerank-v1:0",
		"dataBucket":       "example-kb-documents",
		"architecture":     "arm64",
		"gateway":          "true",
		"waf":              "true",
		"corsOrigins":      "https://app.example.com,https://inspector.example.com",
	}}
	// Bedrock, JWT (Cognito) gateway, public subnets.
	bedrockJWT = paramSet{"bedrock-jwt-gateway-public", map[string]string{
		"region": "eu-west-1", "knowledgeBaseIds": "ABCDEFGHIJ",
		"auth": "jwt", "gateway": "true", "networking": "public",
		"cpu": "512", "memory": "1024", "minTasks": "1", "maxTasks": "3",
	}}
	// No authentication (allowed, warned), WAF in the stack's own region,
	// secrets replaced once.
	noAuth = paramSet{"noauth-waf-rotated", map[string]string{"region": "us-east-1", "auth": "none", "waf": "true", "secretsGeneration": "2"}}

	// Two folders served from S3 (paths relative to this package, as
	// cdk resolves them against where it runs).
	docsFolders = paramSet{"docs-folders-s3", map[string]string{
		"region": "eu-west-1", "docs": "handbook=testdata/docs/handbook,testdata/docs/faq",
	}}

	allSets = []paramSet{defaults, bedrockAPIKey, bedrockJWT, noAuth, docsFolders}
)

// synthesized is one parameter set's synthesis result.
type synthesized struct {
	cfg      stack.Config
	stack    awscdk.Stack
	stacks   []awscdk.Stack // every stack of the app
	template map[string]any
	assets   map[string]any // <stack>.assets.json of the cloud assembly
	outdir   string
	err      error
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*synthesized{}
)

// repoRoot is the repository root, the image's build context.
func repoRoot() string {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	return root
}

// synth synthesizes a parameter set once per test binary, with cdk-nag's
// AwsSolutions pack applied as in main.
func synth(t *testing.T, ps paramSet) *synthesized {
	t.Helper()
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if s, ok := cache[ps.name]; ok {
		if s.err != nil {
			t.Fatalf("%s: %v", ps.name, s.err)
		}
		return s
	}
	s := &synthesized{}
	cache[ps.name] = s
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.err = fmt.Errorf("synthesis panicked: %v", r)
			}
		}()
		ctx := map[string]any{}
		for k, v := range ps.context {
			ctx[k] = v
		}
		if _, ok := ctx["imageDir"]; !ok {
			ctx["imageDir"] = repoRoot()
		}
		cfg, err := stack.Parse(func(k string) (any, bool) { v, ok := ctx[k]; return v, ok }, func(string) string { return "" })
		if err != nil {
			s.err = err
			return
		}
		s.cfg = cfg
		s.outdir, err = os.MkdirTemp("", "cdk-test-*")
		if err != nil {
			s.err = err
			return
		}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(s.outdir), Context: &ctx})
		s.stack = stack.New(app, cfg)
		for _, c := range *app.Node().Children() {
			if *awscdk.Stack_IsStack(c) {
				s.stacks = append(s.stacks, c.(awscdk.Stack))
			}
		}
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		asm := app.Synth(nil)
		name := *s.stack.ArtifactId()
		s.template, s.err = readJSON(filepath.Join(*asm.Directory(), name+".template.json"))
		if s.err != nil {
			return
		}
		s.assets, s.err = readJSON(filepath.Join(*asm.Directory(), name+".assets.json"))
	}()
	if s.err != nil {
		t.Fatalf("%s: %v", ps.name, s.err)
	}
	return s
}

func readJSON(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func TestMain(m *testing.M) {
	// Synthesis runs the CDK's JavaScript in node (through jsii): without it
	// every test would fail obscurely, so say so once and fail.
	if _, err := exec.LookPath("node"); err != nil && os.Getenv("JSII_NODE") == "" {
		fmt.Fprintln(os.Stderr, "deploy tests need Node.js (20 or later) on PATH, or JSII_NODE=/path/to/node: apt-get install -y nodejs")
		os.Exit(1)
	}
	// jsii prints an end-of-life banner for node 20 on every run.
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code := m.Run()
	// Stop the node kernel and remove its extracted runtime from $TMPDIR.
	jsii.Close()
	for _, s := range cache {
		if s.outdir != "" {
			os.RemoveAll(s.outdir)
		}
	}
	os.Exit(code)
}

// --- template helpers --------------------------------------------------------

// resource is one template resource with its logical id.
type resource struct {
	id    string
	props map[string]any
	raw   map[string]any
}

// resources returns the template's resources of a type, sorted by id.
func (s *synthesized) resources(typ string) []resource {
	var out []resource
	for id, r := range s.template["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] == typ {
			props, _ := rm["Properties"].(map[string]any)
			out = append(out, resource{id: id, props: props, raw: rm})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// one returns the only resource of a type, failing the test otherwise.
func (s *synthesized) one(t *testing.T, typ string) resource {
	t.Helper()
	rs := s.resources(typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, found %d", typ, len(rs))
	}
	return rs[0]
}

// path walks nested maps and lists: keys for maps, ints for lists.
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func list(v any) []any { l, _ := v.([]any); return l }

// js renders a template value for messages and substring checks.
func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// ref is the logical id a {"Ref": id} or {"Fn::GetAtt": [id, attr]} names.
func ref(v any) string {
	if id, ok := path(v, "Ref").(string); ok {
		return id
	}
	if id, ok := path(v, "Fn::GetAtt", 0).(string); ok {
		return id
	}
	return ""
}

// container is the server's container definition.
func (s *synthesized) container(t *testing.T) map[string]any {
	t.Helper()
	td := s.one(t, "AWS::ECS::TaskDefinition")
	defs := list(td.props["ContainerDefinitions"])
	if len(defs) != 1 {
		t.Fatalf("want one container definition, found %d", len(defs))
	}
	return defs[0].(map[string]any)
}

// env returns the container's plain environment.
func (s *synthesized) env(t *testing.T) map[string]any {
	t.Helper()
	env := map[string]any{}
	for _, e := range list(s.container(t)["Environment"]) {
		env[path(e, "Name").(string)] = path(e, "Value")
	}
	return env
}

// secrets returns the container's secrets: name → ValueFrom.
func (s *synthesized) secrets(t *testing.T) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, e := range list(s.container(t)["Secrets"]) {
		out[path(e, "Name").(string)] = path(e, "ValueFrom")
	}
	return out
}

// distributionConfig is the CloudFront distribution's config.
func (s *synthesized) distributionConfig(t *testing.T) map[string]any {
	t.Helper()
	return s.one(t, "AWS::CloudFront::Distribution").props["DistributionConfig"].(map[string]any)
}

// assert runs an assertions-API check and turns its panic into a test
// failure with the assertion's own message.
func assert(t *testing.T, what string, check func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	check()
}

func forEachSet(t *testing.T, f func(t *testing.T, s *synthesized)) {
	for _, ps := range allSets {
		t.Run(ps.name, func(t *testing.T) { f(t, synth(t, ps)) })
	}
}

// contains reports whether a template value mentions substr anywhere.
func contains(v any, substr string) bool { return strings.Contains(js(v), substr) }
