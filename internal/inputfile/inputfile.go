// Package inputfile opens the files a user names on the command line or in
// a manifest (captures, golden files, manifests, rubrics) and refuses what
// is not a file: a directory, a device (/dev/zero and /dev/urandom never
// end; a tape or a terminal may have side effects), a socket. Files read
// whole (manifests, rubrics) are read with a size limit, applied while
// reading, so that a pseudo file that claims 0 bytes (/proc/kcore, ...)
// cannot grow without bound either.
//
// It is a package of its own because every command that takes a file needs
// the same refusal with the same words, and the packages that open files
// (golden, cmd/turtle) share no other home below them: pcapio reads from
// any io.Reader and knows nothing of file names.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFile is the cause of every refusal; the message says what the
// name is instead ("is a character device, not a file").
var ErrNotFile = errors.New("not a file")

// notFile is the refusal of one kind of file.
type notFile struct{ what string }

func (e *notFile) Error() string        { return "is " + e.what + ", not a file" }
func (e *notFile) Is(target error) bool { return target == ErrNotFile }

// Check returns an error (matching ErrNotFile) unless mode is a regular
// file or a pipe (a shell's <(zcat x.pcap.gz) is a pipe, and pipes end).
// Open refuses named pipes (FIFOs) of its own accord: see there.
func Check(mode fs.FileMode) error {
	switch {
	case mode.IsRegular(), mode&fs.ModeNamedPipe != 0:
		return nil
	case mode.IsDir():
		return &notFile{"a directory"}
	case mode&fs.ModeCharDevice != 0:
		return &notFile{"a character device"}
	case mode&fs.ModeDevice != 0:
		return &notFile{"a block device"}
	case mode&fs.ModeSocket != 0:
		return &notFile{"a socket"}
	}
	return &notFile{"not a regular file"}
}

// Open opens name for reading if it is a regular file or an anonymous
// pipe (/dev/fd/N from a shell's <(...), which has a writer). The name is
// checked before it is opened (opening a device can have side effects)
// and the open file again (the name may have changed in between). A
// named pipe (mkfifo) is refused: opening it waits, without end and deaf
// to Ctrl-C, until some other process opens it to write; `cat FIFO |
// turtle read -` reads one. Errors are *fs.PathError, as os.Open's.
func Open(name string) (*os.File, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: plainCause(errors.Unwrap(err))}
	}
	if err := Check(fi.Mode()); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if fi.Mode()&fs.ModeNamedPipe != 0 && !anonymousPipe(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: &notFile{"a named pipe (FIFO)"}}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err = f.Stat(); err == nil {
		err = Check(fi.Mode())
	}
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return f, nil
}

// anonymousPipe reports whether name leads, through symbolic links, to a
// pipe that has no name (Linux shows one as "pipe:[inode]"): the pipes a
// shell passes as /dev/fd/N. A FIFO made with mkfifo has a path instead.
func anonymousPipe(name string) bool {
	for range 16 {
		target, err := os.Readlink(name)
		if err != nil {
			return false
		}
		if strings.HasPrefix(target, "pipe:[") {
			return true
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(name), target)
		}
		name = target
	}
	return false
}

// plainCause words a missing file and a refusal the same on every system
// (Windows says "The system cannot find the file specified.", Wine "File
// not found.", where Linux says "no such file or directory"), so that a
// message does not depend on where turtle runs; errors.Is still matches.
func plainCause(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &worded{"no such file or directory", err}
	case errors.Is(err, fs.ErrPermission):
		return &worded{"permission denied", err}
	}
	return err
}

type worded struct {
	words string
	err   error
}

func (w *worded) Error() string { return w.words }
func (w *worded) Unwrap() error { return w.err }

// ErrTooBig is the cause when ReadFile stops at its limit.
var ErrTooBig = errors.New("file too big")

// ReadFile reads the whole of name, opened as Open does, and refuses it
// once it has read more than limit bytes: "read FILE: more than N bytes,
// the limit for this kind of file".
func ReadFile(name string, limit int64) ([]byte, error) {
	f, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &fs.PathError{Op: "read", Path: name,
			Err: fmt.Errorf("%w: more than %d bytes, the limit for this kind of file", ErrTooBig, limit)}
	}
	return data, nil
}

// Cause drops the "open NAME:" that os (and Open) put before an error, for
// callers whose messages name the file already: "open: is a directory,
// not a file". Other errors are returned as they are.
func Cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
