package s3source

import "io"

// TempFile is what a download is written to (exported for tests).
type TempFile = tempFile

// SetCreateTemp replaces how m creates the file a download is written to.
func SetCreateTemp(m *Mirror, fn func(dir, pattern string) (TempFile, error)) { m.createTemp = fn }

var _ io.Writer = TempFile(nil)
