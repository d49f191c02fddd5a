package ingest

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText is an HTML page rendered as Markdown-like text.
type htmlText struct {
	text    string
	title   string
	anchors map[string]int
}

// htmlToText renders the visible text of an HTML page: headings become "#"
// lines (so chunking follows them), blocks are separated by blank lines,
// <pre> keeps its layout; scripts, styles, navigation, headers, footers
// and permalink markers are dropped. Element ids are recorded with their
// offset in the text.
func htmlToText(content []byte) htmlText {
	root, err := html.Parse(bytes.NewReader(content))
	if err != nil {
		return htmlText{text: string(content)}
	}
	r := &htmlRenderer{anchors: map[string]int{}}
	r.walk(root)
	out := htmlText{text: strings.TrimSpace(r.b.String()) + "\n", anchors: r.anchors}
	title := strings.TrimSpace(collapse(r.title))
	h1 := strings.TrimSpace(r.h1)
	switch {
	case h1 != "" && (title == "" || strings.HasPrefix(title, h1)):
		out.title = h1
	case title != "":
		out.title = title
	default:
		out.title = h1
	}
	return out
}

type htmlRenderer struct {
	b       strings.Builder
	anchors map[string]int
	title   string
	h1      string
	pre     int
	// pendingSpace is a collapsed run of whitespace not yet written.
	pendingSpace bool
}

func (r *htmlRenderer) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		r.text(n.Data)
		return
	case html.ElementNode:
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			r.walk(c)
		}
		return
	}
	if skipElement(n) {
		if n.DataAtom == atom.Title && r.title == "" {
			r.title = textOf(n)
		}
		return
	}
	for _, a := range n.Attr {
		if a.Key == "id" || (a.Key == "name" && n.DataAtom == atom.A) {
			if _, seen := r.anchors[a.Val]; !seen {
				r.anchors[a.Val] = r.b.Len()
			}
		}
	}
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		level := int(n.Data[1] - '0')
		text := strings.TrimSpace(collapse(textOf(n)))
		if level == 1 && r.h1 == "" {
			r.h1 = text
		}
		if text == "" {
			return
		}
		// Record ids inside the heading (Sphinx puts some there) at the
		// heading's offset.
		r.block()
		recordIDs(n, r.anchors, r.b.Len())
		r.b.WriteString(strings.Repeat("#", level) + " " + text)
		r.block()
		return
	case atom.Pre:
		r.block()
		r.pre++
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			r.walk(c)
		}
		r.pre--
		r.block()
		return
	case atom.Br:
		r.newline()
		return
	case atom.Li, atom.Dt:
		r.newline()
	case atom.Td, atom.Th:
		r.pendingSpace = true
	}
	block := isBlock(n.DataAtom)
	if block {
		r.block()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.walk(c)
	}
	if block {
		r.block()
	}
}

func (r *htmlRenderer) text(s string) {
	s = strings.ReplaceAll(s, "¶", "")
	if r.pre > 0 {
		r.b.WriteString(s)
		return
	}
	for i, word := range strings.Fields(s) {
		if (i > 0 || r.pendingSpace || startsWithSpace(s)) && r.b.Len() > 0 && !endsWithBreak(&r.b) {
			r.b.WriteByte(' ')
		}
		r.pendingSpace = false
		r.b.WriteString(word)
	}
	if len(s) > 0 && isSpace(s[len(s)-1]) {
		r.pendingSpace = true
	}
}

func (r *htmlRenderer) newline() {
	r.pendingSpace = false
	if r.b.Len() > 0 && !endsWithBreak(&r.b) {
		r.b.WriteByte('\n')
	}
}

func (r *htmlRenderer) block() {
	r.pendingSpace = false
	if r.b.Len() == 0 {
		return
	}
	s := r.b.String()
	switch {
	case strings.HasSuffix(s, "\n\n"):
	case strings.HasSuffix(s, "\n"):
		r.b.WriteByte('\n')
	default:
		r.b.WriteString("\n\n")
	}
}

func endsWithBreak(b *strings.Builder) bool {
	s := b.String()
	return len(s) > 0 && s[len(s)-1] == '\n'
}

func startsWithSpace(s string) bool { return len(s) > 0 && isSpace(s[0]) }

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }

func skipElement(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Title, atom.Nav,
		atom.Header, atom.Footer, atom.Aside, atom.Svg, atom.Button, atom.Form, atom.Iframe, atom.Meta, atom.Link:
		return true
	}
	for _, a := range n.Attr {
		switch {
		case a.Key == "role" && a.Val == "navigation":
			return true
		case a.Key == "class" && n.DataAtom == atom.A && hasClass(a.Val, "headerlink"):
			return true
		case a.Key == "hidden":
			return true
		}
	}
	return false
}

func hasClass(list, class string) bool {
	for _, c := range strings.Fields(list) {
		if c == class {
			return true
		}
	}
	return false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Main, atom.Blockquote, atom.Ul, atom.Ol,
		atom.Dl, atom.Dd, atom.Table, atom.Tr, atom.Figure, atom.Figcaption, atom.Hr, atom.Details,
		atom.Summary, atom.Body, atom.Caption, atom.Address:
		return true
	}
	return false
}

func recordIDs(n *html.Node, anchors map[string]int, offset int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		for _, a := range c.Attr {
			if a.Key == "id" {
				if _, seen := anchors[a.Val]; !seen {
					anchors[a.Val] = offset
				}
			}
		}
		recordIDs(c, anchors, offset)
	}
}

// textOf returns the text under n, skipping what skipElement drops.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(strings.ReplaceAll(n.Data, "¶", ""))
			return
		}
		if n.Type == html.ElementNode && n.DataAtom != atom.Title && skipElement(n) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
