// Package docs holds knowledge-mcp's own documentation, compiled into the
// binary: with no --kb, the server serves it as its built-in knowledge
// base, so a fresh "knowledge-mcp serve" answers real searches at once.
//
// Every Markdown page of this folder is embedded. The project README is
// embedded through a copy, docs/README.md, refreshed by "go generate
// ./docs" and checked by a test.
package docs

import "embed"

//go:generate cp ../README.md README.md
//go:generate go run genindex.go

// FS holds every Markdown page of this folder.
//
//go:embed *.md
var FS embed.FS

// IndexFile is the index of FS, as local.EncodeFS makes it, written by "go
// generate ./docs" and checked by a test. Serving it saves indexing the
// pages at every start.
const IndexFile = "builtin.kbi"

// Index is the content of IndexFile.
//
//go:embed builtin.kbi
var Index []byte

// Name and Description of the built-in knowledge base.
const (
	Name        = "knowledge-mcp-docs"
	Description = "knowledge-mcp's own documentation: getting started, indexing folders, deploying to AWS, and troubleshooting the classic MCP-on-AWS failures (CloudFront 504, mixed content, health checks, exec format error, Bedrock access denied, CORS, open security groups, sessions behind load balancers, missing authentication)"
)
