// Command pdfium links go-pdfium's WebAssembly build (PDFium under
// wazero), to measure the binary size it adds.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
)

func main() {
	pool, err := webassembly.Init(webassembly.Config{MinIdle: 1, MaxIdle: 1, MaxTotal: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	inst, err := pool.GetInstance(time.Minute)
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := os.ReadFile(os.Args[1])
	doc, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		fmt.Println(err)
		return
	}
	t, err := inst.GetPageText(&requests.GetPageText{Page: requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: 0}}})
	fmt.Println(t, err)
}
