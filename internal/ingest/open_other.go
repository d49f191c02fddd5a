//go:build !unix

package ingest

// oNonBlock is zero where opening a file cannot block on a pipe's writer.
const oNonBlock = 0
