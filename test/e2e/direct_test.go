//go:build e2e

package e2e

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// tsReport is what clients/ts-client.mjs prints.
type tsReport struct {
	Steps []struct {
		Name  string `json:"name"`
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	} `json:"steps"`
	ServerInfo struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"serverInfo"`
	ProtocolVersion string `json:"protocolVersion"`
	Tools           []struct {
		Name           string `json:"name"`
		HasDescription bool   `json:"hasDescription"`
		ReadOnly       bool   `json:"readOnly"`
	} `json:"tools"`
	SimpleAdd struct {
		IsError    bool               `json:"isError"`
		Text       string             `json:"text"`
		Structured map[string]float64 `json:"structured"`
	} `json:"simpleadd"`
	KnowledgeBases *struct {
		IsError    bool `json:"isError"`
		Structured struct {
			KnowledgeBases []struct {
				ID string `json:"id"`
			} `json:"knowledge_bases"`
		} `json:"structured"`
	} `json:"knowledgeBases"`
	Search *struct {
		IsError bool `json:"isError"`
		Count   int  `json:"count"`
		First   *struct {
			URI         string  `json:"uri"`
			ResourceURI string  `json:"resource_uri"`
			Text        string  `json:"text"`
			Score       float64 `json:"score"`
		} `json:"first"`
	} `json:"search"`
	Resource *struct {
		URI        string `json:"uri"`
		ContentURI string `json:"contentUri"`
		TextLength int    `json:"textLength"`
	} `json:"resource"`
	Repeated *struct {
		Calls int        `json:"calls"`
		Sums  []*float64 `json:"sums"`
	} `json:"repeated"`
}

func (r *tsReport) toolNames() []string {
	var names []string
	for _, t := range r.Tools {
		names = append(names, t.Name)
	}
	return names
}

// runTSClient runs clients/ts-client.mjs against url and returns its report;
// the test fails when the client failed.
func runTSClient(t *testing.T, url, mode string, calls int, env ...string) tsReport {
	t.Helper()
	res := runNode(t, 2*time.Minute, env, filepath.Join("clients", "ts-client.mjs"), url, mode, itoa(calls))
	var rep tsReport
	decodeJSONLine(t, res.stdout, &rep)
	if res.exitCode != 0 {
		var failed []string
		for _, s := range rep.Steps {
			if !s.OK {
				failed = append(failed, s.Name+": "+s.Error)
			}
		}
		t.Fatalf("TypeScript SDK client failed (exit %d): %s\nstderr:\n%s", res.exitCode, strings.Join(failed, "; "), tail(res.stderr))
	}
	return rep
}

// checkBasicTSReport asserts what every endpoint must give the TypeScript
// SDK client: an initialize naming knowledge-mcp, simpleadd listed with a
// description, and simpleadd(10, 20) = 30 as text and structured content.
func checkBasicTSReport(t *testing.T, rep tsReport) {
	t.Helper()
	if rep.ServerInfo.Name != "knowledge-mcp" {
		t.Errorf("initialize: server name %q, want knowledge-mcp", rep.ServerInfo.Name)
	}
	if rep.ProtocolVersion == "" {
		t.Errorf("initialize: no protocol version negotiated")
	}
	i := slices.IndexFunc(rep.Tools, func(x struct {
		Name           string `json:"name"`
		HasDescription bool   `json:"hasDescription"`
		ReadOnly       bool   `json:"readOnly"`
	}) bool {
		return x.Name == "simpleadd"
	})
	if i < 0 {
		t.Fatalf("tools/list: no simpleadd among %v", rep.toolNames())
	}
	if !rep.Tools[i].HasDescription {
		t.Errorf("tools/list: simpleadd has no description")
	}
	if rep.SimpleAdd.IsError || rep.SimpleAdd.Text != "30" || rep.SimpleAdd.Structured["sum"] != 30 {
		t.Errorf("simpleadd(10, 20): isError=%v text=%q structured=%v, want 30", rep.SimpleAdd.IsError, rep.SimpleAdd.Text, rep.SimpleAdd.Structured)
	}
}

// inspectorCLI runs MCP Inspector's CLI mode against url with args and
// returns its stdout; the test fails on a non-zero exit.
func inspectorCLI(t *testing.T, url string, env []string, args ...string) []byte {
	t.Helper()
	bin := npmBin(t, "mcp-inspector")
	all := append([]string{"--cli", url, "--transport", "http"}, args...)
	res := runNode(t, 2*time.Minute, env, bin, all...)
	if res.exitCode != 0 {
		t.Fatalf("mcp-inspector %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.exitCode, tail(res.stdout), tail(res.stderr))
	}
	return res.stdout
}

// checkInspector lists tools and calls simpleadd with MCP Inspector's CLI.
func checkInspector(t *testing.T, url string, env ...string) {
	t.Helper()
	var list struct {
		Tools []struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			InputSchema map[string]any `json:"inputSchema"`
		} `json:"tools"`
	}
	out := inspectorCLI(t, url, env, "--method", "tools/list")
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("tools/list output is not JSON: %v\n%s", err, tail(out))
	}
	found := false
	for _, tool := range list.Tools {
		if tool.Name == "simpleadd" {
			found = true
			if tool.Description == "" || tool.InputSchema["type"] != "object" {
				t.Errorf("simpleadd as listed: description %q, input schema %v", tool.Description, tool.InputSchema)
			}
		}
	}
	if !found {
		t.Fatalf("Inspector tools/list has no simpleadd:\n%s", tail(out))
	}

	var call struct {
		Result struct {
			IsError bool `json:"isError"`
			Content []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
			StructuredContent map[string]float64 `json:"structuredContent"`
		} `json:"result"`
	}
	out = inspectorCLI(t, url, env, "--method", "tools/call", "--tool-name", "simpleadd",
		"--tool-arg", "a=10", "--tool-arg", "b=20", "--format", "json")
	if err := json.Unmarshal(out, &call); err != nil {
		t.Fatalf("tools/call output is not JSON: %v\n%s", err, tail(out))
	}
	r := call.Result
	if r.IsError || len(r.Content) == 0 || r.Content[0].Text != "30" || r.StructuredContent["sum"] != 30 {
		t.Errorf("Inspector simpleadd(10, 20) = %+v, want text 30 and structuredContent sum 30", r)
	}
}

// TestDirect drives one real binary, without a proxy, with the official MCP
// TypeScript SDK client and MCP Inspector's CLI.
func TestDirect(t *testing.T) {
	r := startReplica(t, "direct", freePort(t))

	t.Run("TypeScriptSDK", func(t *testing.T) {
		before := len(r.requests())
		rep := runTSClient(t, r.endpoint(), "basic", 0)
		checkBasicTSReport(t, rep)
		// The calls reached this server: initialize, the initialized
		// notification, tools/list and tools/call at least.
		reqs := r.requests()[before:]
		methods := map[string]bool{}
		for _, l := range reqs {
			methods[l.MCPMethod+"/"+l.Tool] = l.Status == 200 || l.Status == 202
		}
		for _, want := range []string{"initialize/", "tools/list/", "tools/call/simpleadd"} {
			if ok, seen := methods[want]; !seen || !ok {
				t.Errorf("server log: %s not served with 2xx (saw %v)", want, methods)
			}
		}
	})

	t.Run("InspectorCLI", func(t *testing.T) {
		checkInspector(t, r.endpoint())
	})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
