package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// Bounds of the submission folder's copy.
const (
	maxCopyBytes = 64 << 20
	maxCopyDepth = 64 // folders within folders; each level holds two descriptors open
)

// maxCopyEntries bounds the files and folders of the copy. A variable so
// that a test passes it without making ten thousand files.
var maxCopyEntries = 10000

// copyTree copies the regular files and folders under src to dst, each
// created by root and handed to uid:gid through its open descriptor
// (fchown). dst is root's and mode 0700 until the end, so no process of
// the student's can reach the copy while it is made; and the copy is
// made as if one could: both trees are walked by descriptors (openat,
// mkdirat relative to the folder's own descriptor, O_NOFOLLOW at every
// step), never by paths, so a folder swapped for a link while the copy is
// made, on either side, is never followed: root neither reads a file
// outside src nor creates or chowns one outside dst. filepath.WalkDir and
// os.OpenFile with O_NOFOLLOW were not enough: O_NOFOLLOW guards only a
// path's last name, and every folder before it was followed. Links,
// devices and the like are left out, even one swapped in after the
// listing saw a file.
func copyTree(src, dst string, uid, gid uint32) error {
	// The folder itself may not be a link either: a student's hand-in
	// folder that is a link to /root would copy root's files. Clean drops
	// a trailing slash (a shell's submissions/*/), with which the kernel
	// would follow the link whatever O_NOFOLLOW says.
	sfd, err := unix.Open(filepath.Clean(src), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if st, lerr := os.Lstat(filepath.Clean(src)); lerr == nil && st.Mode()&os.ModeSymlink != 0 {
			return errors.New("a link, not a folder: links in hand-ins are never followed (give the folder it names)")
		}
		return &os.PathError{Op: "open", Path: src, Err: err}
	}
	defer unix.Close(sfd)
	dfd, err := unix.Open(dst, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dst, Err: err}
	}
	defer unix.Close(dfd)
	c := treeCopy{uid: int(uid), gid: int(gid)}
	return c.dir(sfd, dfd, "", 0)
}

// treeCopy is one copyTree's running totals.
type treeCopy struct {
	uid, gid int
	bytes    int64
	entries  int
}

// dir copies the entries of the folder open as sfd into the one open as
// dfd; rel is the folder's path under src, for errors.
func (c *treeCopy) dir(sfd, dfd int, rel string, depth int) error {
	if depth > maxCopyDepth {
		return fmt.Errorf("%s: more than %d folders deep", rel, maxCopyDepth)
	}
	// Listed through a descriptor of its own: reading a directory moves
	// its offset, and sfd stays for the openat calls.
	lfd, err := unix.Openat(sfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	// One name past the bound at most: a folder of millions of names
	// is refused without holding them.
	list := os.NewFile(uintptr(lfd), rel)
	names, err := list.Readdirnames(maxCopyEntries - c.entries + 1)
	list.Close()
	if err != nil && err != io.EOF {
		return err
	}
	slices.Sort(names)
	for _, name := range names {
		if c.entries++; c.entries > maxCopyEntries {
			return fmt.Errorf("more than %d files", maxCopyEntries)
		}
		path := filepath.Join(rel, name) // name alone at the top
		// The kind from fstatat rather than the listing's: some file
		// systems' listings do not say it.
		var st unix.Stat_t
		if err := unix.Fstatat(sfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // gone since the listing
			}
			return fmt.Errorf("%s: %w", path, err)
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			if err := c.subdir(sfd, dfd, name, path, depth); err != nil {
				return err
			}
		case unix.S_IFREG:
			if err := c.file(sfd, dfd, name); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	return nil
}

// subdir makes the folder name in dfd, hands it over and copies into it;
// path is its path under src, for errors.
func (c *treeCopy) subdir(sfd, dfd int, name, path string, depth int) error {
	s, d, err := c.makeDir(sfd, dfd, name)
	if err != nil || s < 0 {
		if err != nil {
			err = fmt.Errorf("%s: %w", path, err)
		}
		return err
	}
	defer unix.Close(s)
	defer unix.Close(d)
	return c.dir(s, d, path, depth+1)
}

// makeDir opens the folder name of sfd and makes its copy in dfd, handed
// to the student; both descriptors are -1 when it is a link or a file
// now (left out).
func (c *treeCopy) makeDir(sfd, dfd int, name string) (s, d int, err error) {
	s, err = unix.Openat(sfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return -1, -1, nil // a link or a file now: links are not copied
	}
	if err != nil {
		return -1, -1, err
	}
	if err = unix.Mkdirat(dfd, name, 0o700); err == nil {
		// ELOOP: swapped for a link since mkdirat, and not followed.
		d, err = unix.Openat(dfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	if err == nil {
		if err = unix.Fchmod(d, 0o755); err == nil {
			err = unix.Fchown(d, c.uid, c.gid)
		}
		if err != nil {
			unix.Close(d)
		}
	}
	if err != nil {
		unix.Close(s)
		return -1, -1, err
	}
	return s, d, nil
}

// file copies the regular file name of sfd into dfd, handed to the
// student with its execute bits kept and read and write for its owner.
func (c *treeCopy) file(sfd, dfd int, name string) error {
	ifd, err := unix.Openat(sfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) {
		return nil // a link now: links are not copied
	}
	if err != nil {
		return err
	}
	in := os.NewFile(uintptr(ifd), name)
	defer in.Close()
	st, err := in.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return err // not a regular file any more: left out
	}
	if c.bytes += st.Size(); c.bytes > maxCopyBytes {
		return fmt.Errorf("more than %s", sizeText(maxCopyBytes))
	}
	ofd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	out := os.NewFile(uintptr(ofd), name)
	_, err = io.Copy(out, io.LimitReader(in, maxCopyBytes))
	if err == nil {
		err = out.Chmod(st.Mode().Perm()&0o755 | 0o600)
	}
	if err == nil {
		err = out.Chown(c.uid, c.gid)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
