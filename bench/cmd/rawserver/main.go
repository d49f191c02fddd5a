// Command rawserver serves the ceiling of bench/run.sh (package ceiling) on
// HOST:PORT at /mcp.
//
// Usage: rawserver HOST:PORT
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/knowledge-mcp/knowledge-mcp/bench/ceiling"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: rawserver HOST:PORT")
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", ceiling.Handler())
	log.Fatal(http.ListenAndServe(os.Args[1], mux))
}
