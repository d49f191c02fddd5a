package mcpserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/kbtest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestSchemasPreservedOnTheWire: what a 2026-07-28 client lists over
// stateless HTTP is each tool's input schema as built, keyword for keyword
// (x-mcp-header, defaults, additionalProperties, the filter's shape): the
// SDK strips nothing on the way.
func TestSchemasPreservedOnTheWire(t *testing.T) {
	server := New(Options{Backend: kbtest.NewFake(kbtest.DefaultFixture())})
	ts := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{Stateless: true}))
	defer ts.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: ts.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Fatalf("negotiated %s, want 2026-07-28", v)
	}
	list, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	built := map[string]*jsonschema.Schema{
		"search_knowledge_base": searchInputSchema(),
		"ask_knowledge_base":    askInputSchema(),
		"get_document":          getDocumentInputSchema(),
	}
	for _, tool := range list.Tools {
		want, ok := built[tool.Name]
		if !ok {
			continue
		}
		delete(built, tool.Name)
		if got, want := asJSON(t, tool.InputSchema), asJSON(t, want); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: listed input schema differs from the one built\ngot  %v\nwant %v", tool.Name, got, want)
		}
	}
	for name := range built {
		t.Errorf("%s not listed", name)
	}
}

// asJSON is v as the generic JSON value it encodes to.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
