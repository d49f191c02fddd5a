// Command pdfextract compares pure-Go PDF text extractors against
// pdftotext (poppler), the reference: word-level recall of each page's
// text, pages per second and peak memory. Each extractor runs on each file
// in a child process of its own, so its peak RSS is its own.
//
//	go run . -out ../results/pdfextract.md FILE.pdf...
//
// bench/pdfextract.sh fetches the Debian manuals and runs it.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/ledongthuc/pdf"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
)

// extractors maps a name to a function returning the text of each page.
var extractors = map[string]func(path string) ([]string, error){
	"knowledge-mcp":    ours,
	"ledongthuc-plain": ledongthucPlain,
	"pdfium-wasm":      pdfiumWasm,
}

var order = []string{"knowledge-mcp", "ledongthuc-plain", "pdfium-wasm"}

// childResult is what a child process prints.
type childResult struct {
	Pages   []string `json:"pages"`
	Seconds float64  `json:"seconds"`
	Error   string   `json:"error,omitempty"`
}

func main() {
	child := flag.String("child", "", "internal: run this extractor on one file and print JSON")
	out := flag.String("out", "", "write the Markdown table here too")
	only := flag.String("only", "", "comma-separated extractors (default all)")
	flag.Parse()
	if *child != "" {
		runChild(*child, flag.Arg(0))
		return
	}
	names := order
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| file | pages | extractor | recall (micro) | pages < 90%% recall | pages/s | peak RSS MB |\n|---|---:|---|---:|---:|---:|---:|\n")
	type total struct {
		ref, hit int
		pages    int
		low      int
		secs     float64
		rss      int64
	}
	totals := map[string]*total{}
	for _, file := range flag.Args() {
		ref, err := pdftotext(file)
		if err != nil {
			log.Fatalf("pdftotext %s: %v", file, err)
		}
		for _, name := range names {
			res, rss, err := runInChild(name, file)
			t := totals[name]
			if t == nil {
				t = &total{}
				totals[name] = t
			}
			if err != nil {
				fmt.Fprintf(&b, "| %s | %d | %s | error: %v | | | |\n", filepath.Base(file), len(ref), name, err)
				continue
			}
			refWords, hits, low := recall(ref, res.Pages)
			t.ref += refWords
			t.hit += hits
			t.pages += len(ref)
			t.low += low
			t.secs += res.Seconds
			t.rss = max(t.rss, rss)
			fmt.Fprintf(&b, "| %s | %d | %s | %.1f%% | %d | %.0f | %.0f |\n", filepath.Base(file), len(ref), name,
				100*float64(hits)/float64(max(refWords, 1)), low, float64(len(ref))/res.Seconds, float64(rss)/1e6)
			log.Printf("%s %s: recall %.3f, %d pages in %.2fs, rss %.0f MB", filepath.Base(file), name,
				float64(hits)/float64(max(refWords, 1)), len(res.Pages), res.Seconds, float64(rss)/1e6)
		}
	}
	fmt.Fprintf(&b, "\n| extractor | pages | recall (micro) | pages < 90%% recall | pages/s | max peak RSS MB |\n|---|---:|---:|---:|---:|---:|\n")
	for _, name := range names {
		t := totals[name]
		if t == nil || t.pages == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f%% | %d | %.0f | %.0f |\n", name, t.pages,
			100*float64(t.hit)/float64(max(t.ref, 1)), t.low, float64(t.pages)/t.secs, float64(t.rss)/1e6)
	}
	fmt.Print(b.String())
	if *out != "" {
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// runInChild runs one extractor on one file in a fresh process and returns
// its pages and its peak RSS in bytes.
func runInChild(name, file string) (*childResult, int64, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(self, "-child", name, file)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, 0, fmt.Errorf("child: %w", err)
	}
	var res childResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, 0, fmt.Errorf("child output: %w", err)
	}
	if res.Error != "" {
		return nil, 0, fmt.Errorf("%s", res.Error)
	}
	rss := int64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) * 1024
	return &res, rss, nil
}

func runChild(name, file string) {
	fn, ok := extractors[name]
	if !ok {
		log.Fatalf("unknown extractor %q", name)
	}
	start := time.Now()
	pages, err := fn(file)
	res := childResult{Pages: pages, Seconds: time.Since(start).Seconds()}
	if err != nil {
		res.Error = err.Error()
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		log.Fatal(err)
	}
}

// pdftotext returns the reference text of each page.
func pdftotext(file string) ([]string, error) {
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		return nil, err
	}
	pages := strings.Split(string(out), "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages, nil
}

// recall counts, over all pages, the reference words and how many of them
// the candidate page holds (as a multiset), and the pages whose recall is
// below 90%.
func recall(ref, got []string) (refWords, hits, low int) {
	for i, r := range ref {
		want := words(r)
		have := map[string]int{}
		if i < len(got) {
			for _, w := range words(got[i]) {
				have[w]++
			}
		}
		h := 0
		for _, w := range want {
			if have[w] > 0 {
				have[w]--
				h++
			}
		}
		refWords += len(want)
		hits += h
		if len(want) > 0 && float64(h)/float64(len(want)) < 0.9 {
			low++
		}
	}
	return refWords, hits, low
}

// words splits text into lower-case runs of letters and digits; ligatures
// are folded so that both sides compare alike.
func words(s string) []string {
	s = strings.NewReplacer("\ufb00", "ff", "\ufb01", "fi", "\ufb02", "fl", "\ufb03", "ffi", "\ufb04", "ffl", "\u00ad", "").Replace(s)
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func ours(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return ingest.PDFPageTexts(f, fi.Size())
}

// ledongthucPlain is the library's own GetPlainText, page by page.
func ledongthucPlain(path string) (pages []string, err error) {
	f, r, err := pdf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fonts := map[string]*pdf.Font{}
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		for _, name := range p.Fonts() {
			if _, ok := fonts[name]; !ok {
				font := p.Font(name)
				fonts[name] = &font
			}
		}
		text, err := p.GetPlainText(fonts)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i, err)
		}
		pages = append(pages, text)
	}
	return pages, nil
}

// pdfiumWasm is PDFium compiled to WebAssembly, run by wazero.
func pdfiumWasm(path string) ([]string, error) {
	pool, err := webassembly.Init(webassembly.Config{MinIdle: 1, MaxIdle: 1, MaxTotal: 1})
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	inst, err := pool.GetInstance(time.Minute)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		return nil, err
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return nil, err
	}
	var pages []string
	for i := 0; i < count.PageCount; i++ {
		t, err := inst.GetPageText(&requests.GetPageText{Page: requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: i}}})
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, err)
		}
		pages = append(pages, t.Text)
	}
	return pages, nil
}
