package local

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"unsafe"
)

// File layout, all integers little-endian:
//
//	"KBIDX\x00\x00\x02"                    magic and format version
//	text section                           chunk heading paths and texts
//	meta section                           gob: header, docs, chunks, sorted terms, postStart
//	ids section                            uint32 chunk id per posting
//	impacts section                        uint16 quantized score per posting
//	footer (footerSize bytes):
//	  4 × (offset uint64, length uint64, crc32c uint32)
//	  scale float32
//	  "KBIDXEND"
//
// Every section is checksummed, so a truncated or corrupt file is refused
// with an error saying how to rebuild it.
const (
	magic      = "KBIDX\x00\x00\x02"
	endMagic   = "KBIDXEND"
	numSection = 4
	footerSize = numSection*20 + 4 + 8
	// formatVer 2 added chunk page numbers; an index of format 1 is
	// refused as unreadable (index rebuilds it).
	formatVer = 2
)

const (
	secText = iota
	secMeta
	secIDs
	secImpacts
)

// castagnoli is the CRC-32C table, made at first use rather than at
// package init (every command links this package; few read an index).
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// ErrCorrupt marks an index file that cannot be read; rebuild it.
var ErrCorrupt = errors.New("index file is corrupt or incomplete")

type meta struct {
	Header    header
	Docs      []docEntry
	Chunks    []chunkEntry
	Terms     []string
	PostStart []uint32
}

type section struct {
	off, len int64
	crc      uint32
}

// countingWriter counts and checksums what passes through it.
type countingWriter struct {
	w   io.Writer
	n   int64
	crc uint32
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.crc = crc32.Update(c.crc, castagnoli(), p[:n])
	return n, err
}

// fileWriter writes an index file: the text section streams while
// documents are added, the rest follows at close.
type fileWriter struct {
	f      *os.File
	bw     *bufio.Writer
	text   *countingWriter
	tmp    string
	final  string
	closed bool
	// beforeRename, when set, runs after the data is written and synced and
	// before the rename (a test hook).
	beforeRename func()
}

// createIndexFile starts writing the index that will replace path.
func createIndexFile(path string) (*fileWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create index file: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if _, err := bw.WriteString(magic); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return &fileWriter{f: f, bw: bw, text: &countingWriter{w: bw}, tmp: f.Name(), final: path}, nil
}

// abort removes the temporary file.
func (w *fileWriter) abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.f.Close()
	os.Remove(w.tmp)
}

// commit writes everything after the text, the postings from post, syncs,
// and renames the file into place atomically.
func (w *fileWriter) commit(ix *index, post postingsWriter) error {
	defer w.abort()
	if err := writeTail(w.bw, w.text, ix, post); err != nil {
		return err
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", w.tmp, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", w.tmp, err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", w.tmp, err)
	}
	if w.beforeRename != nil {
		w.beforeRename()
	}
	if err := os.Rename(w.tmp, w.final); err != nil {
		return fmt.Errorf("replace %s: %w", w.final, err)
	}
	w.closed = true
	syncDir(filepath.Dir(w.final))
	return nil
}

// postingsWriter writes the ids and impacts sections of an index file, in
// that order.
type postingsWriter interface {
	writeIDs(io.Writer) error
	writeImpacts(io.Writer) error
}

// memPostings writes the postings of an index held in memory.
type memPostings struct{ ix *index }

func (m memPostings) writeIDs(w io.Writer) error     { return writeUint32s(w, m.ix.ids) }
func (m memPostings) writeImpacts(w io.Writer) error { return writeUint16s(w, m.ix.impacts) }

// writeTail writes the sections after the text section, which text
// counted, and the footer to w; post writes the postings of ix.
func writeTail(w io.Writer, text *countingWriter, ix *index, post postingsWriter) error {
	var secs [numSection]section
	secs[secText] = section{off: int64(len(magic)), len: text.n, crc: text.crc}
	off := secs[secText].off + secs[secText].len

	writeSection := func(i int, fn func(io.Writer) error) error {
		cw := &countingWriter{w: w}
		if err := fn(cw); err != nil {
			return err
		}
		secs[i] = section{off: off, len: cw.n, crc: cw.crc}
		off += cw.n
		return nil
	}
	terms := make([]string, len(ix.terms))
	for t, id := range ix.terms {
		terms[id] = t
	}
	m := meta{Header: ix.hdr, Docs: ix.docs, Chunks: ix.chunks, Terms: terms, PostStart: ix.postStart}
	if err := writeSection(secMeta, func(cw io.Writer) error {
		registerGob()
		return gob.NewEncoder(cw).Encode(&m)
	}); err != nil {
		return fmt.Errorf("write index metadata: %w", err)
	}
	if err := writeSection(secIDs, post.writeIDs); err != nil {
		return fmt.Errorf("write postings: %w", err)
	}
	if err := writeSection(secImpacts, post.writeImpacts); err != nil {
		return fmt.Errorf("write postings: %w", err)
	}
	var foot bytes.Buffer
	for _, s := range secs {
		binary.Write(&foot, binary.LittleEndian, uint64(s.off))
		binary.Write(&foot, binary.LittleEndian, uint64(s.len))
		binary.Write(&foot, binary.LittleEndian, s.crc)
	}
	binary.Write(&foot, binary.LittleEndian, ix.scale)
	foot.WriteString(endMagic)
	if _, err := w.Write(foot.Bytes()); err != nil {
		return fmt.Errorf("write index footer: %w", err)
	}
	return nil
}

// syncDir makes a rename durable; best effort (not every OS can).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

func writeUint32s(w io.Writer, v []uint32) error {
	if littleEndian {
		if len(v) == 0 {
			return nil
		}
		_, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*4))
		return err
	}
	return binary.Write(w, binary.LittleEndian, v)
}

func writeUint16s(w io.Writer, v []uint16) error {
	if littleEndian {
		if len(v) == 0 {
			return nil
		}
		_, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*2))
		return err
	}
	return binary.Write(w, binary.LittleEndian, v)
}

// readSection reads a section into dst (len(dst) == s.len) and checks it.
func readSection(r io.ReaderAt, s section, dst []byte, name string) error {
	if _, err := r.ReadAt(dst, s.off); err != nil {
		return fmt.Errorf("%w: %s section: %v", ErrCorrupt, name, err)
	}
	if crc32.Checksum(dst, castagnoli()) != s.crc {
		return fmt.Errorf("%w: %s section checksum mismatch", ErrCorrupt, name)
	}
	return nil
}

// loadIndex reads an index from r (size bytes). It keeps r for chunk texts.
func loadIndex(r io.ReaderAt, size int64) (*index, error) {
	if size < int64(len(magic))+footerSize {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrCorrupt, size)
	}
	head := make([]byte, len(magic))
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if string(head) != magic {
		if string(head[:5]) == magic[:5] {
			return nil, fmt.Errorf("%w: index format %d is not the format %d this program reads", ErrCorrupt, head[7], formatVer)
		}
		return nil, fmt.Errorf("%w: not a knowledge-mcp index", ErrCorrupt)
	}
	foot := make([]byte, footerSize)
	if _, err := r.ReadAt(foot, size-footerSize); err != nil {
		return nil, fmt.Errorf("%w: footer: %v", ErrCorrupt, err)
	}
	if string(foot[footerSize-8:]) != endMagic {
		return nil, fmt.Errorf("%w: the file ends early (was the index run interrupted while writing?)", ErrCorrupt)
	}
	var secs [numSection]section
	for i := range secs {
		b := foot[i*20:]
		secs[i] = section{off: int64(binary.LittleEndian.Uint64(b)), len: int64(binary.LittleEndian.Uint64(b[8:])), crc: binary.LittleEndian.Uint32(b[16:])}
		if secs[i].off < 0 || secs[i].len < 0 || secs[i].off+secs[i].len > size-footerSize {
			return nil, fmt.Errorf("%w: section %d out of bounds", ErrCorrupt, i)
		}
	}
	scale := float32frombits(binary.LittleEndian.Uint32(foot[numSection*20:]))

	metaBuf := make([]byte, secs[secMeta].len)
	if err := readSection(r, secs[secMeta], metaBuf, "metadata"); err != nil {
		return nil, err
	}
	var m meta
	registerGob()
	if err := gob.NewDecoder(bytes.NewReader(metaBuf)).Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrCorrupt, err)
	}
	if m.Header.Format != formatVer {
		return nil, fmt.Errorf("%w: index format %d is not the format %d this program reads", ErrCorrupt, m.Header.Format, formatVer)
	}
	nPost := secs[secIDs].len / 4
	if secs[secImpacts].len != nPost*2 || len(m.PostStart) != len(m.Terms)+1 || int64(m.PostStart[len(m.Terms)]) != nPost {
		return nil, fmt.Errorf("%w: postings sizes disagree", ErrCorrupt)
	}
	ix := &index{hdr: m.Header, docs: m.Docs, chunks: m.Chunks, postStart: m.PostStart, scale: scale, text: r, textBase: secs[secText].off}
	ix.ids = make([]uint32, nPost)
	ix.impacts = make([]uint16, nPost)
	if littleEndian {
		if nPost > 0 {
			if err := readSection(r, secs[secIDs], unsafe.Slice((*byte)(unsafe.Pointer(&ix.ids[0])), nPost*4), "postings"); err != nil {
				return nil, err
			}
			if err := readSection(r, secs[secImpacts], unsafe.Slice((*byte)(unsafe.Pointer(&ix.impacts[0])), nPost*2), "scores"); err != nil {
				return nil, err
			}
		}
	} else {
		buf := make([]byte, secs[secIDs].len)
		if err := readSection(r, secs[secIDs], buf, "postings"); err != nil {
			return nil, err
		}
		for i := range ix.ids {
			ix.ids[i] = binary.LittleEndian.Uint32(buf[i*4:])
		}
		buf = make([]byte, secs[secImpacts].len)
		if err := readSection(r, secs[secImpacts], buf, "scores"); err != nil {
			return nil, err
		}
		for i := range ix.impacts {
			ix.impacts[i] = binary.LittleEndian.Uint16(buf[i*2:])
		}
	}
	// The text section is checked in pieces, without holding it in memory.
	crc := uint32(0)
	buf := make([]byte, min(1<<20, secs[secText].len))
	for off := int64(0); off < secs[secText].len; {
		n := min(int64(len(buf)), secs[secText].len-off)
		if _, err := r.ReadAt(buf[:n], secs[secText].off+off); err != nil {
			return nil, fmt.Errorf("%w: text section: %v", ErrCorrupt, err)
		}
		crc = crc32.Update(crc, castagnoli(), buf[:n])
		off += n
	}
	if crc != secs[secText].crc {
		return nil, fmt.Errorf("%w: text section checksum mismatch", ErrCorrupt)
	}
	// Bounds, so a bad file cannot make a query index out of range.
	nChunks := uint32(len(ix.chunks))
	for _, id := range ix.ids {
		if id >= nChunks {
			return nil, fmt.Errorf("%w: posting for chunk %d of %d", ErrCorrupt, id, nChunks)
		}
	}
	for i, c := range ix.chunks {
		if c.Doc < 0 || int(c.Doc) >= len(ix.docs) || c.TextOff < 0 || c.TextOff+int64(c.HeadLen)+int64(c.TextLen) > secs[secText].len {
			return nil, fmt.Errorf("%w: chunk %d out of bounds", ErrCorrupt, i)
		}
	}
	ix.terms = make(map[string]uint32, len(m.Terms))
	for i, t := range m.Terms {
		ix.terms[t] = uint32(i)
	}
	ix.byPath = make(map[string]int32, len(ix.docs))
	for i, d := range ix.docs {
		ix.byPath[d.Path] = int32(i)
	}
	return ix, nil
}

func float32frombits(b uint32) float32 { return math.Float32frombits(b) }

// registerGob tells gob the types metadata values may hold beyond the
// basic ones (string, float64, bool): a list of them. It runs before the
// first encode or decode instead of at package init.
var registerGob = sync.OnceFunc(func() { gob.Register([]any{}) })
