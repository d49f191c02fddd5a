//go:build !unix

package local

// lockFile is a no-op where flock is not available: concurrent builds of
// one knowledge base still each write a whole file and rename it, so the
// last one wins and readers stay safe.
func lockFile(path string) (func(), error) { return func() {}, nil }
