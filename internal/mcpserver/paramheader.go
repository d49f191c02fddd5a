package mcpserver

import (
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
)

// KnowledgeBaseHeader is the name, after "Mcp-Param-", of the HTTP header
// that carries a tool call's knowledge_base_id from protocol revision
// 2026-07-28 on (the input schema's x-mcp-header annotation). Gateways,
// CDNs and load balancers can route, rate-limit or log per knowledge base
// from "Mcp-Param-Knowledge-Base-Id" without parsing the body. The server
// refuses a call whose header disagrees with the argument, or is missing
// while the argument is set, with HTTP 400 and JSON-RPC error -32020
// (header mismatch), so what a gateway routed on is what the tool reads.
// Older revisions send no such header and are not checked.
const KnowledgeBaseHeader = "Knowledge-Base-Id"

// mirrorKnowledgeBaseID annotates the knowledge_base_id property of s to be
// mirrored into the Mcp-Param-Knowledge-Base-Id header, and returns s.
func mirrorKnowledgeBaseID(s *jsonschema.Schema) *jsonschema.Schema {
	p := s.Properties["knowledge_base_id"]
	if p == nil || p.Type != "string" {
		panic(fmt.Sprintf("schema has no string property knowledge_base_id: %+v", s.Properties))
	}
	if p.Extra == nil {
		p.Extra = map[string]any{}
	}
	p.Extra["x-mcp-header"] = KnowledgeBaseHeader
	return s
}
