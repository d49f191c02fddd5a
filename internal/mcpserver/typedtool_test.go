package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// diffInput exercises the argument handling: required and optional fields,
// numbers, nested objects, slices and maps.
type diffInput struct {
	Query   string         `json:"query" jsonschema:"text"`
	Max     int            `json:"max,omitempty"`
	Ratio   float64        `json:"ratio,omitempty"`
	Tags    []string       `json:"tags,omitempty"`
	Filter  map[string]any `json:"filter,omitempty"`
	Nested  *diffNested    `json:"nested,omitempty"`
	Explode string         `json:"explode,omitempty"`
}

type diffNested struct {
	On bool `json:"on"`
}

// diffInputWithDefault has a schema default, so arguments take the
// re-marshaling path, as in mcp.AddTool.
type diffInputWithDefault struct {
	Query string `json:"query"`
	Max   int    `json:"max,omitempty"`
}

type diffOutput struct {
	Echo    diffInput `json:"echo"`
	Doubled int       `json:"doubled"`
}

func diffHandler(_ context.Context, _ *mcp.CallToolRequest, in diffInput) (*mcp.CallToolResult, diffOutput, error) {
	switch in.Explode {
	case "tool":
		return nil, diffOutput{}, errors.New("the tool failed on purpose")
	case "rpc":
		return nil, diffOutput{}, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "rpc error on purpose"}
	case "nocontent":
		return nil, diffOutput{Echo: in, Doubled: in.Max * 2}, nil
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, diffOutput{Echo: in, Doubled: in.Max * 2}, nil
}

func diffDefaultHandler(_ context.Context, _ *mcp.CallToolRequest, in diffInputWithDefault) (*mcp.CallToolResult, diffInputWithDefault, error) {
	return nil, in, nil
}

// sessionFor serves server over in-memory transports.
func sessionFor(t *testing.T, server *mcp.Server) *mcp.ClientSession {
	t.Helper()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := server.Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "0"}, nil).Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// TestAddToolMatchesSDK calls the same handlers registered with mcp.AddTool
// and with addTool and requires the same answers: tool list, results,
// structured content, tool errors and protocol errors.
func TestAddToolMatchesSDK(t *testing.T) {
	withDefault := &mcp.Tool{Name: "withdefault"}
	schema, err := schemaFor[diffInputWithDefault](nil)
	if err != nil {
		t.Fatal(err)
	}
	schema.Properties["max"].Default = json.RawMessage(`7`)
	withDefault.InputSchema = schema
	if !schemaHasDefaults(schema) {
		t.Fatal("schemaHasDefaults missed a default")
	}
	if s, _ := schemaFor[diffInput](nil); schemaHasDefaults(s) {
		t.Fatal("schemaHasDefaults found a default in a schema without one")
	}

	sdk := mcp.NewServer(&mcp.Implementation{Name: "s", Version: "0"}, nil)
	mcp.AddTool(sdk, &mcp.Tool{Name: "diff", Description: "d"}, diffHandler)
	mcp.AddTool(sdk, withDefault, diffDefaultHandler)
	ours := mcp.NewServer(&mcp.Implementation{Name: "s", Version: "0"}, nil)
	addTool(ours, &mcp.Tool{Name: "diff", Description: "d"}, diffHandler)
	addTool(ours, withDefault, diffDefaultHandler)
	sdkSession, ourSession := sessionFor(t, sdk), sessionFor(t, ours)

	sdkTools, err := sdkSession.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ourTools, err := ourSession.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, sdkTools), mustJSON(t, ourTools); a != b {
		t.Errorf("tools/list differs:\nsdk:  %s\nours: %s", a, b)
	}

	tests := []struct{ tool, args string }{
		{"diff", `{"query":"q"}`},
		{"diff", `{"query":"q","max":3,"ratio":0.25,"tags":["a","b"],"filter":{"equals":{"key":"k","value":1}},"nested":{"on":true}}`},
		{"diff", ` { "query" : "spaced" , "max" : 2 } `},
		{"diff", `{"query":"dup","max":1,"max":2}`},
		{"diff", `{"query":"unicode \u00e9 \ud83d\ude00 \u0000"}`},
		{"diff", `{"query":"q","max":1e2}`},
		{"diff", `{}`},
		{"diff", `null`},
		{"diff", ``},
		{"diff", `[1,2]`},
		{"diff", `"text"`},
		{"diff", `{"query":1}`},
		{"diff", `{"query":"q","max":"3"}`},
		{"diff", `{"query":"q","max":1.5}`},
		{"diff", `{"query":"q","Max":3}`},
		{"diff", `{"QUERY":"q"}`},
		{"diff", `{"query":"q","unknown":true}`},
		{"diff", `{"query":"q","nested":{"on":"yes"}}`},
		{"diff", `{"query":"q","nested":null}`},
		{"diff", `{"query":null}`},
		{"diff", `{"query":"q","tags":"notalist"}`},
		{"diff", `{"query":"q","explode":"tool"}`},
		{"diff", `{"query":"q","explode":"rpc"}`},
		{"diff", `{"query":"q","explode":"nocontent","max":4}`},
		{"withdefault", `{"query":"q"}`},
		{"withdefault", `{"query":"q","max":2}`},
		{"withdefault", `{"query":"q","max":"x"}`},
		{"withdefault", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.tool+" "+tt.args, func(t *testing.T) {
			params := &mcp.CallToolParams{Name: tt.tool}
			if tt.args != "" {
				params.Arguments = json.RawMessage(tt.args)
			}
			sdkRes, sdkErr := sdkSession.CallTool(t.Context(), params)
			ourRes, ourErr := ourSession.CallTool(t.Context(), params)
			if (sdkErr == nil) != (ourErr == nil) || (sdkErr != nil && sdkErr.Error() != ourErr.Error()) {
				t.Fatalf("protocol errors differ:\nsdk:  %v\nours: %v", sdkErr, ourErr)
			}
			if sdkErr != nil {
				return
			}
			if m := argumentSentence.FindStringSubmatch(text(ourRes)); m != nil && sdkRes.IsError && ourRes.IsError {
				// The one intended difference: a wrong argument type is one
				// sentence naming the argument, where the SDK reports the
				// schema path.
				if !strings.Contains(text(sdkRes), "type:") || !strings.Contains(text(sdkRes), "/properties/"+strings.Split(m[1], ".")[0]) {
					t.Errorf("ours names a wrong type for %q; the SDK says something else: %q", m[1], text(sdkRes))
				}
			} else if sdkRes.IsError != ourRes.IsError || text(sdkRes) != text(ourRes) {
				t.Errorf("results differ:\nsdk:  isError=%v %q\nours: isError=%v %q", sdkRes.IsError, text(sdkRes), ourRes.IsError, text(ourRes))
			}
			if !sameJSON(t, sdkRes.StructuredContent, ourRes.StructuredContent) {
				t.Errorf("structuredContent differs:\nsdk:  %s\nours: %s", mustJSON(t, sdkRes.StructuredContent), mustJSON(t, ourRes.StructuredContent))
			}
		})
	}
}

// argumentSentence is the wording of a wrong argument type.
var argumentSentence = regexp.MustCompile(`^argument "([^"]+)" must be `)

// A wrong argument type reads as one sentence naming the argument and the
// type it must be, not as the schema validator's path.
func TestArgumentTypeErrors(t *testing.T) {
	server := mcp.NewServer(&mcp.Implementation{Name: "s", Version: "0"}, nil)
	addTool(server, &mcp.Tool{Name: "diff", Description: "d"}, diffHandler)
	session := sessionFor(t, server)
	tests := []struct{ args, want string }{
		{`{"query":"q","max":"ten"}`, `argument "max" must be an integer, not a string ("ten")`},
		{`{"query":"q","max":1.5}`, `argument "max" must be an integer, not 1.5`},
		{`{"query":1}`, `argument "query" must be a string, not 1`},
		{`{"query":null}`, `argument "query" must be a string, not null`},
		{`{"query":"q","tags":"notalist"}`, `argument "tags" must be a list or null, not a string ("notalist")`},
		{`{"query":"q","tags":["a",2]}`, `argument "tags[1]" must be a string, not 2`},
		{`{"query":"q","nested":{"on":"yes"}}`, `argument "nested.on" must be true or false, not a string ("yes")`},
	}
	for _, tt := range tests {
		res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "diff", Arguments: json.RawMessage(tt.args)})
		if err != nil {
			t.Fatalf("%s: %v", tt.args, err)
		}
		if !res.IsError || text(res) != tt.want {
			t.Errorf("%s: isError=%v %q, want %q", tt.args, res.IsError, text(res), tt.want)
		}
	}
}

// TestAddToolLargeIntegers pins the one documented difference: integers
// beyond 2^53 reach the handler exactly.
func TestAddToolLargeIntegers(t *testing.T) {
	got := make(chan int, 1)
	server := mcp.NewServer(&mcp.Implementation{Name: "s", Version: "0"}, nil)
	addTool(server, &mcp.Tool{Name: "n"}, func(_ context.Context, _ *mcp.CallToolRequest, in diffInput) (*mcp.CallToolResult, diffOutput, error) {
		got <- in.Max
		return nil, diffOutput{}, nil
	})
	res, err := sessionFor(t, server).CallTool(t.Context(), &mcp.CallToolParams{Name: "n", Arguments: json.RawMessage(`{"query":"q","max":9007199254740993}`)})
	if err != nil || res.IsError {
		t.Fatalf("call: %v %s", err, text(res))
	}
	if n := <-got; n != 9007199254740993 {
		t.Errorf("handler got %d, want 9007199254740993", n)
	}
}

func TestAddToolRejectsPointerOutput(t *testing.T) {
	_, _, err := typedTool(&mcp.Tool{Name: "p"}, func(context.Context, *mcp.CallToolRequest, diffInput) (*mcp.CallToolResult, *diffOutput, error) {
		return nil, nil, nil
	})
	if err == nil {
		t.Fatal("a pointer output type was accepted")
	}
}

// text joins the text contents of a tool result. The external tests use it
// as ResultText.
func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// ResultText is text, for the tests of package mcpserver_test.
var ResultText = text

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(mustJSON(t, a)), &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(mustJSON(t, b)), &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// BenchmarkAddTool compares one tools/call of a tool registered with
// mcp.AddTool and with addTool, through an in-memory session:
//
//	go test ./internal/mcpserver -run '^$' -bench AddTool -benchmem -count 10
func BenchmarkAddTool(b *testing.B) {
	args := map[string]any{"query": "q", "max": 3, "ratio": 0.25, "tags": []string{"a", "b"}}
	for _, bc := range []struct {
		name string
		add  func(*mcp.Server)
	}{
		{"mcp.AddTool", func(s *mcp.Server) { mcp.AddTool(s, &mcp.Tool{Name: "diff", Description: "d"}, diffHandler) }},
		{"addTool", func(s *mcp.Server) { addTool(s, &mcp.Tool{Name: "diff", Description: "d"}, diffHandler) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			server := mcp.NewServer(&mcp.Implementation{Name: "s", Version: "0"}, nil)
			bc.add(server)
			st, ct := mcp.NewInMemoryTransports()
			if _, err := server.Connect(b.Context(), st, nil); err != nil {
				b.Fatal(err)
			}
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "0"}, nil).Connect(b.Context(), ct, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer cs.Close()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cs.CallTool(b.Context(), &mcp.CallToolParams{Name: "diff", Arguments: args}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
