package mcpserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// resourcesPageSize is how many documents one resources/list page holds.
const resourcesPageSize = 100

func addResources(server *mcp.Server, t *tools, maxListed int) {
	server.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "document",
		Title:       "Knowledge base document",
		URITemplate: resourceTemplate,
		Description: "The full text of a document of a knowledge base. uri is the document uri a search result gives (resource_uri is the whole address).",
	}, t.readResource)
	if maxListed == 0 {
		maxListed = DefaultMaxListedResources
	}
	if lister, ok := t.backend.(kb.DocumentLister); ok && maxListed > 0 {
		server.AddReceivingMiddleware(listDocuments(t, lister, maxListed))
	}
}

// readResource serves resources/read for kb:// URIs.
func (t *tools) readResource(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	kbID, docURI, err := parseResourceURI(uri)
	if err != nil {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: err.Error()}
	}
	doc, err := t.backend.GetDocument(ctx, kbID, docURI)
	switch {
	case errors.Is(err, kb.ErrNotFound):
		return nil, mcp.ResourceNotFoundError(uri)
	case errors.Is(err, kb.ErrInvalidArgument):
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: err.Error()}
	case err != nil:
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: t.explain(ctx, "resources/read", err, "").Error()}
	}
	mime := doc.MIMEType
	if mime == "" || !isText(mime) {
		// The text is what the backend extracted (from PDF, HTML…).
		mime = "text/plain"
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: mime, Text: doc.Text}}}, nil
}

func isText(mime string) bool {
	return strings.HasPrefix(mime, "text/") || mime == "application/json"
}

// listCursor is the opaque resources/list cursor: the knowledge base being
// listed, the backend's cursor within it, and how many documents were
// listed before.
type listCursor struct {
	KB     string `json:"k"`
	Cursor string `json:"c,omitempty"`
	Listed int    `json:"n"`
}

func (c listCursor) encode() string {
	data, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeListCursor(s string) (listCursor, error) {
	var c listCursor
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(data, &c)
	}
	if err != nil || c.KB == "" || c.Listed < 0 {
		return c, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("resources/list: cursor %q is not one this server issued; list again without a cursor", s)}
	}
	return c, nil
}

// listDocuments answers resources/list with the backends' documents, in
// pages of resourcesPageSize, at most maxListed in all. A backend failure
// ends the listing early with a warning in the log rather than an error:
// gateways (AgentCore) list resources when they synchronize a target, and
// one unreadable knowledge base must not fail that.
func listDocuments(t *tools, lister kb.DocumentLister, maxListed int) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "resources/list" {
				return next(ctx, method, req)
			}
			params, _ := req.GetParams().(*mcp.ListResourcesParams)
			var cur listCursor
			if params != nil && params.Cursor != "" {
				var err error
				if cur, err = decodeListCursor(params.Cursor); err != nil {
					return nil, err
				}
				params.Cursor = "" // ours, not the SDK's
			}
			res, err := next(ctx, method, req)
			if err != nil {
				return nil, err
			}
			out, ok := res.(*mcp.ListResourcesResult)
			if !ok {
				return res, nil
			}
			out.Resources, out.NextCursor = t.documentPage(ctx, lister, cur, maxListed)
			return out, nil
		}
	}
}

func (t *tools) documentPage(ctx context.Context, lister kb.DocumentLister, cur listCursor, maxListed int) ([]*mcp.Resource, string) {
	resources := []*mcp.Resource{}
	kbs, err := t.backend.ListKnowledgeBases(ctx)
	if err != nil {
		t.logger.WarnContext(ctx, "resources/list: cannot list knowledge bases", "err", err)
		return resources, ""
	}
	start := 0
	if cur.KB != "" {
		start = -1
		for i, k := range kbs {
			if k.ID == cur.KB {
				start = i
			}
		}
		if start < 0 {
			return resources, "" // the knowledge base went away
		}
	}
	listed := cur.Listed
	for i := start; i < len(kbs); i++ {
		k := kbs[i]
		cursor := ""
		if i == start {
			cursor = cur.Cursor
		}
		for {
			if listed >= maxListed {
				return resources, ""
			}
			limit := min(resourcesPageSize-len(resources), maxListed-listed)
			if limit <= 0 {
				return resources, listCursor{KB: k.ID, Cursor: cursor, Listed: listed}.encode()
			}
			docs, next, err := lister.ListDocuments(ctx, k.ID, cursor, limit)
			if err != nil {
				t.logger.WarnContext(ctx, "resources/list: cannot list documents", "knowledge_base", k.ID, "err", err)
				break
			}
			for _, d := range docs[:min(len(docs), limit)] {
				resources = append(resources, documentResource(k, d))
				listed++
			}
			if next == "" || next == cursor {
				break
			}
			cursor = next
		}
	}
	return resources, ""
}

func documentResource(k kb.KnowledgeBase, d kb.DocumentInfo) *mcp.Resource {
	kbID := d.KnowledgeBaseID
	if kbID == "" {
		kbID = k.ID
	}
	name := k.Name
	if name == "" {
		name = k.ID
	}
	return &mcp.Resource{
		URI:         resourceURI(kbID, d.URI),
		Name:        d.URI,
		Title:       d.Title,
		Description: fmt.Sprintf("Document %s of knowledge base %s", d.URI, name),
		MIMEType:    d.MIMEType,
		Size:        d.SizeBytes,
	}
}
