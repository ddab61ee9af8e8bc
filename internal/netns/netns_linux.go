//go:build linux

package netns

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// Namespace is an anonymous network namespace held open by a descriptor.
type Namespace struct {
	fd  int
	ino uint64
}

// New creates a namespace on a thread of its own and runs setup on that
// thread inside it (bring lo up, sysctls, routes); setup may be nil. The
// namespace starts with lo down, as the kernel makes it.
func New(setup func() error) (*Namespace, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// Never unlocked: when this goroutine ends, the runtime ends the
		// thread, so no other goroutine ever runs in the namespace by
		// accident.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- result{-1, os.NewSyscallError("unshare CLONE_NEWNET", err)}
			return
		}
		const self = "/proc/thread-self/ns/net"
		fd, err := unix.Open(self, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{-1, &os.PathError{Op: "open", Path: self, Err: err}}
			return
		}
		if setup != nil {
			if err := setup(); err != nil {
				unix.Close(fd)
				ch <- result{-1, &SetupError{err}}
				return
			}
		}
		ch <- result{fd, nil}
	}()
	r := <-ch
	if r.err != nil {
		return nil, fmt.Errorf("create a network namespace: %w", r.err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(r.fd, &st); err != nil {
		unix.Close(r.fd)
		return nil, fmt.Errorf("create a network namespace: %w", os.NewSyscallError("fstat", err))
	}
	return &Namespace{fd: r.fd, ino: st.Ino}, nil
}

// Do runs f on a thread that has entered the namespace, so the sockets f
// opens live there (they may be used from any goroutine afterwards). The
// goroutine keeps its thread locked to the end, and the runtime retires
// the thread with it.
func (n *Namespace) Do(f func() error) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := n.Enter(); err != nil {
			ch <- err
			return
		}
		ch <- f()
	}()
	return <-ch
}

// Enter moves the calling thread into the namespace, for a goroutine that
// must stay there longer than one function (one that starts a process and
// waits for it). The caller has called runtime.LockOSThread and never
// unlocks it, so the runtime retires the thread with the goroutine.
func (n *Namespace) Enter() error {
	if err := unix.Setns(n.fd, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("enter the network namespace: %w", os.NewSyscallError("setns", err))
	}
	return nil
}

// Path names the namespace for the ip command (netns PATH) while it is
// open.
func (n *Namespace) Path() string {
	return "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/" + strconv.Itoa(n.fd)
}

// Close drops turtle's hold on the namespace; the kernel frees it once the
// last socket and process in it are gone.
func (n *Namespace) Close() error { return unix.Close(n.fd) }

// Pids returns the processes inside the namespace (turtle itself left out).
func (n *Namespace) Pids() []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+e.Name()+"/ns/net", &st) == nil && st.Ino == n.ino {
			pids = append(pids, pid)
		}
	}
	return pids
}

// LinkUp sets IFF_UP on an interface of the calling thread's namespace
// (for lo, the kernel then gives it 127.0.0.1/8, and ::1 unless IPv6 is
// off).
func LinkUp(name string) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return os.NewSyscallError("ioctl SIOCGIFFLAGS "+name, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return os.NewSyscallError("ioctl SIOCSIFFLAGS "+name, err)
	}
	return nil
}
