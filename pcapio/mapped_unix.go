//go:build linux || darwin || freebsd || netbsd || openbsd

package pcapio

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// mapWindow is how much of a file is mapped at a time. The kernel then
// maps the page cache into the window instead of copying the file into a
// buffer (the copy was a seventh of `turtle read --format summary`), and
// the parser slices records straight from it. Memory stays bounded: the
// Reader maps at most two windows, the current one and the one before it
// (kept so data returned just before a move stays readable), plus those a
// Pin still holds, and the pages behind are released as the window moves
// on. 2, 4 and 8 MiB cost the same time; 4 MiB adds 8 MB to the peak RSS
// of `turtle read` (the mapped pages count), 8 MiB added 18.
var mapWindow int64 = 4 << 20

// mapMin is the smallest file worth mapping; below it one read is cheaper
// than setting up a mapping.
var mapMin int64 = 1 << 20

// mappedFile reads a regular file through windows mapped with mmap, from
// the offset the file was at when it was opened (a redirected stdin may be
// past its start). It never seeks the file. A file that grows while it is
// read is read to its new end; one cut shorter by another program while it
// is mapped makes the kernel kill the process with SIGBUS, as with any
// mapped file (ripgrep and git behave alike).
type mappedFile struct {
	f     *os.File
	off   int64   // file offset of the next unread byte
	start int64   // file offset when it was mapped
	size  int64   // file size when last looked at
	cur   *Window // nil before the first move and after release
	prev  *Window // the window before cur, dropped at the next move
	err   error   // sticky mapping failure
}

// unmap returns a window's pages to the system.
func unmap(b []byte) { unix.Munmap(b) }

// mapFile returns a mappedFile for r when r is a regular file of at least
// mapMin bytes that can be mapped, else nil.
func mapFile(r io.Reader) *mappedFile {
	f, ok := r.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() < mapMin {
		return nil
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil
	}
	m := &mappedFile{f: f, off: off, start: off, size: fi.Size()}
	// Try one mapping now, so a file system without mmap falls back to
	// reading rather than failing later.
	if _, err := m.Peek(1); err != nil {
		m.drop()
		return nil
	}
	return m
}

// Buffered is what the current window holds past the next unread byte.
func (m *mappedFile) Buffered() int {
	w := m.cur
	if w == nil || m.off < w.off || m.off > w.off+int64(len(w.b)) {
		return 0
	}
	return int(w.off + int64(len(w.b)) - m.off)
}

// Peek returns the next n bytes without consuming them, valid until the
// window moves twice; fewer at the end of the file, with io.EOF.
func (m *mappedFile) Peek(n int) ([]byte, error) {
	if n < 0 {
		return nil, io.ErrNoProgress
	}
	if n > m.Buffered() {
		if err := m.move(n); err != nil {
			return nil, err
		}
	}
	var b []byte
	if w := m.cur; w != nil {
		b = w.b[m.off-w.off:]
	}
	if len(b) < n {
		return b[:len(b):len(b)], io.EOF
	}
	return b[:n:n], nil
}

// move maps a window starting at the page holding off, of mapWindow bytes
// or n more if more is asked, cut at the end of the file.
func (m *mappedFile) move(n int) error {
	if m.err != nil {
		return m.err
	}
	if m.off+int64(n) > m.size {
		m.grown()
	}
	page := int64(os.Getpagesize())
	start := m.off &^ (page - 1)
	end := min(max(m.off+int64(n), start+mapWindow), m.size)
	m.prev.Release()
	m.prev, m.cur = m.cur, nil
	if end <= m.off {
		return nil // at or past the end: nothing to map
	}
	b, err := unix.Mmap(int(m.f.Fd()), start, int(end-start), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		m.err = err
		return err
	}
	unix.Madvise(b, unix.MADV_SEQUENTIAL)
	m.cur = &Window{b: b, off: start}
	m.cur.refs.Store(1)
	return nil
}

// grown looks whether the file has grown since it was last looked at.
func (m *mappedFile) grown() {
	if fi, err := m.f.Stat(); err == nil && fi.Size() > m.size {
		m.size = fi.Size()
	}
}

// Discard consumes n bytes; fewer, with io.EOF, at the end of the file.
func (m *mappedFile) Discard(n int) (int, error) {
	if n <= m.Buffered() {
		m.off += int64(n)
		return n, nil
	}
	if m.off+int64(n) > m.size {
		m.grown()
	}
	d := min(int64(n), max(m.size-m.off, 0))
	m.off += d
	if d < int64(n) {
		return int(d), io.EOF
	}
	return n, nil
}

// Read copies the next bytes into p (gzip input reads this way).
func (m *mappedFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b, err := m.Peek(int(min(int64(len(p)), mapWindow)))
	if len(b) == 0 {
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	n := copy(p, b)
	m.off += int64(n)
	return n, nil
}

// release drops the mappedFile's holds on its windows: they are unmapped
// now, or when the last Pin on them is released. It leaves the file's
// offset after what was consumed, as reading would have (a second "-"
// on a command line then finds standard input at its end, not again at
// the capture's start).
func (m *mappedFile) release() {
	if m.cur != nil || m.prev != nil {
		m.f.Seek(m.off, io.SeekStart)
	}
	m.drop()
}

// drop is release without the seek: for a Reader dropped unfinished (its
// cleanup runs on another goroutine, when the file may be in other use).
func (m *mappedFile) drop() {
	m.cur.Release()
	m.prev.Release()
	m.cur, m.prev = nil, nil
	m.err = errReleased
}

// read is how many bytes were consumed since the file was mapped.
func (m *mappedFile) read() int64 { return m.off - m.start }
