package mcpserver_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/docs"
	"github.com/knowledge-mcp/knowledge-mcp/internal/config"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/bedrock/awsfake"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/local"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver"
	"github.com/knowledge-mcp/knowledge-mcp/internal/mcpserver/conformance"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// AgentCore Gateway exposes a target's tools as TARGET___TOOL, and model
// APIs (Anthropic, OpenAI, Bedrock Converse) refuse tool names over 64
// characters. The deploy app names its target "knowledge" (9 characters),
// but an operator adding the server to a gateway of their own picks the
// name: gatewayTargetNameBudget leaves room for a descriptive one such as
// "engineering-handbook-knowledge-b" (32 characters).
const (
	modelToolNameLimit      = 64
	gatewayTargetSeparator  = "___"
	gatewayTargetNameBudget = 32
)

// gatewaySchemaProblems lists what AgentCore Gateway or a model API would
// refuse in a tool: $ref or $defs anywhere in its schemas ("Invalid tool
// schema, $ref is not supported"), anyOf/oneOf/allOf at a schema's top
// level (model APIs want a plain object there), and a name too long once
// the gateway prefixes it.
func gatewaySchemaProblems(tool *mcp.Tool) []string {
	var problems []string
	if n := gatewayTargetNameBudget + len(gatewayTargetSeparator) + len(tool.Name); n > modelToolNameLimit {
		problems = append(problems, fmt.Sprintf("name %q is %d characters behind a %d-character target name (limit %d)",
			tool.Name, n, gatewayTargetNameBudget, modelToolNameLimit))
	}
	for _, s := range []struct {
		which  string
		schema any
	}{{"inputSchema", tool.InputSchema}, {"outputSchema", tool.OutputSchema}} {
		if s.schema == nil {
			continue
		}
		data, err := json.Marshal(s.schema)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", s.which, err))
			continue
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", s.which, err))
			continue
		}
		if data := string(data); data == "null" {
			continue
		}
		top, ok := v.(map[string]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is not an object", s.which))
			continue
		}
		if top["type"] != "object" {
			problems = append(problems, fmt.Sprintf(`%s has type %v, want "object"`, s.which, top["type"]))
		}
		for _, k := range []string{"anyOf", "oneOf", "allOf"} {
			if _, ok := top[k]; ok {
				problems = append(problems, fmt.Sprintf("%s has a top-level %s", s.which, k))
			}
		}
		walkSchema(v, s.which, func(at, key string) {
			if key == "$ref" || key == "$defs" || key == "definitions" {
				problems = append(problems, fmt.Sprintf("%s uses %s at %s", s.which, key, at))
			}
		})
	}
	return problems
}

// walkSchema calls visit for every object key in v, with its JSON path.
func walkSchema(v any, at string, visit func(at, key string)) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			visit(at, k)
			walkSchema(v[k], at+"."+k, visit)
		}
	case []any:
		for i, x := range v {
			walkSchema(x, fmt.Sprintf("%s[%d]", at, i), visit)
		}
	}
}

func TestGatewaySchemaProblems(t *testing.T) {
	obj := map[string]any{"type": "object"}
	tests := []struct {
		name string
		tool *mcp.Tool
		want string // "" for no problem
	}{
		{"plain", &mcp.Tool{Name: "search", InputSchema: obj}, ""},
		{"output schema too", &mcp.Tool{Name: "search", InputSchema: obj, OutputSchema: map[string]any{"type": "object", "$defs": map[string]any{}}}, "outputSchema uses $defs"},
		{"nested ref", &mcp.Tool{Name: "t", InputSchema: map[string]any{"type": "object", "properties": map[string]any{
			"a": map[string]any{"items": []any{map[string]any{"$ref": "#/$defs/x"}}}}}}, "inputSchema uses $ref at inputSchema.properties.a.items[0]"},
		{"top-level anyOf", &mcp.Tool{Name: "t", InputSchema: map[string]any{"type": "object", "anyOf": []any{}}}, "top-level anyOf"},
		{"top-level oneOf", &mcp.Tool{Name: "t", InputSchema: map[string]any{"type": "object", "oneOf": []any{}}}, "top-level oneOf"},
		{"top-level allOf", &mcp.Tool{Name: "t", InputSchema: map[string]any{"type": "object", "allOf": []any{}}}, "top-level allOf"},
		{"nested anyOf is fine", &mcp.Tool{Name: "t", InputSchema: map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"anyOf": []any{}}}}}, ""},
		{"not an object", &mcp.Tool{Name: "t", InputSchema: map[string]any{"type": "string"}}, `want "object"`},
		{"longest name that fits", &mcp.Tool{Name: strings.Repeat("n", 29), InputSchema: obj}, ""},
		{"name one too long", &mcp.Tool{Name: strings.Repeat("n", 30), InputSchema: obj}, "is 65 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(gatewaySchemaProblems(tc.tool), "; ")
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("problems %q, want %q", got, tc.want)
			}
		})
	}
}

// toolSet is one configuration of the server whose tools a gateway lists.
type toolSet struct {
	name string
	opts func(t *testing.T) mcpserver.Options
	// fixtures are tools that break the rules on purpose: the MCP
	// conformance suite names its fixtures and tests clients on exactly
	// these schemas. They are served only by a binary built with
	// -tags conformance, for that suite, never behind a gateway.
	fixtures map[string]bool
}

// toolSets is every backend and every option that changes the tool set:
// no backend, a backend that can or cannot generate (ask_knowledge_base),
// the local index of the built-in documentation, Amazon Bedrock with and
// without a generation model (through the AWS fake), and the conformance
// fixtures.
func toolSets() []toolSet {
	fake := func(canGenerate bool) func(t *testing.T) mcpserver.Options {
		return func(t *testing.T) mcpserver.Options {
			f := kbtest.NewFake(kbtest.DefaultFixture())
			f.SetCanGenerate(canGenerate)
			return mcpserver.Options{Backend: f}
		}
	}
	bedrockWith := func(model string) func(t *testing.T) mcpserver.Options {
		return func(t *testing.T) mcpserver.Options {
			aws := awsfake.New()
			t.Cleanup(aws.Close)
			awsfake.Seed(aws)
			for k, v := range aws.Env() {
				t.Setenv(k, v)
			}
			s := config.Bedrock{Options: bedrock.Options{KnowledgeBaseIDs: []string{awsfake.SampleKB}, ModelARN: model, DiscoveryTTL: time.Minute,
				CallTimeout: 5 * time.Second, MaxAttempts: 1, MaxConcurrency: 2, MaxDocumentBytes: 1 << 20}}
			if err := s.Validate(); err != nil {
				t.Fatalf("bedrock settings: %v", err)
			}
			return mcpserver.Options{Backend: bedrock.New(t.Context(), s.Options, nil)}
		}
	}
	return []toolSet{
		{name: "no backend", opts: func(*testing.T) mcpserver.Options { return mcpserver.Options{} }},
		{name: "fake backend, generation", opts: fake(true)},
		{name: "fake backend, no generation", opts: fake(false)},
		{name: "local, built-in docs", opts: func(t *testing.T) mcpserver.Options {
			store := local.NewStore(nil)
			if err := store.AddEmbedded(docs.Name, docs.Index, docs.FS); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			return mcpserver.Options{Backend: store}
		}},
		{name: "bedrock, no model", opts: bedrockWith("")},
		{name: "bedrock, generation model", opts: bedrockWith("anthropic.claude-3-5-haiku-20241022-v1:0")},
		{name: "conformance fixtures", opts: func(*testing.T) mcpserver.Options {
			return mcpserver.Options{Backend: kbtest.NewFake(kbtest.DefaultFixture()), Extensions: []mcpserver.Extension{conformance.Extension()}}
		}, fixtures: map[string]bool{
			"json_schema_2020_12_tool":          true, // $defs and $ref
			"test_elicitation_sep1034_defaults": true, // 33 characters
			"test_elicitation_sep1330_enums":    true, // 30 characters
			// Named by the conformance suite's 2026-07-28 scenarios: 35-42 characters.
			"test_input_required_result_capabilities":    true,
			"test_input_required_result_elicitation":     true,
			"test_input_required_result_list_roots":      true,
			"test_input_required_result_multi_round":     true,
			"test_input_required_result_multiple_inputs": true,
			"test_input_required_result_request_state":   true,
			"test_input_required_result_sampling":        true,
			"test_input_required_result_tampered_state":  true,
		}},
	}
}

// TestToolsFitAgentCoreGateway lists the tools of every tool set as a
// gateway would and checks each against what AgentCore Gateway and the
// model APIs behind it accept.
func TestToolsFitAgentCoreGateway(t *testing.T) {
	for _, ts := range toolSets() {
		t.Run(ts.name, func(t *testing.T) {
			opts := ts.opts(t)
			cs := connect(t, opts)
			res, err := cs.ListTools(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]bool{}
			for _, tool := range res.Tools {
				names[tool.Name] = true
				problems := gatewaySchemaProblems(tool)
				switch {
				case ts.fixtures[tool.Name] && len(problems) == 0:
					t.Errorf("fixture %s passes the checks; it exists to exercise $ref/$defs", tool.Name)
				case !ts.fixtures[tool.Name]:
					for _, p := range problems {
						t.Errorf("%s: %s", tool.Name, p)
					}
				}
			}
			// The set is what the options promise, so no set is checked vacuously.
			want := []string{"simpleadd"}
			if opts.Backend != nil {
				want = append(want, "search_knowledge_base", "list_knowledge_bases", "get_document")
				if _, ok := kb.CanGenerate(opts.Backend); ok {
					want = append(want, "ask_knowledge_base")
				} else if names["ask_knowledge_base"] {
					t.Error("ask_knowledge_base listed by a backend that cannot generate")
				}
			}
			for _, n := range want {
				if !names[n] {
					t.Errorf("tool %s missing from %v", n, names)
				}
			}
			for n := range ts.fixtures {
				if !names[n] {
					t.Errorf("fixture %s missing", n)
				}
			}
		})
	}
}
