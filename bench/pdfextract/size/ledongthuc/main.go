// Command ledongthuc links github.com/ledongthuc/pdf, to measure the
// binary size it adds.
package main

import (
	"fmt"
	"os"

	"github.com/ledongthuc/pdf"
)

func main() {
	f, r, err := pdf.Open(os.Args[1])
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	p := r.Page(1)
	fmt.Println(r.NumPage(), len(p.Content().Text))
}
