package local

import "fmt"

// VerifyIndexFile checks that the file at path is a complete index of
// knowledge base name in the format this program reads: it is loaded the
// way a server loads it, so every section checksum and bound is checked,
// then closed. A copy of an index fetched from elsewhere (an object store)
// is verified with it before it replaces the copy being served. Errors
// wrap ErrCorrupt when the file itself is at fault.
func VerifyIndexFile(path, name string) error {
	ix, err := openIndexFile(path)
	if err != nil {
		return err
	}
	defer ix.closer.Close()
	if ix.hdr.Name != name {
		return fmt.Errorf("%w: %s holds knowledge base %q, not %q", ErrCorrupt, path, ix.hdr.Name, name)
	}
	return nil
}
