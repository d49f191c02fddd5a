package ingest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// maxSlides bounds a presentation.
const maxSlides = 5000

// parsePPTX reads a PowerPoint deck: one section per slide, in the order
// of the presentation, headed by the slide's title (or "Slide N"), with
// the text of its other shapes and then its speaker notes. The start of
// each slide is recorded so that a passage cites its slide number.
func parsePPTX(r io.ReaderAt, size int64, deadline time.Time) (*officeText, error) {
	z, err := openOfficeZip(r, size, "pptx")
	if err != nil {
		return nil, err
	}
	pres, err := z.read("ppt/presentation.xml")
	if err != nil {
		return nil, missingPart(err, "a PowerPoint presentation")
	}
	var p struct {
		Slides []struct {
			RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sldIdLst>sldId"`
	}
	if err := xml.Unmarshal(pres, &p); err != nil {
		return nil, fmt.Errorf("ppt/presentation.xml: %w", err)
	}
	if len(p.Slides) > maxSlides {
		return nil, fmt.Errorf("more than %d slides", maxSlides)
	}
	targets := z.relTargets("ppt/presentation.xml")
	out := &officeText{meta: z.coreProperties()}
	var b strings.Builder
	for i, s := range p.Slides {
		checkDeadline(deadline)
		part := targets[s.RID]
		if part == "" {
			continue
		}
		data, err := z.read(part)
		if err != nil {
			return nil, fmt.Errorf("slide %d: %w", i+1, err)
		}
		title, body, err := slideText(data)
		if err != nil {
			return nil, fmt.Errorf("slide %d (%s): %w", i+1, part, err)
		}
		heading := "Slide " + strconv.Itoa(i+1)
		if title != "" {
			heading += ": " + title
		}
		out.pages = append(out.pages, b.Len())
		b.WriteString("# " + heading + "\n\n")
		if body != "" {
			b.WriteString(escapeMarkdown(body) + "\n\n")
		}
		for _, t := range z.relTargets(part) {
			if !strings.Contains(t, "notesSlide") {
				continue
			}
			if nd, err := z.read(t); err == nil {
				if _, notes, err := slideText(nd); err == nil && notes != "" {
					b.WriteString("Notes: " + escapeMarkdown(notes) + "\n\n")
				}
			}
		}
		if out.title == "" && title != "" && i == 0 {
			out.title = title
		}
	}
	out.text = b.String()
	if t, ok := out.meta["title"].(string); ok {
		out.title = t
	}
	return out, nil
}

// slideText returns the title placeholder's text and the text of the other
// shapes of a slide (or notes page), paragraphs on lines of their own. The
// slide-number placeholder and the notes page's slide image are left out.
func slideText(data []byte) (title, body string, err error) {
	d := xmlDecoder(data)
	var titleB, bodyB strings.Builder
	var shape *strings.Builder
	skip := false
	isTitle := false
	inText := false
	var para strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sp", "graphicFrame":
				shape = &strings.Builder{}
				isTitle, skip = false, false
			case "ph":
				switch attr(t, "type") {
				case "title", "ctrTitle":
					isTitle = true
				case "sldNum", "sldImg", "dt", "ftr", "hdr":
					skip = true
				}
			case "p":
				para.Reset()
			case "t":
				inText = true
			case "br":
				para.WriteByte(' ')
			case "tc":
				para.WriteString(" ")
			}
		case xml.CharData:
			if inText {
				para.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if line := strings.Join(strings.Fields(para.String()), " "); line != "" && shape != nil {
					if shape.Len() > 0 {
						shape.WriteByte('\n')
					}
					shape.WriteString(line)
				}
				para.Reset()
			case "sp", "graphicFrame":
				if shape == nil || skip {
					shape = nil
					continue
				}
				text := shape.String()
				if isTitle {
					if titleB.Len() > 0 {
						titleB.WriteByte(' ')
					}
					titleB.WriteString(strings.Join(strings.Fields(text), " "))
				} else if text != "" {
					if bodyB.Len() > 0 {
						bodyB.WriteByte('\n')
					}
					bodyB.WriteString(text)
				}
				shape = nil
			}
		}
	}
	return titleB.String(), bodyB.String(), nil
}
