package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// WriteReference writes the Markdown reference of what server offers: each
// tool with its annotations and arguments, the resource templates and the
// prompts. It asks the server itself over an in-memory session, so the
// reference is exactly what clients see; docs/reference.md embeds it
// between generated-section markers, checked by this package's tests.
func WriteReference(ctx context.Context, w io.Writer, server *mcp.Server) error {
	st, ct := mcp.NewInMemoryTransports()
	ss, err := server.Connect(ctx, st, nil)
	if err != nil {
		return fmt.Errorf("reference: connect server: %w", err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "reference", Version: "0"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		return fmt.Errorf("reference: connect client: %w", err)
	}
	defer cs.Close()

	var b strings.Builder
	b.WriteString("### Tools\n")
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return fmt.Errorf("reference: tools/list: %w", err)
		}
		writeTool(&b, tool)
	}
	caps := cs.InitializeResult().Capabilities
	if caps.Resources != nil {
		b.WriteString("\n### Resources\n\n")
		for rt, err := range cs.ResourceTemplates(ctx, nil) {
			if err != nil {
				return fmt.Errorf("reference: resources/templates/list: %w", err)
			}
			fmt.Fprintf(&b, "- `%s` — %s. %s\n", rt.URITemplate, rt.Title, oneLine(rt.Description))
		}
	}
	if caps.Prompts != nil {
		b.WriteString("\n### Prompts\n\n")
		for p, err := range cs.Prompts(ctx, nil) {
			if err != nil {
				return fmt.Errorf("reference: prompts/list: %w", err)
			}
			var args []string
			for _, a := range p.Arguments {
				arg := "`" + a.Name + "`"
				if !a.Required {
					arg += " (optional)"
				}
				args = append(args, arg)
			}
			fmt.Fprintf(&b, "- `%s` (%s) — %s\n", p.Name, strings.Join(args, ", "), oneLine(p.Description))
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func writeTool(b *strings.Builder, tool *mcp.Tool) {
	var hints []string
	if a := tool.Annotations; a != nil {
		if a.ReadOnlyHint {
			hints = append(hints, "read-only")
		}
		if a.DestructiveHint != nil && *a.DestructiveHint {
			hints = append(hints, "destructive")
		}
		if a.IdempotentHint {
			hints = append(hints, "idempotent")
		}
		if a.OpenWorldHint != nil && *a.OpenWorldHint {
			hints = append(hints, "open world")
		}
	}
	fmt.Fprintf(b, "\n#### `%s` — %s", tool.Name, tool.Title)
	if len(hints) > 0 {
		fmt.Fprintf(b, " (%s)", strings.Join(hints, ", "))
	}
	fmt.Fprintf(b, "\n\n%s\n", tool.Description)
	var schema struct {
		Properties map[string]struct {
			Type        any    `json:"type"`
			Description string `json:"description"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	data, _ := json.Marshal(tool.InputSchema)
	if json.Unmarshal(data, &schema) != nil || len(schema.Properties) == 0 {
		return
	}
	names := make([]string, 0, len(schema.Properties))
	for name := range schema.Properties {
		names = append(names, name)
	}
	// Required arguments first, then by name.
	slices.SortFunc(names, func(x, y string) int {
		rx, ry := slices.Contains(schema.Required, x), slices.Contains(schema.Required, y)
		if rx != ry {
			if rx {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	})
	b.WriteString("\n| Argument | Type | Required | Description |\n|---|---|---|---|\n")
	for _, name := range names {
		p := schema.Properties[name]
		required := ""
		if slices.Contains(schema.Required, name) {
			required = "yes"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", name, typeName(p.Type), required, strings.ReplaceAll(oneLine(p.Description), "|", `\|`))
	}
}

func typeName(t any) string {
	switch t := t.(type) {
	case string:
		return t
	case []any:
		var parts []string
		for _, p := range t {
			if s, ok := p.(string); ok && s != "null" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " or ")
	}
	return "any"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
