package local

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"slices"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/ingest"
)

// buildFS indexes, in memory, the documents at the root of fsys.
func buildFS(name, description string, fsys fs.FS) (*index, error) {
	var text bytes.Buffer
	ix, err := indexFS(name, description, fsys, &text)
	if err != nil {
		return nil, err
	}
	ix.text = bytes.NewReader(text.Bytes())
	return ix, nil
}

// EncodeFS indexes the documents at the root of fsys as AddFS does and
// returns the bytes of the index file, for AddEmbedded: so the built-in
// documentation is indexed once, when knowledge-mcp is built ("go
// generate ./docs"), instead of at every start.
func EncodeFS(name, description string, fsys fs.FS) ([]byte, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(magic)
	text := &countingWriter{w: &buf}
	ix, err := indexFS(name, description, fsys, text)
	if err != nil {
		return nil, err
	}
	if err := writeTail(&buf, text, ix, memPostings{ix}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// indexFS indexes the Markdown and text files at the root of fsys, writing
// the chunk texts to text.
func indexFS(name, description string, fsys fs.FS, text io.Writer) (*index, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("built-in documents: %w", err)
	}
	b := newBuilder(DefaultRanking(), text)
	for _, e := range entries {
		if e.IsDir() || ingest.FormatOf(e.Name()) == "" || path.Ext(e.Name()) == "" || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		content, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("built-in document %s: %w", e.Name(), err)
		}
		doc, err := ingest.Parse(e.Name(), content, nil, "")
		if err != nil {
			return nil, fmt.Errorf("built-in document %s: %w", e.Name(), err)
		}
		doc.Size = int64(len(content))
		if err := b.addDoc(docEntryOf(doc), chunksOf(doc, ingest.ChunkOptions{})); err != nil {
			return nil, err
		}
	}
	return b.finish(header{Format: formatVer, Name: name, Description: description, Ranking: b.r}), nil
}

// CheckEncodedFS reports whether index, made by EncodeFS, still holds what
// EncodeFS makes of fsys now: nil when it does, else an error naming the
// first difference. The comparison is of the decoded contents, not of the
// bytes, which differ from one encoding to the next (gob writes maps in
// random order).
func CheckEncodedFS(index []byte, name, description string, fsys fs.FS) error {
	got, err := loadIndex(bytes.NewReader(index), int64(len(index)))
	if err != nil {
		return err
	}
	want, err := buildFS(name, description, fsys)
	if err != nil {
		return err
	}
	switch {
	case !reflect.DeepEqual(got.hdr, want.hdr):
		return fmt.Errorf("header differs (name, description, ranking or text size): %q %d text bytes, want %q %d", got.hdr.Name, got.hdr.TextBytes, want.hdr.Name, want.hdr.TextBytes)
	case !reflect.DeepEqual(got.docs, want.docs):
		return fmt.Errorf("documents differ: %d, want %d", len(got.docs), len(want.docs))
	case !reflect.DeepEqual(got.chunks, want.chunks):
		return fmt.Errorf("chunks differ: %d, want %d", len(got.chunks), len(want.chunks))
	case !maps.Equal(got.terms, want.terms) || !slices.Equal(got.postStart, want.postStart):
		return fmt.Errorf("terms differ: %d, want %d", len(got.terms), len(want.terms))
	case !slices.Equal(got.ids, want.ids) || !slices.Equal(got.impacts, want.impacts) || got.scale != want.scale:
		return fmt.Errorf("postings differ: %d, want %d", len(got.ids), len(want.ids))
	}
	for i := range want.chunks {
		gh, gt, err := got.chunkText(uint32(i))
		if err != nil {
			return err
		}
		wh, wt, _ := want.chunkText(uint32(i))
		if !slices.Equal(gh, wh) || gt != wt {
			return fmt.Errorf("text of chunk %d (%s) differs", i, want.docs[want.chunks[i].Doc].Path)
		}
	}
	return nil
}
