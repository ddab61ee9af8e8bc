// Package outfile writes every file turtle makes — captures (through
// capture.Create), text, Parquet, grades, feedback, reports, autograder
// packages — so that a write by root never goes through a link someone
// else planted (`turtle grade --program` runs as root beside students'
// programs, and its command line, the --csv, --feedback, --html,
// --gradescope paths, is readable in /proc by anyone), an output never
// truncates one of its inputs, and a failure never leaves half a file
// that would pass for a whole one.
//
// A file is written to a temporary file beside it (created with O_EXCL,
// which never follows a link) and renamed over the path, so a link at the
// path is replaced, never written through, and nobody reads half a file;
// on a failure the temporary file is removed. An output that is one of
// the files it is made from (os.SameFile) is refused before anything is
// written. A folder on the way is accepted only if it, and any link
// naming it, belongs to root, to the user running turtle or to the user
// who ran sudo (SUDO_UID): a folder somebody else owns could have its
// files swapped for links between two writes, so it is refused with the
// owner named.
//
// It is a package of its own because every command that writes files
// needs it and none of them owns the others' outputs; capture.Create adds
// only what is a capture's (standard output for "-").
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/turtle-sniffer/turtle/internal/inputfile"
)

// trusted reports whether uid may own a folder turtle writes into.
func trusted(uid uint32) bool {
	if uid == 0 || int(uid) == os.Geteuid() {
		return true
	}
	if s, err := strconv.Atoi(os.Getenv("SUDO_UID")); err == nil && s >= 0 && uint32(s) == uid {
		return true
	}
	return false
}

// CheckDir reports whether dir, and every folder and link on the way to
// it that exists, may be written into: each belongs to root, the user
// running turtle or the user who ran sudo.
func CheckDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var prefixes []string
	for p := abs; ; p = filepath.Dir(p) {
		prefixes = append(prefixes, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	for i := len(prefixes) - 1; i >= 0; i-- {
		p := prefixes[i]
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // made by turtle from here on
		}
		if err != nil {
			return err
		}
		if uid, ok := owner(fi); ok && !trusted(uid) {
			return fmt.Errorf("%s belongs to uid %d, not to you: turtle does not write into a folder someone else controls", p, uid)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err = os.Stat(p); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("%s is a link to nothing", p)
				}
				return err
			}
			if uid, ok := owner(fi); ok && !trusted(uid) {
				return fmt.Errorf("%s leads to a folder of uid %d, not yours: turtle does not write into a folder someone else controls", p, uid)
			}
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", p)
		}
	}
	return nil
}

// MkdirAll checks dir (CheckDir) and creates it and its parents.
func MkdirAll(dir string, perm fs.FileMode) error {
	if err := CheckDir(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, perm); err != nil {
		return err
	}
	return CheckDir(dir) // made by us, or by somebody else in between
}

// ErrOntoInput is the cause when an output is one of its inputs.
var ErrOntoInput = errors.New("is one of the inputs")

// Options say how Create makes a file. The zero value makes a file as
// os.Create would, refusing nothing more than CheckDir does.
type Options struct {
	// Perm is the new file's mode. 0 keeps the mode of the file it
	// replaces, or gives 0666 less the umask, as os.Create.
	Perm fs.FileMode
	// Inputs are the files read to write this one ("-" and names that do
	// not exist are skipped): an output that is one of them (os.SameFile,
	// whatever the spelling or link) is refused, since writing it would
	// truncate the input before it is read.
	Inputs []string
}

// File is a file being written: Write to it, then Commit to put it in
// place, or Abort (after Commit, Abort does nothing, so `defer Abort()`
// is the way to clean up on every error path).
type File struct {
	// Name is the path as given.
	Name   string
	tmp    *os.File
	direct *os.File // a device or pipe written in place
	perm   fs.FileMode
	done   bool
}

// Create opens path for writing: the data goes to a temporary file beside
// it (created with O_EXCL, so never through a link) until Commit renames
// it over path; a path that exists and is not a regular file (a device,
// a pipe) is written in place. It refuses a folder, a path that is one of o.Inputs, and
// a path whose folder does not pass CheckDir. Errors name the cause, not
// the path.
func Create(path string, o Options) (*File, error) {
	if err := CheckOutput(path, o.Inputs); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	perm := o.Perm
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			// /dev/null, a terminal, a pipe: written as they are, since
			// they cannot be replaced and hold nothing to lose.
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return nil, cause(err)
			}
			return &File{Name: path, direct: f}, nil
		}
		if perm == 0 {
			perm = fi.Mode().Perm() &^ umask
		}
	}
	if perm == 0 {
		perm = 0o666 &^ umask
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, cause(err)
	}
	return &File{Name: path, tmp: tmp, perm: perm}, nil
}

// CheckOutput refuses an output path that is one of the inputs, or that
// is a folder. A path that does not exist is fine.
func CheckOutput(path string, inputs []string) error {
	out, err := os.Stat(path)
	if err != nil {
		return nil // created afresh: it cannot be an input
	}
	if out.IsDir() {
		return errors.New("is a directory, not a file")
	}
	for _, in := range inputs {
		if in == "-" {
			continue
		}
		if fi, err := os.Stat(in); err == nil && os.SameFile(fi, out) {
			if in == path {
				return ErrOntoInput
			}
			return fmt.Errorf("%w (%s)", ErrOntoInput, in)
		}
	}
	return nil
}

// Write writes to the file.
func (f *File) Write(b []byte) (int, error) {
	if f.direct != nil {
		return f.direct.Write(b)
	}
	return f.tmp.Write(b)
}

// Commit closes the temporary file and renames it over the path; on an
// error the temporary file is removed and the path left as it was.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	if f.direct != nil {
		return cause(f.direct.Close())
	}
	err := f.tmp.Chmod(f.perm)
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.Name)
	}
	if err != nil {
		os.Remove(f.tmp.Name())
		return cause(err)
	}
	return nil
}

// Abort removes the temporary file, unless Commit ran.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	if f.direct != nil {
		f.direct.Close()
		return
	}
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

// WriteFile writes data to path as a new file of mode perm (Create, then
// Commit).
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := Create(path, Options{Perm: perm})
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// cause drops the "open NAME:" that os adds, since callers name the file.
func cause(err error) error { return inputfile.Cause(err) }
