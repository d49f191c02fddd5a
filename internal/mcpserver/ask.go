package mcpserver

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// AskInput is the input of ask_knowledge_base.
type AskInput struct {
	Question        string         `json:"question" jsonschema:"The question to answer from the knowledge base, as a full sentence."`
	KnowledgeBaseID string         `json:"knowledge_base_id,omitempty" jsonschema:"Id of the knowledge base to answer from, as list_knowledge_bases returns it. Omit it when there is only one."`
	MaxResults      int            `json:"max_results,omitempty" jsonschema:"How many passages the answer may draw on, 1 to 100 (default 5)."`
	Filter          map[string]any `json:"filter,omitempty"`
	SessionID       string         `json:"session_id,omitempty" jsonschema:"The session_id of a previous answer, to ask a follow-up question in the same conversation."`
	SearchType      string         `json:"search_type,omitempty" jsonschema:"How to find the passages the answer draws on: HYBRID (keywords and meaning) or SEMANTIC (meaning only). Omit it to let the knowledge base choose."`
	DataSourceIDs   []string       `json:"data_source_ids,omitempty" jsonschema:"Only draw on passages from these data sources (ids from list_knowledge_bases)."`
}

// AskOutput is the structured result of ask_knowledge_base.
type AskOutput struct {
	Answer    string        `json:"answer" jsonschema:"the generated answer"`
	Citations []AskCitation `json:"citations" jsonschema:"which parts of the answer rest on which sources"`
	Sources   []Passage     `json:"sources" jsonschema:"the distinct passages cited, numbered as the [n] markers in the text"`
	SessionID string        `json:"session_id,omitempty" jsonschema:"pass it back as session_id for a follow-up question"`
	// GuardrailAction is the backend's guardrail verdict (kb.Answer).
	GuardrailAction string `json:"guardrail_action,omitempty" jsonschema:"verdict of the knowledge base's guardrail where one is configured (Bedrock: INTERVENED or NONE); INTERVENED means the answer was blocked or masked"`
}

// AskCitation ties a span of the answer to its sources.
type AskCitation struct {
	Text    string `json:"text,omitempty" jsonschema:"the cited part of the answer"`
	Start   int    `json:"start" jsonschema:"byte offset of the span in answer"`
	End     int    `json:"end" jsonschema:"byte offset just past the span"`
	Sources []int  `json:"sources" jsonschema:"ranks of the supporting passages in sources"`
}

// askInputSchema is AskInput's inferred schema with the default and the
// filter shape, as in search_knowledge_base.
func askInputSchema() *jsonschema.Schema {
	schema := mustSchema[AskInput]()
	schema.Properties["max_results"].Default = fmt.Appendf(nil, "%d", kb.DefaultMaxResults)
	schema.Properties["filter"] = filterSchema()
	// A plain "array", not ["null","array"], as in search_knowledge_base.
	schema.Properties["data_source_ids"].Types = nil
	schema.Properties["data_source_ids"].Type = "array"
	return mirrorKnowledgeBaseID(schema)
}

func addAsk(server *mcp.Server, t *tools, gen kb.Generator) {
	addTool(server, &mcp.Tool{
		Name:  "ask_knowledge_base",
		Title: "Answer a question from the knowledge base",
		Description: "Answers a question with text generated from the knowledge base's passages, with citations of the sources each part rests on. " +
			"Slower and costlier than search_knowledge_base; prefer searching when you can read the passages yourself. Pass session_id back for follow-up questions.",
		// Not idempotent: with session_id each call extends a conversation.
		Annotations: &mcp.ToolAnnotations{Title: "Answer a question from the knowledge base", ReadOnlyHint: true, DestructiveHint: new(false), OpenWorldHint: new(false)},
		InputSchema: askInputSchema(),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in AskInput) (*mcp.CallToolResult, AskOutput, error) {
		return t.ask(ctx, gen, in)
	})
}

func (t *tools) ask(ctx context.Context, gen kb.Generator, in AskInput) (*mcp.CallToolResult, AskOutput, error) {
	const op = "ask_knowledge_base"
	filter, err := kb.FilterFromValue(nilIfEmpty(in.Filter))
	if err != nil {
		return nil, AskOutput{}, t.explain(ctx, op, err, "")
	}
	q := kb.AskQuery{
		KnowledgeBaseID: in.KnowledgeBaseID, Question: in.Question, MaxResults: in.MaxResults, Filter: filter, SessionID: in.SessionID,
		SearchType: in.SearchType, DataSourceIDs: in.DataSourceIDs,
	}
	if err := q.Normalize(); err != nil {
		return nil, AskOutput{}, t.explain(ctx, op, err, "")
	}
	ans, err := gen.Ask(ctx, q)
	if err != nil {
		return nil, AskOutput{}, t.explain(ctx, op, err, hintUnknownKB+" An expired session_id is also not found: ask again without it.")
	}
	out := answerOutput(ans, q.KnowledgeBaseID)
	return textResult(renderAnswer(out)), out, nil
}

// answerOutput numbers the distinct cited passages (by knowledge base, uri
// and position) in order of first citation.
func answerOutput(ans *kb.Answer, defaultKB string) AskOutput {
	out := AskOutput{Answer: ans.Text, SessionID: ans.SessionID, GuardrailAction: ans.GuardrailAction, Citations: []AskCitation{}, Sources: []Passage{}}
	index := map[string]int{}
	for _, c := range ans.Citations {
		ac := AskCitation{Text: c.Text, Start: c.Start, End: c.End, Sources: []int{}}
		for _, p := range passages(c.References, defaultKB) {
			key := fmt.Sprintf("%s\x00%s\x00%d\x00%s", p.KnowledgeBaseID, p.URI, p.ChunkIndex, p.Text)
			rank, ok := index[key]
			if !ok {
				rank = len(out.Sources) + 1
				index[key] = rank
				p.Rank = rank
				out.Sources = append(out.Sources, p)
			}
			if !slices.Contains(ac.Sources, rank) {
				ac.Sources = append(ac.Sources, rank)
			}
		}
		out.Citations = append(out.Citations, ac)
	}
	return out
}

// renderAnswer writes the answer with [n] markers after each cited span
// (where the span's offsets fall on the answer's characters), then the
// numbered sources.
func renderAnswer(out AskOutput) string {
	text := out.Answer
	type mark struct {
		at    int
		label string
	}
	var marks []mark
	for _, c := range out.Citations {
		if len(c.Sources) == 0 || c.End < 0 || c.End > len(text) || !utf8.RuneStart(byteAt(text, c.End)) {
			continue
		}
		labels := make([]string, len(c.Sources))
		for i, s := range c.Sources {
			labels[i] = fmt.Sprintf("[%d]", s)
		}
		marks = append(marks, mark{c.End, strings.Join(labels, "")})
	}
	slices.SortStableFunc(marks, func(a, b mark) int { return b.at - a.at })
	for _, m := range marks {
		text = text[:m.at] + m.label + text[m.at:]
	}
	var b strings.Builder
	writeGuardrail(&b, out.GuardrailAction, "of the answer")
	b.WriteString(text)
	if len(out.Sources) > 0 {
		b.WriteString("\n\nSources:\n")
		for _, p := range out.Sources {
			title := p.Title
			if title == "" {
				title = p.URI
			}
			fmt.Fprintf(&b, "[%d] %s — %s\n", p.Rank, title, p.URI)
		}
	}
	if out.SessionID != "" {
		fmt.Fprintf(&b, "\n(session_id %s: pass it back for a follow-up question)\n", out.SessionID)
	}
	return b.String()
}

// byteAt returns s[i], or a rune-start byte at the end of s.
func byteAt(s string, i int) byte {
	if i == len(s) {
		return ' '
	}
	return s[i]
}
