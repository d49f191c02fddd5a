// Package docs holds knowledge-mcp's own documentation, compiled into the
// binary: with no --kb, the server serves it as its built-in knowledge
// base, so a fresh "knowledge-mcp serve" answers real searches at once.
package docs

import "embed"

// FS holds every Markdown page of this folder.
//
//go:embed *.md
var FS embed.FS

// Name and Description of the built-in knowledge base.
const (
	Name        = "knowledge-mcp-docs"
	Description = "knowledge-mcp's own documentation: getting started, indexing folders, deploying to AWS, and troubleshooting the classic MCP-on-AWS failures (CloudFront 504, mixed content, health checks, exec format error, Bedrock access denied, CORS, open security groups, sessions behind load balancers, missing authentication)"
)
