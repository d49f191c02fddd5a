//go:build pprof

// Built only with -tags pprof (bench/profile.sh): serves net/http/pprof on
// PPROF_ADDR, apart from the MCP listener, to profile the server under load.
package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

func init() {
	if addr := os.Getenv("PPROF_ADDR"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
