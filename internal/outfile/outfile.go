// Package outfile writes the files turtle hands back — grades, feedback,
// reports, autograder packages — so that a write by root never goes
// through a link someone else planted: `turtle grade --program` runs as
// root beside students' programs, and its command line (the --csv,
// --feedback, --html, --gradescope paths) is readable in /proc by anyone.
//
// A file is written to a temporary file beside it (created with O_EXCL,
// which never follows a link) and renamed over the path, so a link at the
// path is replaced, never written through, and nobody reads half a file.
// A folder on the way is accepted only if it, and any link naming it,
// belongs to root, to the user running turtle or to the user who ran sudo
// (SUDO_UID): a folder somebody else owns could have its files swapped for
// links between two writes, so it is refused with the owner named.
//
// It is a package of its own because every command that writes files for
// the instructor needs it and none of them owns the others' outputs.
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
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

// WriteFile writes data to path as a new file of mode perm: written
// beside it under a temporary name, then renamed over it. Its folder
// must pass CheckDir.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := CheckDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
