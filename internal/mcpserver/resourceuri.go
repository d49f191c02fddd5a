package mcpserver

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// Documents are MCP resources with URIs of the form
//
//	kb://KNOWLEDGE_BASE_ID/DOCUMENT_URI
//
// where DOCUMENT_URI is the backend's own document URI ([kb.Result.URI],
// what get_document accepts) kept verbatim but for percent-escaping of the
// characters a URI cannot carry (space, %, ?, #, …). A local document
// "guides/deploy.md" of knowledge base "docs" is kb://docs/guides/deploy.md;
// an S3 source of Bedrock knowledge base ABCDEF1234 is
// kb://ABCDEF1234/s3://bucket/key.md. This file is the one place that maps
// between the two.
const (
	resourceScheme   = "kb://"
	resourceTemplate = "kb://{knowledge_base_id}/{+uri}"
)

// resourceURI returns the resource URI of document uri in knowledge base
// kbID, or "" when either is unknown. A backend URI that is already a
// resource URI of kbID (the local backend's are kb://NAME/PATH) is kept as
// it is; such a backend must then accept PATH alone in GetDocument, which
// is what parseResourceURI hands it back.
func resourceURI(kbID, uri string) string {
	if kbID == "" || uri == "" {
		return ""
	}
	prefix := resourceScheme + escape(kbID, false) + "/"
	if len(uri) > len(prefix) && strings.HasPrefix(uri, prefix) {
		return uri
	}
	return prefix + escape(uri, true)
}

// parseResourceURI splits a kb:// resource URI into knowledge base id and
// backend document URI.
func parseResourceURI(s string) (kbID, uri string, err error) {
	rest, ok := strings.CutPrefix(s, resourceScheme)
	if !ok {
		return "", "", fmt.Errorf("resource uri %q: %w: must start with %s", s, kb.ErrInvalidArgument, resourceScheme)
	}
	rawID, rawURI, ok := strings.Cut(rest, "/")
	if !ok || rawID == "" || rawURI == "" {
		return "", "", fmt.Errorf("resource uri %q: %w: must be %sKNOWLEDGE_BASE_ID/DOCUMENT_URI", s, kb.ErrInvalidArgument, resourceScheme)
	}
	if kbID, err = url.PathUnescape(rawID); err == nil {
		uri, err = url.PathUnescape(rawURI)
	}
	if err != nil {
		return "", "", fmt.Errorf("resource uri %q: %w: bad percent-escape: %v", s, kb.ErrInvalidArgument, err)
	}
	return kbID, uri, nil
}

// escape percent-encodes every byte of s that may not appear literally in a
// URI path segment (RFC 3986 pchar); with keepSlash, "/" stays literal too.
func escape(s string, keepSlash bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isPchar(c) || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isPchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}
