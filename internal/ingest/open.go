package ingest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// errNotRegular is wrapped by readRegular for a named pipe, a device, a
// socket or a folder: only regular files are ever read.
var errNotRegular = errors.New("not a regular file")

// errTooLarge is wrapped by readRegular for a file beyond its limit.
var errTooLarge = errors.New("too large")

// readRegular reads at most limit bytes of the file at path and returns them
// with the file's size. The file is opened without blocking (opening a
// named pipe would otherwise wait for a writer) and checked on the opened
// descriptor, so a file swapped for a pipe or a device after it was listed
// is refused, not read. With whole set, a file longer than limit is an
// error wrapping errTooLarge; otherwise its first limit bytes are returned.
func readRegular(path string, limit int64, whole bool) ([]byte, int64, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%w (%s)", errNotRegular, kindOf(fi.Mode()))
	}
	size := fi.Size()
	if whole && size > limit {
		return nil, size, fmt.Errorf("%w: %d bytes, the limit is %d", errTooLarge, size, limit)
	}
	// Read one byte past the limit to see a file that grew since fstat;
	// the buffer is sized once from fstat, not doubled as the data comes.
	buf := make([]byte, 0, min(size, limit)+1)
	r := io.LimitReader(f, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, size, err
		}
	}
	if int64(len(buf)) > limit {
		if whole {
			return nil, size, fmt.Errorf("%w: more than %d bytes, the limit (the file grew while read)", errTooLarge, limit)
		}
		buf = buf[:limit]
		size = max(size, limit+1)
	}
	return buf, size, nil
}

// kindOf names a non-regular file mode for a skip reason.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// openNonBlocking opens path read-only without waiting on a named pipe's
// writer and without making a terminal the controlling one.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|oNonBlock, 0)
}
