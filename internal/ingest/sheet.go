package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds on a spreadsheet: rows with any value past maxSheetRows, and
// columns past maxSheetColumns, are left out (and the text says so).
const (
	maxSheetRows    = 200000
	maxSheetColumns = 1000
)

// sheetWriter renders the rows of one sheet: its first row with a value
// names the columns, and every further row becomes one paragraph
// "Name: value; Name: value". Each row carries its column names, so a
// chunk cut anywhere in a large sheet still says what its values are.
type sheetWriter struct {
	b         *strings.Builder
	header    []string
	rows      int
	truncated bool
}

// row adds a row; empty rows are ignored. It reports false once the sheet
// holds maxSheetRows rows.
func (s *sheetWriter) row(cells []string) bool {
	if len(cells) > maxSheetColumns {
		cells = cells[:maxSheetColumns]
	}
	empty := true
	for i, c := range cells {
		c = strings.Join(strings.Fields(c), " ")
		cells[i] = c
		if c != "" {
			empty = false
		}
	}
	if empty {
		return true
	}
	if s.header == nil {
		s.header = make([]string, len(cells))
		for i, c := range cells {
			if c == "" {
				c = columnName(i)
			}
			s.header[i] = c
		}
		return true
	}
	if s.rows >= maxSheetRows {
		s.truncated = true
		return false
	}
	s.rows++
	s.b.WriteString(escapeMarkdown(namedRow(s.header, cells)) + "\n\n")
	return true
}

// finish writes what is left: a sheet holding only its header row shows
// that row, and a truncated sheet says so.
func (s *sheetWriter) finish() {
	if s.rows == 0 && s.header != nil {
		s.b.WriteString(escapeMarkdown(strings.Join(s.header, "; ")) + "\n\n")
	}
	if s.truncated {
		fmt.Fprintf(s.b, "(rows after the first %d are not indexed)\n\n", maxSheetRows)
	}
}

// columnName is a spreadsheet column's letters: 0 is A, 26 is AA.
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}

// parseCSV reads comma-, semicolon- or tab-separated values (the
// separator is guessed from the first line) into one section of rows.
func parseCSV(content []byte, deadline time.Time) (string, error) {
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(content) {
		content = []byte(strings.ToValidUTF8(string(content), "\uFFFD"))
	}
	first, _, _ := bytes.Cut(content, []byte("\n"))
	sep := ','
	best := bytes.Count(first, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if n := bytes.Count(first, []byte(string(c))); n > best {
			sep, best = c, n
		}
	}
	r := csv.NewReader(bytes.NewReader(content))
	r.Comma, r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = sep, -1, true, true
	var b strings.Builder
	w := &sheetWriter{b: &b}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			checkDeadline(deadline)
		}
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return "", fmt.Errorf("not valid CSV: line %d: %v", pe.Line, pe.Err)
			}
			return "", fmt.Errorf("not valid CSV: %w", err)
		}
		if !w.row(append([]string(nil), rec...)) {
			break
		}
	}
	w.finish()
	return b.String(), nil
}

// parseXLSX reads an Excel workbook: one section per sheet, named after
// it, in workbook order. Cells show their value (shared and inline
// strings, numbers, booleans, dates for date-formatted cells).
func parseXLSX(r io.ReaderAt, size int64, deadline time.Time) (*officeText, error) {
	z, err := openOfficeZip(r, size, "xlsx")
	if err != nil {
		return nil, err
	}
	wbData, err := z.read("xl/workbook.xml")
	if err != nil {
		return nil, missingPart(err, "an Excel workbook")
	}
	var wb struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Name  string `xml:"name,attr"`
			State string `xml:"state,attr"`
			RID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(wbData, &wb); err != nil {
		return nil, fmt.Errorf("xl/workbook.xml: %w", err)
	}
	shared, err := sharedStrings(z, deadline)
	if err != nil {
		return nil, err
	}
	dates := dateStyles(z)
	date1904 := wb.Pr.Date1904 == "1" || wb.Pr.Date1904 == "true"
	targets := z.relTargets("xl/workbook.xml")
	out := &officeText{meta: z.coreProperties()}
	var b strings.Builder
	for _, s := range wb.Sheets {
		part := targets[s.RID]
		if part == "" || !z.has(part) {
			continue
		}
		data, err := z.read(part)
		if err != nil {
			return nil, fmt.Errorf("sheet %q: %w", s.Name, err)
		}
		b.WriteString("# " + strings.Join(strings.Fields(s.Name), " ") + "\n\n")
		w := &sheetWriter{b: &b}
		if err := readSheet(data, shared, dates, date1904, w, deadline); err != nil {
			return nil, fmt.Errorf("sheet %q: %w", s.Name, err)
		}
		w.finish()
	}
	out.text = b.String()
	if t, ok := out.meta["title"].(string); ok {
		out.title = t
	}
	return out, nil
}

// sharedStrings reads xl/sharedStrings.xml (absent in some workbooks).
func sharedStrings(z *officeZip, deadline time.Time) ([]string, error) {
	data, err := z.read("xl/sharedStrings.xml")
	if errors.Is(err, errMissingPart) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	var cur strings.Builder
	inT, inPhonetic := false, false
	err = walkXML(data, deadline, func(tok xml.Token) bool {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				inPhonetic = true
			}
		case xml.CharData:
			if inT && !inPhonetic {
				cur.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				out = append(out, cur.String())
			case "t":
				inT = false
			case "rPh":
				inPhonetic = false
			}
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("xl/sharedStrings.xml: %w", err)
	}
	return out, nil
}

// dateStyles returns, by cell style index, whether the style shows a date.
func dateStyles(z *officeZip) []bool {
	data, err := z.read("xl/styles.xml")
	if err != nil {
		return nil
	}
	var st struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if xml.Unmarshal(data, &st) != nil {
		return nil
	}
	custom := map[int]bool{}
	for _, f := range st.NumFmts {
		custom[f.ID] = isDateFormat(f.Code)
	}
	out := make([]bool, len(st.Xfs))
	for i, x := range st.Xfs {
		id := x.NumFmtID
		out[i] = (id >= 14 && id <= 22) || (id >= 45 && id <= 47) || custom[id]
	}
	return out
}

// isDateFormat reports a number format that shows a date: it has d, m or
// y outside quoted text and [colour] brackets.
func isDateFormat(code string) bool {
	inQuote, inBracket := false, false
	for _, c := range strings.ToLower(code) {
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '[':
			inBracket = true
		case c == ']':
			inBracket = false
		case inBracket:
		case c == 'd' || c == 'y' || (c == 'm' && !strings.Contains(code, "h")):
			return true
		}
	}
	return false
}

// readSheet streams a worksheet's rows into w.
func readSheet(data []byte, shared []string, dates []bool, date1904 bool, w *sheetWriter, deadline time.Time) error {
	var row []string
	var cellType, ref string
	style := -1
	var val strings.Builder
	inValue := false
	col := 0
	return walkXML(data, deadline, func(tok xml.Token) bool {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				row = row[:0]
				col = 0
			case "c":
				cellType, ref = attr(t, "t"), attr(t, "r")
				style = -1
				if s, err := strconv.Atoi(attr(t, "s")); err == nil {
					style = s
				}
				val.Reset()
			case "v", "t":
				inValue = true
			}
		case xml.CharData:
			if inValue {
				val.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				inValue = false
			case "c":
				if c, ok := columnIndex(ref); ok {
					col = c
				}
				if col >= maxSheetColumns {
					return true
				}
				for len(row) < col {
					row = append(row, "")
				}
				row = append(row, cellValue(val.String(), cellType, style, shared, dates, date1904))
				col++
			case "row":
				if !w.row(row) {
					return false
				}
			}
		}
		return true
	})
}

// columnIndex reads the column of a cell reference ("C7" is 2).
func columnIndex(ref string) (int, bool) {
	n := 0
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		n = n*26 + int(ref[i]-'A'+1)
		if n > 1<<20 {
			return 0, false
		}
		i++
	}
	if i == 0 {
		return 0, false
	}
	return n - 1, true
}

func cellValue(v, typ string, style int, shared []string, dates []bool, date1904 bool) string {
	switch typ {
	case "s":
		if i, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && i >= 0 && i < len(shared) {
			return shared[i]
		}
		return ""
	case "b":
		if strings.TrimSpace(v) == "1" {
			return "TRUE"
		}
		return "FALSE"
	case "str", "inlineStr", "e":
		return v
	}
	if style >= 0 && style < len(dates) && dates[style] {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			return excelDate(f, date1904)
		}
	}
	return v
}

// excelDate turns a serial date into "2006-01-02" (with the time when it
// has one).
func excelDate(serial float64, date1904 bool) string {
	if serial < 0 || serial > 2958465 || math.IsNaN(serial) {
		return strconv.FormatFloat(serial, 'f', -1, 64)
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	days := math.Floor(serial)
	secs := math.Round((serial - days) * 86400)
	t := epoch.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	if secs == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04:05")
}
