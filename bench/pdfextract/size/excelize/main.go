// Command excelize links github.com/xuri/excelize/v2, to measure the
// binary size an xlsx library would add against our archive/zip +
// encoding/xml reader.
package main

import (
	"fmt"
	"os"

	"github.com/xuri/excelize/v2"
)

func main() {
	f, err := excelize.OpenFile(os.Args[1])
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s)
		fmt.Println(s, len(rows), err)
	}
}
