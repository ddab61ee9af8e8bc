package pcapio

import (
	"bufio"
	"errors"
	"io"
	"sync/atomic"
	"unsafe"
)

// source is what Reader reads through: a bufio.Reader over any io.Reader,
// or a mappedFile over a regular file where the system can map one
// (mapped_unix.go). Only the slow path calls it: records are sliced from
// the window that Peek returned (see Reader.take).
type source interface {
	io.Reader
	Peek(n int) ([]byte, error)
	Discard(n int) (int, error)
	Buffered() int
}

var _ source = (*bufio.Reader)(nil)

// mapFileIf maps r when asked to and r can be mapped, else returns nil.
func mapFileIf(asked bool, r io.Reader) *mappedFile {
	if !asked {
		return nil
	}
	return mapFile(r)
}

var errReleased = errors.New("pcapio: read after the mapped file was released")

// Window is a mapped piece of a capture file that a caller holds (see
// Reader.Pin): data inside it stays readable until Release.
type Window struct {
	b    []byte
	off  int64 // file offset of b[0]
	refs atomic.Int32
}

// Contains reports whether data lies inside w, so that it stays readable
// while w is held.
func (w *Window) Contains(data []byte) bool {
	if len(data) == 0 {
		return true
	}
	// Pointer comparison only: no memory is read through unsafe.
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(w.b)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	return p >= lo && p-lo <= uintptr(len(w.b)) && uintptr(len(data)) <= uintptr(len(w.b))-(p-lo)
}

// Release drops the caller's hold; the window is unmapped when no one
// holds it. Release must be called exactly once per Pin; a nil Window is
// ignored.
func (w *Window) Release() {
	if w != nil && w.refs.Add(-1) == 0 {
		unmap(w.b)
	}
}

// Pin makes the data of the packet just returned readable beyond the next
// read, without a copy, when the file is mapped (a regular file on Linux,
// macOS and the BSDs, read without gzip) and data lies in the current
// window. It then returns the window, held once more: data, and every
// later packet's data for which Contains reports true, stays readable
// until Release. Otherwise it returns nil and the data must be copied as
// usual (always for a Reader made by NewReader). A parallel consumer pins a window per batch of packets, so the
// kernel's pages are formatted where they lie.
func (r *Reader) Pin(data []byte) *Window {
	if r.mapped == nil || r.gzip {
		return nil
	}
	w := r.mapped.cur
	if w == nil || len(data) == 0 || !w.Contains(data) {
		return nil
	}
	w.refs.Add(1)
	return w
}

// MappedRead is how many bytes of the file the Reader has consumed since
// it was made (compressed bytes for gzip) when the file is mapped
// (NewMappedReader), and false when it is read through a buffer: a mapped
// file's own offset does not move as it is read, so this is how a caller
// follows the progress of one.
func (r *Reader) MappedRead() (int64, bool) {
	if r.mapped == nil {
		return 0, false
	}
	if r.gzip {
		return r.mapped.read(), true
	}
	return r.offset(), true
}
