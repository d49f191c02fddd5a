package mcpserver

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ListKnowledgeBasesInput is the (empty) input of list_knowledge_bases.
type ListKnowledgeBasesInput struct{}

// ListKnowledgeBasesOutput is the structured result of list_knowledge_bases.
type ListKnowledgeBasesOutput struct {
	KnowledgeBases []KnowledgeBaseInfo `json:"knowledge_bases" jsonschema:"every knowledge base this server searches"`
}

// KnowledgeBaseInfo describes one knowledge base.
type KnowledgeBaseInfo struct {
	ID          string           `json:"id" jsonschema:"pass it as knowledge_base_id"`
	Name        string           `json:"name" jsonschema:"human name"`
	Description string           `json:"description,omitempty" jsonschema:"what the knowledge base holds"`
	Backend     string           `json:"backend" jsonschema:"what serves it, e.g. local or bedrock"`
	Status      string           `json:"status,omitempty" jsonschema:"backend status, e.g. ACTIVE"`
	Documents   int              `json:"documents,omitempty" jsonschema:"number of documents, when known"`
	Chunks      int              `json:"chunks,omitempty" jsonschema:"number of searchable passages, when known"`
	SizeBytes   int64            `json:"size_bytes,omitempty" jsonschema:"size of the indexed text, when known"`
	DataSources []DataSourceInfo `json:"data_sources,omitempty" jsonschema:"where its documents come from; ids usable in data_source_ids"`
	Formats     map[string]int   `json:"formats,omitempty" jsonschema:"number of documents of each format (markdown, pdf, ...), when known"`
	UpdatedAt   string           `json:"updated_at,omitempty" jsonschema:"when the knowledge base was last indexed (RFC 3339), when known"`
}

// DataSourceInfo describes one data source of a knowledge base.
type DataSourceInfo struct {
	ID     string `json:"id" jsonschema:"pass it in data_source_ids"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"`
	Type   string `json:"type,omitempty" jsonschema:"e.g. S3, WEB, CONFLUENCE, folder"`
}

func addListKnowledgeBases(server *mcp.Server, t *tools) {
	addTool(server, &mcp.Tool{
		Name:  "list_knowledge_bases",
		Title: "List knowledge bases",
		Description: "Lists the knowledge bases this server can search, with id, name, description, backend, size and data sources. " +
			"Call it first when you do not know which knowledge_base_id to pass to search_knowledge_base.",
		Annotations: readOnly("List knowledge bases"),
	}, t.listKnowledgeBases)
}

func (t *tools) listKnowledgeBases(ctx context.Context, _ *mcp.CallToolRequest, _ ListKnowledgeBasesInput) (*mcp.CallToolResult, ListKnowledgeBasesOutput, error) {
	kbs, err := t.backend.ListKnowledgeBases(ctx)
	if err != nil {
		return nil, ListKnowledgeBasesOutput{}, t.explain(ctx, "list_knowledge_bases", err, "")
	}
	out := ListKnowledgeBasesOutput{KnowledgeBases: make([]KnowledgeBaseInfo, len(kbs))}
	for i, k := range kbs {
		out.KnowledgeBases[i] = knowledgeBaseInfo(k)
	}
	return textResult(renderKnowledgeBases(out.KnowledgeBases)), out, nil
}

func knowledgeBaseInfo(k kb.KnowledgeBase) KnowledgeBaseInfo {
	info := KnowledgeBaseInfo{
		ID: k.ID, Name: k.Name, Description: k.Description, Backend: k.Backend, Status: k.Status,
		Documents: k.Documents, Chunks: k.Chunks, SizeBytes: k.SizeBytes, Formats: k.Formats,
	}
	if !k.UpdatedAt.IsZero() {
		info.UpdatedAt = k.UpdatedAt.UTC().Format(time.RFC3339)
	}
	if info.Name == "" {
		info.Name = k.ID
	}
	for _, ds := range k.DataSources {
		info.DataSources = append(info.DataSources, DataSourceInfo(ds))
	}
	return info
}

func renderKnowledgeBases(kbs []KnowledgeBaseInfo) string {
	if len(kbs) == 0 {
		return "This server has no knowledge base configured."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n", countOf(len(kbs), "knowledge base", "knowledge bases"))
	for _, k := range kbs {
		fmt.Fprintf(&b, "\n- %s (id %q, %s backend", k.Name, k.ID, k.Backend)
		if k.Status != "" {
			fmt.Fprintf(&b, ", %s", k.Status)
		}
		b.WriteString(")\n")
		if k.Description != "" {
			fmt.Fprintf(&b, "  %s\n", k.Description)
		}
		var size []string
		if k.Documents > 0 {
			size = append(size, countOf(k.Documents, "document", "documents"))
		}
		if k.Chunks > 0 {
			size = append(size, countOf(k.Chunks, "passage", "passages"))
		}
		if k.SizeBytes > 0 {
			size = append(size, humanBytes(k.SizeBytes))
		}
		if len(size) > 0 {
			fmt.Fprintf(&b, "  Size: %s\n", strings.Join(size, ", "))
		}
		for _, ds := range k.DataSources {
			fmt.Fprintf(&b, "  Data source %q", ds.ID)
			if ds.Name != "" {
				fmt.Fprintf(&b, " %s", ds.Name)
			}
			if ds.Type != "" {
				fmt.Fprintf(&b, " (%s)", ds.Type)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// countOf writes a count with the singular or plural noun.
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
