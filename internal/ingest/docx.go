package ingest

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// officeText is a Word, PowerPoint or Excel file rendered as Markdown-like
// text: headings as "#" lines, so chunking keeps the heading path.
type officeText struct {
	text  string
	title string
	meta  map[string]any
	// pages holds the byte offset where each slide starts (PowerPoint).
	pages []int
}

// parseDOCX reads a Word document: paragraphs in order, headings from the
// paragraph styles, list items, tables as rows (with the first row's
// cells as column names), then the headers and footers (each distinct one
// once), then the footnotes and endnotes.
func parseDOCX(r io.ReaderAt, size int64, deadline time.Time) (*officeText, error) {
	z, err := openOfficeZip(r, size, "docx")
	if err != nil {
		return nil, err
	}
	body, err := z.read("word/document.xml")
	if err != nil {
		return nil, missingPart(err, "a Word document")
	}
	w := &docxWalker{levels: docxHeadingStyles(z), deadline: deadline}
	var b strings.Builder
	if err := w.walk(body, &b); err != nil {
		return nil, fmt.Errorf("word/document.xml: %w", err)
	}
	var extras []string
	seen := map[string]bool{}
	for _, f := range z.zr.File {
		name := f.Name
		if !docxHeaderFooter.MatchString(name) {
			continue
		}
		data, err := z.read(name)
		if err != nil {
			return nil, err
		}
		var hb strings.Builder
		hw := &docxWalker{deadline: deadline}
		if hw.walk(data, &hb) != nil {
			continue
		}
		if t := strings.TrimSpace(hb.String()); t != "" && !seen[t] {
			seen[t] = true
			extras = append(extras, t)
		}
	}
	if len(extras) > 0 {
		b.WriteString("# Headers and footers\n\n" + strings.Join(extras, "\n\n") + "\n\n")
	}
	for _, part := range []struct{ name, title string }{{"word/footnotes.xml", "Footnotes"}, {"word/endnotes.xml", "Endnotes"}} {
		data, err := z.read(part.name)
		if err != nil {
			continue
		}
		var nb strings.Builder
		nw := &docxWalker{deadline: deadline, notes: true}
		if nw.walk(data, &nb) != nil {
			continue
		}
		if t := strings.TrimSpace(nb.String()); t != "" {
			b.WriteString("# " + part.title + "\n\n" + t + "\n\n")
		}
	}
	out := &officeText{text: b.String(), meta: z.coreProperties()}
	if t, ok := out.meta["title"].(string); ok {
		out.title = t
	} else {
		out.title = w.firstHeading
	}
	return out, nil
}

var docxHeaderFooter = regexp.MustCompile(`^word/(header|footer)\d*\.xml$`)

// docxHeadingStyles maps paragraph style ids to heading levels, from the
// style names ("heading 2", "Title") and outline levels in word/styles.xml.
func docxHeadingStyles(z *officeZip) map[string]int {
	levels := map[string]int{"Title": 1}
	for i := 1; i <= 9; i++ {
		levels["Heading"+strconv.Itoa(i)] = i
	}
	data, err := z.read("word/styles.xml")
	if err != nil {
		return levels
	}
	var styles struct {
		Style []struct {
			ID   string `xml:"styleId,attr"`
			Name struct {
				Val string `xml:"val,attr"`
			} `xml:"name"`
			PPr struct {
				Outline *struct {
					Val string `xml:"val,attr"`
				} `xml:"outlineLvl"`
			} `xml:"pPr"`
		} `xml:"style"`
	}
	if xml.Unmarshal(data, &styles) != nil {
		return levels
	}
	for _, s := range styles.Style {
		name := strings.ToLower(strings.TrimSpace(s.Name.Val))
		switch {
		case name == "title":
			levels[s.ID] = 1
		case strings.HasPrefix(name, "heading "):
			if n, err := strconv.Atoi(strings.TrimPrefix(name, "heading ")); err == nil && n >= 1 && n <= 9 {
				levels[s.ID] = n
			}
		case s.PPr.Outline != nil:
			if n, err := strconv.Atoi(s.PPr.Outline.Val); err == nil && n >= 0 && n < 9 {
				levels[s.ID] = n + 1
			}
		}
	}
	return levels
}

// docxWalker renders the paragraphs and tables of one WordprocessingML part.
type docxWalker struct {
	levels       map[string]int
	deadline     time.Time
	notes        bool
	firstHeading string
}

// docxPara is the paragraph being read.
type docxPara struct {
	text  strings.Builder
	style string
	level int // outline level from the paragraph's own properties
	list  bool
	ilvl  int
}

// docxTable is a table being read: its finished rows, the row and the cell
// being filled.
type docxTable struct {
	rows [][]string
	row  []string
	cell strings.Builder
}

func (w *docxWalker) walk(data []byte, out *strings.Builder) error {
	var para *docxPara
	var tables []*docxTable
	inText := false
	noteID := ""
	noteOpen := false
	return walkXML(data, w.deadline, func(tok xml.Token) bool {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "footnote", "endnote":
				noteID, noteOpen = attr(t, "id"), true
				if typ := attr(t, "type"); typ == "separator" || typ == "continuationSeparator" || typ == "continuationNotice" {
					noteID = ""
				}
			case "p":
				para = &docxPara{}
			case "pStyle":
				if para != nil {
					para.style = attr(t, "val")
				}
			case "outlineLvl":
				if para != nil {
					if n, err := strconv.Atoi(attr(t, "val")); err == nil && n >= 0 && n < 9 {
						para.level = n + 1
					}
				}
			case "numPr":
				if para != nil {
					para.list = true
				}
			case "ilvl":
				if para != nil {
					para.ilvl, _ = strconv.Atoi(attr(t, "val"))
				}
			case "t":
				inText = true
			case "tab":
				if para != nil {
					para.text.WriteByte('\t')
				}
			case "br", "cr":
				if para != nil {
					para.text.WriteByte('\n')
				}
			case "footnoteReference", "endnoteReference":
				if para != nil {
					para.text.WriteString("[" + attr(t, "id") + "]")
				}
			case "tbl":
				tables = append(tables, &docxTable{})
			case "tr":
				if len(tables) > 0 {
					tables[len(tables)-1].row = nil
				}
			case "tc":
				if len(tables) > 0 {
					tables[len(tables)-1].cell.Reset()
				}
			}
		case xml.CharData:
			if inText && para != nil {
				para.text.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if para == nil {
					return true
				}
				text := strings.TrimSpace(para.text.String())
				if noteOpen && noteID != "" && text != "" {
					text = "[" + noteID + "] " + text
					noteOpen = false
				}
				if noteID == "" && w.notes {
					para = nil
					return true
				}
				if len(tables) > 0 {
					c := &tables[len(tables)-1].cell
					if c.Len() > 0 && text != "" {
						c.WriteByte(' ')
					}
					c.WriteString(text)
				} else if text != "" {
					w.writeParagraph(out, para, text)
				}
				para = nil
			case "tc":
				if len(tables) > 0 {
					tb := tables[len(tables)-1]
					tb.row = append(tb.row, strings.Join(strings.Fields(tb.cell.String()), " "))
				}
			case "tr":
				if len(tables) > 0 {
					tb := tables[len(tables)-1]
					tb.rows = append(tb.rows, tb.row)
				}
			case "tbl":
				if len(tables) == 0 {
					return true
				}
				tb := tables[len(tables)-1]
				tables = tables[:len(tables)-1]
				rendered := renderTable(tb.rows)
				if len(tables) > 0 {
					c := &tables[len(tables)-1].cell
					c.WriteString(" " + strings.ReplaceAll(rendered, "\n", " "))
				} else if rendered != "" {
					if out.Len() > 0 && !strings.HasSuffix(out.String(), "\n\n") {
						out.WriteByte('\n')
					}
					out.WriteString(escapeMarkdown(rendered) + "\n")
				}
			}
		}
		return true
	})
}

func (w *docxWalker) writeParagraph(out *strings.Builder, p *docxPara, text string) {
	if !p.list && out.Len() > 0 && !strings.HasSuffix(out.String(), "\n\n") {
		out.WriteByte('\n') // end the list before
	}
	level := p.level
	if l, ok := w.levels[p.style]; ok {
		level = l
	}
	if level > 0 {
		title := strings.Join(strings.Fields(text), " ")
		if w.firstHeading == "" {
			w.firstHeading = title
		}
		out.WriteString(strings.Repeat("#", min(level, 6)) + " " + title + "\n\n")
		return
	}
	if p.list {
		out.WriteString(strings.Repeat("  ", min(max(p.ilvl, 0), 8)) + "- " + escapeMarkdown(text) + "\n")
		return
	}
	out.WriteString(escapeMarkdown(text) + "\n\n")
}

// renderTable writes a table as lines: when the first row names every
// column, each further row is "Name: value; Name: value" (the names go
// with the values, so a search for a value finds its row with its column
// names); otherwise cells are joined with " | ".
func renderTable(rows [][]string) string {
	rows = slices.DeleteFunc(rows, func(r []string) bool { return strings.Join(r, "") == "" })
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	header := rows[0]
	named := len(rows) > 1 && !slices.Contains(header, "")
	if !named {
		for _, r := range rows {
			b.WriteString(strings.Join(r, " | ") + "\n")
		}
		return b.String()
	}
	for _, r := range rows[1:] {
		b.WriteString(namedRow(header, r) + "\n")
	}
	return b.String()
}

// namedRow renders "Name: value; Name: value", leaving out empty cells.
func namedRow(header, row []string) string {
	var parts []string
	for i, v := range row {
		if v == "" {
			continue
		}
		if i < len(header) && header[i] != "" {
			parts = append(parts, header[i]+": "+v)
		} else {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, "; ")
}

// attr returns the value of the attribute with the given local name.
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
