package local

import "fmt"

// AddRemoteIndex adds knowledge base name, served from the index file at
// path, which something else keeps as a verified copy of an index stored
// elsewhere (source, such as s3://BUCKET/KEY) and replaces atomically with
// newer versions. Until the file first appears, the knowledge base is
// unavailable with the error status returns (what went wrong fetching it).
// Its documents are not on this machine: GetDocument says so rather than
// reading the folder the index was built from.
func (s *Store) AddRemoteIndex(name, path, source string, status func() error) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if status == nil {
		return fmt.Errorf("knowledge base %q: no status for its remote index", name)
	}
	return s.add(&handle{name: name, path: path, remote: source, status: status})
}

// Reload loads the index file of knowledge base name now if it changed,
// rather than at the next request that needs it.
func (s *Store) Reload(name string) error {
	h, err := s.lookup(name)
	if err != nil {
		return err
	}
	_, err = s.generation(h)
	return err
}
