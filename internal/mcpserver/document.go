package mcpserver

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// GetDocumentInput is the input of get_document.
type GetDocumentInput struct {
	URI             string `json:"uri" jsonschema:"The uri of a search result exactly as returned (e.g. 'guides/deploy.md' or 's3://bucket/key.pdf'), or a kb:// resource uri."`
	KnowledgeBaseID string `json:"knowledge_base_id,omitempty" jsonschema:"The knowledge_base_id of that search result. Omit it when there is only one knowledge base or the uri is a kb:// uri."`
	Pages           string `json:"pages,omitempty" jsonschema:"Only these pages of a PDF (slides of a presentation), from 1: '12', '12-15' or '12-' (to the end). A search result's page field says where a passage is. Omit it for the whole document."`
}

// DocumentOutput is the structured result of get_document.
type DocumentOutput struct {
	URI             string         `json:"uri" jsonschema:"the document's uri"`
	ResourceURI     string         `json:"resource_uri,omitempty" jsonschema:"the document as an MCP resource (kb://…)"`
	KnowledgeBaseID string         `json:"knowledge_base_id,omitempty"`
	Title           string         `json:"title,omitempty"`
	MIMEType        string         `json:"mime_type,omitempty" jsonschema:"type of the original document, e.g. text/markdown"`
	SizeBytes       int64          `json:"size_bytes" jsonschema:"size of the original document"`
	Truncated       bool           `json:"truncated,omitempty" jsonschema:"true when text is cut at the server's size limit"`
	Text            string         `json:"text" jsonschema:"the document's text"`
	Metadata        map[string]any `json:"metadata,omitempty"`
	Pages           *kb.PageSpan   `json:"pages,omitempty" jsonschema:"for a PDF or a presentation: the first and last page (slide) text holds, and how many the document has"`
}

func addGetDocument(server *mcp.Server, t *tools) {
	addTool(server, &mcp.Tool{
		Name:  "get_document",
		Title: "Read a whole document",
		Description: "Returns the full text of one source document of the knowledge base, named by the uri of a search_knowledge_base result. " +
			"Use it when a passage is not enough context; large documents are cut at the server's size limit, so read a long PDF a few pages at a time with pages (around a passage's page).",
		Annotations: readOnly("Read a whole document"),
		InputSchema: getDocumentInputSchema(),
	}, t.getDocument)
}

// getDocumentInputSchema is GetDocumentInput's inferred schema, its
// knowledge_base_id mirrored into a header.
func getDocumentInputSchema() *jsonschema.Schema {
	return mirrorKnowledgeBaseID(mustSchema[GetDocumentInput]())
}

func (t *tools) getDocument(ctx context.Context, _ *mcp.CallToolRequest, in GetDocumentInput) (*mcp.CallToolResult, DocumentOutput, error) {
	const op = "get_document"
	kbID, uri, err := documentRef(in.KnowledgeBaseID, in.URI)
	if err != nil {
		return nil, DocumentOutput{}, t.explain(ctx, op, err, "")
	}
	var doc *kb.Document
	if strings.TrimSpace(in.Pages) != "" {
		first, last, perr := parsePages(in.Pages)
		if perr != nil {
			return nil, DocumentOutput{}, t.explain(ctx, op, perr, "")
		}
		doc, err = kb.GetDocumentPages(ctx, t.backend, kbID, uri, first, last)
	} else {
		doc, err = t.backend.GetDocument(ctx, kbID, uri)
	}
	if err != nil {
		return nil, DocumentOutput{}, t.explain(ctx, op, err,
			"Pass a uri exactly as search_knowledge_base returned it, with its knowledge_base_id; list_knowledge_bases names the knowledge bases.")
	}
	out := DocumentOutput{
		URI: doc.URI, KnowledgeBaseID: kbID, Title: doc.Title, MIMEType: doc.MIMEType,
		SizeBytes: doc.SizeBytes, Truncated: doc.Truncated, Text: doc.Text, Metadata: doc.Metadata, Pages: doc.Pages,
	}
	if out.URI == "" {
		out.URI = uri
	}
	out.ResourceURI = resourceURI(kbID, out.URI)
	return textResult(renderDocument(out)), out, nil
}

// documentRef resolves get_document's arguments: a kb:// uri names its
// knowledge base itself (and must agree with knowledge_base_id if both are
// given); any other uri is the backend's own.
func documentRef(kbID, uri string) (string, string, error) {
	kbID, uri = strings.TrimSpace(kbID), strings.TrimSpace(uri)
	if uri == "" {
		return "", "", fmt.Errorf("uri: %w: must not be empty; pass the uri of a search result", kb.ErrInvalidArgument)
	}
	if !strings.HasPrefix(uri, resourceScheme) {
		return kbID, uri, nil
	}
	rid, ruri, err := parseResourceURI(uri)
	if err != nil {
		return "", "", err
	}
	if kbID != "" && kbID != rid {
		return "", "", fmt.Errorf("knowledge_base_id: %w: %q disagrees with the knowledge base %q of uri %s; omit one of them", kb.ErrInvalidArgument, kbID, rid, uri)
	}
	return rid, ruri, nil
}

// parsePages reads get_document's pages argument: "N", "N-M" or "N-"
// (last 0 means to the end).
func parsePages(s string) (first, last int, err error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	bad := fmt.Errorf("pages: %w: %q is not a page range; write '12', '12-15' or '12-' (pages count from 1)", kb.ErrInvalidArgument, s)
	a, b, isRange := strings.Cut(s, "-")
	first, err = strconv.Atoi(a)
	if err != nil || first < 1 {
		return 0, 0, bad
	}
	switch {
	case !isRange:
		return first, first, nil
	case b == "":
		return first, 0, nil
	}
	last, err = strconv.Atoi(b)
	if err != nil || last < first {
		return 0, 0, bad
	}
	return first, last, nil
}

func renderDocument(d DocumentOutput) string {
	var b strings.Builder
	if d.Title != "" {
		fmt.Fprintf(&b, "%s\n", d.Title)
	}
	fmt.Fprintf(&b, "Source: %s", d.URI)
	if d.KnowledgeBaseID != "" {
		fmt.Fprintf(&b, " (knowledge base %s)", d.KnowledgeBaseID)
	}
	fmt.Fprintf(&b, ", %s", humanBytes(d.SizeBytes))
	if p := d.Pages; p != nil {
		unit := "pages"
		if strings.HasSuffix(strings.ToLower(d.URI), ".pptx") {
			unit = "slides"
		}
		if p.First == 1 && p.Last == p.Total {
			fmt.Fprintf(&b, ", %d %s", p.Total, unit)
		} else {
			fmt.Fprintf(&b, "; %s %d-%d of %d", unit, p.First, p.Last, p.Total)
		}
	}
	if d.Truncated {
		fmt.Fprintf(&b, "; TRUNCATED to the first %s at the server's size limit", humanBytes(int64(len(d.Text))))
	}
	b.WriteString("\n\n")
	b.WriteString(d.Text)
	return b.String()
}
