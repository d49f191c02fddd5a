package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// AnswerWithCitationsPrompt is the name of the prompt that asks an agent to
// answer from the knowledge base with citations.
const AnswerWithCitationsPrompt = "answer_with_citations"

func addPrompts(server *mcp.Server) {
	server.AddPrompt(&mcp.Prompt{
		Name:        AnswerWithCitationsPrompt,
		Title:       "Answer with citations",
		Description: "Answer a question from the knowledge base only, citing the title and uri of every passage used.",
		Arguments: []*mcp.PromptArgument{
			{Name: "question", Title: "Question", Description: "the question to answer", Required: true},
			{Name: "knowledge_base_id", Title: "Knowledge base", Description: "the knowledge base to search; omit to let the server choose"},
		},
	}, answerWithCitations)
}

func answerWithCitations(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	question := strings.TrimSpace(req.Params.Arguments["question"])
	if question == "" {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: AnswerWithCitationsPrompt + ": argument question is required and must not be empty"}
	}
	where := "the knowledge base"
	searchArgs := "query"
	if id := strings.TrimSpace(req.Params.Arguments["knowledge_base_id"]); id != "" {
		where = fmt.Sprintf("knowledge base %q", id)
		searchArgs = fmt.Sprintf("query and knowledge_base_id %q", id)
	}
	text := fmt.Sprintf(`Answer the question below using only %s.

1. Call search_knowledge_base with a %s: a few words that capture the question. If the passages do not answer it, search again with other words or split the question into parts; call get_document with a passage's uri when you need the surrounding text.
2. Answer from the passages alone. After each statement, cite its source as [n], numbering sources in the order you first cite them.
3. End with a "Sources" list: one line per [n] with the document title and its uri.
4. If the knowledge base does not answer the question, say so plainly and do not guess.

Question: %s`, where, searchArgs, question)
	return &mcp.GetPromptResult{
		Description: "Answer from the knowledge base with citations",
		Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
	}, nil
}
