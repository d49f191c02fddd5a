package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/knowledge-mcp/knowledge-mcp/internal/testbin"
)

// TestMixedFormatsOverMCP indexes a folder of PDF, Word, PowerPoint,
// Excel, CSV, Markdown, HTML and text files (and broken ones) with the real
// binary, serves it, and checks over MCP that each format is found with its
// citation: PDF pages, slides, sheets; and that get_document reads a page
// range of the PDF.
func TestMixedFormatsOverMCP(t *testing.T) {
	folder, dataDir := t.TempDir(), t.TempDir()
	fixtures := "../../internal/ingest/testdata/formats"
	for src, dst := range map[string]string{
		"guide.pdf": "manuals/guide.pdf", "handbook.docx": "handbook.docx", "deck.pptx": "deck.pptx",
		"stock.xlsx": "stock.xlsx", "cities.csv": "cities.csv",
		"broken/truncated.pdf": "broken.pdf", "broken/notzip.docx": "notzip.docx", "scanned.pdf": "scan.pdf",
	} {
		b, err := os.ReadFile(filepath.Join(fixtures, src))
		if err != nil {
			t.Fatal(err)
		}
		writeFiles(t, folder, map[string]string{dst: string(b)})
	}
	writeFiles(t, folder, map[string]string{
		"notes.md":                    "# Notes\n\nThe quokka enclosure opens at nine.\n",
		"page.html":                   "<html><head><title>Lanterns</title></head><body><h1>Lanterns</h1><p>Paper lanterns need wax candles.</p></body></html>",
		"readme.txt":                  "Kayak rentals close at dusk.\n",
		"old.doc":                     "\xd0\xcf\x11\xe0legacy",
		"handbook.docx.metadata.json": `{"metadataAttributes":{"team":"field"}}`,
	})

	out, err := exec.Command(testbin.Path(t), "index", folder, "--kb", "mixed", "--data-dir", dataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	for _, want := range []string{
		"documents by format: 1 csv, 1 docx, 1 html, 1 markdown, 1 pdf, 1 pptx, 1 text, 1 xlsx",
		"skipped: broken.pdf: corrupt or truncated PDF",
		"skipped: notzip.docx: not a valid .docx (not a zip)",
		"skipped: scan.pdf: PDF has no text layer",
		"skipped: old.doc: legacy Word .doc; save it as .docx",
		"skipped by reason: ",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("index output lacks %q:\n%s", want, out)
		}
	}

	srv := testbin.Start(t, []string{"KNOWLEDGE_MCP_DATA=" + dataDir}, "--kb", "mixed="+folder)
	cs, ctx := connect(t, srv.URL)
	call := func(name string, args map[string]any, into any) string {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text := res.Content[0].(*mcp.TextContent).Text
		if res.IsError {
			t.Fatalf("%s %v: %s", name, args, text)
		}
		data, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(data, into); err != nil {
			t.Fatal(err)
		}
		return text
	}
	type passage struct {
		URI         string         `json:"uri"`
		Page        int            `json:"page"`
		HeadingPath []string       `json:"heading_path"`
		Text        string         `json:"text"`
		Metadata    map[string]any `json:"metadata"`
	}
	tests := []struct {
		query, uri, heading, cite string
		page                      int
	}{
		{"grease the bearings operating hours", "kb://mixed/manuals/guide.pdf", "Servicing", "page 2", 2},
		{"mechanical seal impeller scoring", "kb://mixed/manuals/guide.pdf", "Servicing > Seals", "page 3", 3},
		{"warehouse migration", "kb://mixed/deck.pptx", "Slide 2: Revenue", "slide 2", 2},
		{"orange helmet", "kb://mixed/handbook.docx", "Safety", "", 0},
		{"ladder Cara", "kb://mixed/handbook.docx", "Equipment", "", 0},
		{"gasket Sul SA", "kb://mixed/stock.xlsx", "Inventory", "", 0},
		{"Lyon France population", "kb://mixed/cities.csv", "", "", 0},
		{"quokka enclosure", "kb://mixed/notes.md", "Notes", "", 0},
		{"paper lanterns wax", "kb://mixed/page.html", "Lanterns", "", 0},
		{"kayak rentals", "kb://mixed/readme.txt", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got struct{ Results []passage }
			text := call("search_knowledge_base", map[string]any{"query": tt.query, "max_results": 3}, &got)
			if len(got.Results) == 0 {
				t.Fatalf("no results:\n%s", text)
			}
			first := got.Results[0]
			if first.URI != tt.uri || strings.Join(first.HeadingPath, " > ") != tt.heading || first.Page != tt.page {
				t.Errorf("first result %s (section %q, page %d); want %s (section %q, page %d)", first.URI, strings.Join(first.HeadingPath, " > "), first.Page, tt.uri, tt.heading, tt.page)
			}
			if tt.cite != "" && !strings.Contains(text, "Source: "+tt.uri+", "+tt.cite) {
				t.Errorf("text does not cite %q:\n%s", tt.cite, text)
			}
		})
	}

	var doc struct {
		Text     string         `json:"text"`
		Title    string         `json:"title"`
		Metadata map[string]any `json:"metadata"`
		Pages    struct{ First, Last, Total int }
	}
	text := call("get_document", map[string]any{"uri": "kb://mixed/manuals/guide.pdf", "pages": "2-3"}, &doc)
	if !strings.Contains(doc.Text, "Grease the bearings") || !strings.Contains(doc.Text, "mechanical seal") || strings.Contains(doc.Text, "Bolt the pump") {
		t.Errorf("pages 2-3 text:\n%s", doc.Text)
	}
	if doc.Pages.First != 2 || doc.Pages.Last != 3 || doc.Pages.Total != 3 || !strings.Contains(text, "pages 2-3 of 3") {
		t.Errorf("pages %+v, text:\n%s", doc.Pages, text)
	}
	if doc.Title != "Pump Maintenance Guide" || doc.Metadata["author"] != "Dara Quinn" {
		t.Errorf("title %q, metadata %v", doc.Title, doc.Metadata)
	}
	doc.Metadata = nil
	call("get_document", map[string]any{"uri": "kb://mixed/handbook.docx"}, &doc)
	if !strings.Contains(doc.Text, "Helmets are replaced every two years.") || doc.Metadata["team"] != "field" || doc.Metadata["author"] != "Ana Lima" {
		t.Errorf("handbook.docx: metadata %v, text:\n%s", doc.Metadata, doc.Text)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_document", Arguments: map[string]any{"uri": "kb://mixed/notes.md", "pages": "1"}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "has no pages") {
		t.Errorf("pages of a Markdown file: %v %+v", err, res)
	}
}
