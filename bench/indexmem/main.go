// Command indexmem writes the Markdown corpus on which the peak memory of
// `knowledge-mcp index` is measured: by default 400 files of about 100 KB
// and one of 8 MB (48 MB), sections of about 1 KB under headings, words
// drawn from a Zipf law over 50,000 pseudo-words with stopwords mixed in.
//
//	go run ./bench/indexmem -dir /tmp/peak
//	/usr/bin/time -f %M knowledge-mcp index /tmp/peak --quiet
//
// The output is the same for the same flags.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/knowledge-mcp/knowledge-mcp/bench/synth"
)

func main() {
	dir := flag.String("dir", "", "folder to write (its *.md files are replaced)")
	files := flag.Int("files", 400, "number of ordinary files")
	fileKB := flag.Int("file-kb", 100, "size of an ordinary file in KB")
	bigMB := flag.Int("big-mb", 8, "size of the one large file in MB (0: none)")
	flag.Parse()
	if *dir == "" || *files < 0 || *fileKB <= 0 || *bigMB < 0 {
		fmt.Fprintln(os.Stderr, "usage: indexmem -dir DIR [-files N] [-file-kb K] [-big-mb M]")
		os.Exit(2)
	}
	if err := gen(*dir, *files, *fileKB<<10, *bigMB<<20); err != nil {
		fmt.Fprintln(os.Stderr, "indexmem:", err)
		os.Exit(1)
	}
}

func gen(dir string, files, fileBytes, bigBytes int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, p := range old {
		os.Remove(p)
	}
	r := rand.New(rand.NewPCG(3, 4))
	words := synth.New(r, 50000)
	write := func(name string, size int) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		n, _ := fmt.Fprintf(w, "# %s %s\n\n", words.Term(), words.Term())
		for n < size {
			k, _ := fmt.Fprintf(w, "## %s %s\n\n", words.Term(), words.Term())
			n += k
			for sec := 0; sec < 950 && n < size; {
				k, _ := w.WriteString(words.Word())
				if r.IntN(12) == 0 {
					w.WriteString(". ")
				} else {
					w.WriteByte(' ')
				}
				sec += k + 1
				n += k + 1
			}
			w.WriteString("\n\n")
			n += 2
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	for i := range files {
		if err := write(fmt.Sprintf("doc%04d.md", i), fileBytes); err != nil {
			return err
		}
	}
	if bigBytes > 0 {
		return write("big.md", bigBytes)
	}
	return nil
}
