package ingest

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// maxPDFFormDepth bounds form XObjects drawing form XObjects.
const maxPDFFormDepth = 8

// maxPDFPageGlyphs bounds the glyphs kept of one page.
const maxPDFPageGlyphs = 1 << 20

// Bounds on one content stream, checked before the library interprets it:
// it holds every operand until an operator comes and parses arrays and
// dictionaries by recursion, so a stream that inflates without end, or
// nests without end, would take all memory or overflow the stack.
const (
	maxPDFContentBytes = 16 << 20
	maxPDFNesting      = 256
)

// glyph is one character drawn on a page, in page space.
type glyph struct {
	x, y, size, w float64
	s             string
}

// pdfFont is what laying out text needs from a font, read once.
type pdfFont struct {
	enc      pdf.TextEncoding
	widths   []float64
	first    int
	twoByte  bool
	defaultW float64
	// table decodes each byte of a simple (one-byte) font.
	table *[256]string
}

// pdfFontCache keeps fonts across pages: the library resolves a font's
// objects again on every lookup (inflating their object stream each time),
// which dominates the time otherwise. Fonts are keyed by their object
// number where they have one, else by what identifies an embedded font
// (subset names are unique).
type pdfFontCache map[string]*pdfFont

func newPDFFontCache() pdfFontCache { return pdfFontCache{} }

func (c pdfFontCache) font(v pdf.Value, name string) *pdfFont {
	key := objectKey(v)
	if key != "" {
		// A direct font dictionary carries the number of the object that
		// holds it, where its resource name tells it from its siblings.
		key += " " + name
	} else {
		key = v.Key("BaseFont").Name() + "\x00" + v.Key("Subtype").Name() + "\x00" + v.Key("FirstChar").String() + "\x00" + v.Key("LastChar").String() + "\x00" + v.Key("Encoding").String()
	}
	if f, ok := c[key]; ok {
		return f
	}
	font := pdf.Font{V: v}
	f := &pdfFont{enc: font.Encoder(), first: int(v.Key("FirstChar").Int64()), defaultW: 500}
	w := v.Key("Widths")
	for i := 0; i < w.Len() && i < 65536; i++ {
		f.widths = append(f.widths, w.Index(i).Float64())
	}
	if v.Key("Subtype").Name() == "Type0" {
		f.twoByte = true
		f.defaultW = 1000
		if dw := v.Key("DescendantFonts").Index(0).Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.defaultW = dw.Float64()
		}
	} else {
		// A simple font's codes are single bytes: decode each once (the
		// library walks a Differences array on every call).
		f.table = new([256]string)
		for b := range 256 {
			f.table[b] = f.enc.Decode(string([]byte{byte(b)}))
		}
	}
	c[key] = f
	return f
}

// objectKey identifies the indirect object v was read from (or that holds
// it), or "" when that is unknown. The library keeps the object number
// unexported; it is read by reflection, and a library without it makes
// every key "".
func objectKey(v pdf.Value) string {
	ptr := reflect.ValueOf(v).FieldByName("ptr")
	if !ptr.IsValid() || ptr.Kind() != reflect.Struct || ptr.NumField() < 2 {
		return ""
	}
	id, gen := ptr.Field(0), ptr.Field(1)
	if !id.CanUint() || !gen.CanUint() || id.Uint() == 0 {
		return ""
	}
	return strconv.FormatUint(id.Uint(), 10) + " " + strconv.FormatUint(gen.Uint(), 10)
}

func (f *pdfFont) decode(raw string) string {
	if f.table != nil && len(raw) == 1 {
		return f.table[raw[0]]
	}
	return f.enc.Decode(raw)
}

func (f *pdfFont) width(code int) float64 {
	if i := code - f.first; !f.twoByte && i >= 0 && i < len(f.widths) {
		return f.widths[i]
	}
	return f.defaultW
}

// mat is a PDF transformation matrix [a b c d e f].
type mat [6]float64

var identity = mat{1, 0, 0, 1, 0, 0}

func (m mat) mul(n mat) mat {
	return mat{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

type textState struct {
	ctm                       mat
	tc, tw, th, tl, tfs, rise float64
	font                      *pdfFont
}

// pageGlyphs interprets a page's content stream (and the forms it draws)
// and returns its glyphs in drawing order.
func pageGlyphs(p pdf.Page, fonts pdfFontCache, deadline time.Time) []glyph {
	var out []glyph
	contents := p.V.Key("Contents")
	if contents.Kind() == pdf.Null {
		return nil
	}
	checkContent(contents)
	runContent(contents, p.Resources(), identity, fonts, &out, 0, deadline)
	return out
}

func runContent(strm, res pdf.Value, ctm mat, fonts pdfFontCache, out *[]glyph, depth int, deadline time.Time) {
	ops := 0
	g := textState{ctm: ctm, th: 1}
	byName := map[string]*pdfFont{} // this content's fonts; a lookup resolves objects, which is slow
	var stack []textState
	tm, tlm := identity, identity
	show := func(raw string) {
		f := g.font
		if f == nil {
			return
		}
		step := 1
		if f.twoByte {
			step = 2
		}
		for i := 0; i+step <= len(raw); i += step {
			code := int(raw[i])
			if step == 2 {
				code = code<<8 | int(raw[i+1])
			}
			s := f.decode(raw[i : i+step])
			w0 := f.width(code)
			trm := mat{g.tfs * g.th, 0, 0, g.tfs, 0, g.rise}.mul(tm).mul(g.ctm)
			size := math.Hypot(trm[2], trm[3])
			if s != "" && len(*out) < maxPDFPageGlyphs {
				*out = append(*out, glyph{x: trm[4], y: trm[5], size: size, w: w0 / 1000 * math.Hypot(trm[0], trm[1]), s: s})
			}
			tx := (w0/1000*g.tfs + g.tc) * g.th
			if step == 1 && code == ' ' {
				tx += g.tw * g.th
			}
			tm = mat{1, 0, 0, 1, tx, 0}.mul(tm)
		}
	}
	nextLine := func() {
		tlm = mat{1, 0, 0, 1, 0, -g.tl}.mul(tlm)
		tm = tlm
	}
	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		if ops++; ops%4096 == 0 {
			checkDeadline(deadline)
		}
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		num := func(i int) float64 {
			if i < len(args) {
				return args[i].Float64()
			}
			return 0
		}
		switch op {
		case "q":
			if len(stack) < 256 {
				stack = append(stack, g)
			}
		case "Q":
			if len(stack) > 0 {
				g = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			if len(args) == 6 {
				g.ctm = mat{num(0), num(1), num(2), num(3), num(4), num(5)}.mul(g.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tc":
			g.tc = num(0)
		case "Tw":
			g.tw = num(0)
		case "Tz":
			g.th = num(0) / 100
		case "TL":
			g.tl = num(0)
		case "Ts":
			g.rise = num(0)
		case "Tf":
			if len(args) == 2 {
				name := args[0].Name()
				f, ok := byName[name]
				if !ok {
					f = fonts.font(res.Key("Font").Key(name), name)
					byName[name] = f
				}
				g.font = f
				g.tfs = num(1)
			}
		case "Td", "TD":
			if len(args) == 2 {
				if op == "TD" {
					g.tl = -num(1)
				}
				tlm = mat{1, 0, 0, 1, num(0), num(1)}.mul(tlm)
				tm = tlm
			}
		case "Tm":
			if len(args) == 6 {
				tlm = mat{num(0), num(1), num(2), num(3), num(4), num(5)}
				tm = tlm
			}
		case "T*":
			nextLine()
		case "Tj":
			if len(args) == 1 {
				show(args[0].RawString())
			}
		case "'":
			if len(args) == 1 {
				nextLine()
				show(args[0].RawString())
			}
		case "\"":
			if len(args) == 3 {
				g.tw, g.tc = num(0), num(1)
				nextLine()
				show(args[2].RawString())
			}
		case "TJ":
			if len(args) == 1 {
				a := args[0]
				for i := 0; i < a.Len(); i++ {
					x := a.Index(i)
					if x.Kind() == pdf.String {
						show(x.RawString())
					} else {
						tx := -x.Float64() / 1000 * g.tfs * g.th
						tm = mat{1, 0, 0, 1, tx, 0}.mul(tm)
					}
				}
			}
		case "Do":
			if len(args) == 1 && depth < maxPDFFormDepth {
				xo := res.Key("XObject").Key(args[0].Name())
				if xo.Key("Subtype").Name() == "Form" {
					m := identity
					if fm := xo.Key("Matrix"); fm.Len() == 6 {
						m = mat{fm.Index(0).Float64(), fm.Index(1).Float64(), fm.Index(2).Float64(), fm.Index(3).Float64(), fm.Index(4).Float64(), fm.Index(5).Float64()}
					}
					checkContent(xo)
					formRes := xo.Key("Resources")
					if formRes.Kind() != pdf.Dict {
						formRes = res
					}
					runContent(xo, formRes, m.mul(g.ctm), fonts, out, depth+1, deadline)
				}
			}
		}
	})
}

// checkContent reads a content stream (or an array of them) once and
// panics with an error when it inflates past maxPDFContentBytes or nests
// arrays and dictionaries deeper than maxPDFNesting.
func checkContent(strm pdf.Value) {
	var parts []pdf.Value
	if strm.Kind() == pdf.Array {
		for i := 0; i < strm.Len() && i < 10000; i++ {
			parts = append(parts, strm.Index(i))
		}
	} else {
		parts = []pdf.Value{strm}
	}
	var total int64
	depth, inString, escaped, inComment := 0, 0, false, false
	var prev byte
	buf := make([]byte, 32<<10)
	for _, part := range parts {
		rc := part.Reader()
		for {
			n, err := rc.Read(buf)
			total += int64(n)
			if total > maxPDFContentBytes {
				rc.Close()
				panic(fmt.Errorf("a page's content inflates to more than %d MB", maxPDFContentBytes>>20))
			}
			for _, c := range buf[:n] {
				switch {
				case inComment:
					inComment = c != '\n' && c != '\r'
				case inString > 0:
					switch {
					case escaped:
						escaped = false
					case c == '\\':
						escaped = true
					case c == '(':
						inString++
					case c == ')':
						inString--
					}
				case c == '%':
					inComment = true
				case c == '(':
					inString = 1
				case c == '[' || (c == '<' && prev == '<'):
					if depth++; depth > maxPDFNesting {
						rc.Close()
						panic(fmt.Errorf("a page's content nests arrays or dictionaries more than %d deep", maxPDFNesting))
					}
					if c == '<' {
						c = 0 // "<<<" is "<<" then "<"
					}
				case c == ']' || (c == '>' && prev == '>'):
					depth = max(depth-1, 0)
					if c == '>' {
						c = 0
					}
				}
				prev = c
			}
			if err != nil {
				break
			}
		}
		rc.Close()
	}
}

// layoutGlyphs lays out the glyphs of a page as lines of text. Glyphs come
// in the order the page draws them, which is the reading order for what
// word processors and TeX write; a new line starts where the baseline
// moves, a blank line where it moves by more than two lines, and a space
// goes where two glyphs are apart by more than a sixth of the font size.
func layoutGlyphs(glyphs []glyph) string {
	var b strings.Builder
	var prev *glyph
	for i := range glyphs {
		g := &glyphs[i]
		r, _ := utf8.DecodeRuneInString(g.s)
		if unicode.IsControl(r) {
			continue
		}
		if prev != nil {
			size := math.Max(prev.size, 1)
			dy := g.y - prev.y
			gap := g.x - (prev.x + prev.w)
			switch {
			case math.Abs(dy) > size*0.6:
				b.WriteByte('\n')
				if -dy > size*2.2 {
					b.WriteByte('\n')
				}
			case gap > size*0.16 || gap < -size*2:
				if prev.s != " " && g.s != " " {
					b.WriteByte(' ')
				}
			}
		}
		b.WriteString(g.s)
		prev = g
	}
	return strings.TrimSpace(tidyPageText(b.String()))
}
