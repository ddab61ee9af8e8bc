//go:build linux

package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockDir holds one lock file per uid in use, so that turtles running at
// once (and tests) never lease the same uid; a lock goes with the process
// that held it, even one killed with SIGKILL.
const lockDir = "/run/turtle-sandbox"

// lease is a uid (and the gid of the same number) held for one job.
type lease struct {
	uid, gid uint32
	lock     *os.File
}

func (l *lease) release() {
	if l != nil && l.lock != nil {
		l.lock.Close()
		l.lock = nil
	}
}

// leaseUID finds a uid in the range that no other job holds and no process
// runs as.
func leaseUID() (*lease, error) {
	dir, err := openLockDir()
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	busy := uidsInUse()
	for i := range NumUIDs {
		uid := uint32(FirstUID + i)
		if busy[uid] {
			continue
		}
		fd, err := unix.Openat(int(dir.Fd()), strconv.Itoa(int(uid))+".lock", unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("uid lock %s/%d.lock: %w", lockDir, uid, err)
		}
		f := os.NewFile(uintptr(fd), filepath.Join(lockDir, strconv.Itoa(int(uid))+".lock"))
		if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		if uidsInUse()[uid] { // started as it since the scan
			f.Close()
			continue
		}
		return &lease{uid: uid, gid: uid, lock: f}, nil
	}
	return nil, fmt.Errorf("all %d uids from %d are in use: too many programs run at once", NumUIDs, FirstUID)
}

// openLockDir opens (making it if needed) root's folder of uid locks,
// refusing one that is a link or is not root's.
func openLockDir() (*os.File, error) {
	if err := os.Mkdir(lockDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("uid locks: %w", err)
	}
	f, err := os.OpenFile(lockDir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("uid locks: %w", err)
	}
	st, err := f.Stat()
	if err != nil || st.Sys().(*syscall.Stat_t).Uid != 0 || st.Mode().Perm()&0o022 != 0 {
		f.Close()
		return nil, fmt.Errorf("uid locks: %s is not root's own folder", lockDir)
	}
	return f, nil
}

// uidsInUse returns the uids (real, effective, saved or filesystem) of
// every process on the machine that falls in the range.
func uidsInUse() map[uint32]bool {
	busy := map[uint32]bool{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		f, err := os.Open("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "Uid:") {
				continue
			}
			for _, field := range strings.Fields(line)[1:] {
				if n, err := strconv.ParseUint(field, 10, 32); err == nil && n >= FirstUID && n < FirstUID+NumUIDs {
					busy[uint32(n)] = true
				}
			}
			break
		}
		f.Close()
	}
	return busy
}

func statOwner(fi os.FileInfo) (uint32, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Uid, true
}
