// Command ingest links knowledge-mcp's document parsers (PDF, docx, pptx,
// xlsx, CSV), to measure the binary size they add.
package main

import (
	"fmt"
	"os"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
)

func main() {
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, err := ingest.Parse(os.Args[1], b, nil, "")
	fmt.Println(doc, err)
}
