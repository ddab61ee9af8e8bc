//go:build linux

package sandbox

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Netns is an anonymous network namespace: it has no name in /run/netns,
// and the kernel frees it once Close has run and no process is left in it.
// Its loopback is up and IPv6 is off (so no router solicitation, duplicate
// address detection or MLD report is ever sent from it).
type Netns struct {
	fd  int
	ino uint64
}

// NewNetns creates a namespace on a thread of its own.
func NewNetns() (*Netns, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// Never unlocked: the runtime ends the thread with this goroutine,
		// so nothing else ever runs in the namespace by accident.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- result{-1, os.NewSyscallError("unshare CLONE_NEWNET", err)}
			return
		}
		fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{-1, &os.PathError{Op: "open", Path: "/proc/thread-self/ns/net", Err: err}}
			return
		}
		if err := quiet(); err == nil {
			err = linkUp("lo")
		}
		if err != nil {
			unix.Close(fd)
			ch <- result{-1, err}
			return
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
	return &Netns{fd: r.fd, ino: st.Ino}, nil
}

// quiet turns IPv6 off in the calling thread's namespace, for the
// interfaces there and those made later.
func quiet() error {
	for _, p := range []string{"all", "default"} {
		path := "/proc/sys/net/ipv6/conf/" + p + "/disable_ipv6"
		if err := os.WriteFile(path, []byte("1"), 0); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// Do runs f on a thread inside the namespace: sockets f opens stay in it
// and may be used from any goroutine afterwards.
func (n *Netns) Do(f func() error) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Setns(n.fd, unix.CLONE_NEWNET); err != nil {
			ch <- fmt.Errorf("enter the network namespace: %w", os.NewSyscallError("setns", err))
			return
		}
		ch <- f()
	}()
	return <-ch
}

// path names the namespace for the ip command while it is open.
func (n *Netns) path() string {
	return "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/" + strconv.Itoa(n.fd)
}

// Close drops turtle's hold on the namespace.
func (n *Netns) Close() error { return unix.Close(n.fd) }

// Pids returns the processes inside the namespace.
func (n *Netns) Pids() []int {
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

var vethSeq atomic.Int32

// Veth is a veth pair joining two namespaces.
type Veth struct {
	A, B       string           // interface names in the first and second namespace
	MACA, MACB net.HardwareAddr // their addresses
}

// NewVeth joins a and b with a veth pair, both ends up and without
// addresses. The names carry turtle's process id. The pair goes away with
// either namespace.
func NewVeth(a, b *Netns) (*Veth, error) {
	n := vethSeq.Add(1)
	pid := os.Getpid()
	v := &Veth{
		A:    fmt.Sprintf("tga%dx%d", pid, n),
		B:    fmt.Sprintf("tgb%dx%d", pid, n),
		MACA: net.HardwareAddr{0x02, 0x74, 0x75, 0x72, 0x74, 0x01},
		MACB: net.HardwareAddr{0x02, 0x74, 0x75, 0x72, 0x74, 0x02},
	}
	if len(v.A) > unix.IFNAMSIZ-1 {
		v.A, v.B = fmt.Sprintf("tga%x", n), fmt.Sprintf("tgb%x", n)
	}
	out, err := exec.Command("ip", "link", "add", v.A, "address", v.MACA.String(), "netns", a.path(), "type", "veth",
		"peer", "name", v.B, "address", v.MACB.String(), "netns", b.path()).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("create a veth pair: ip link add: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if err := a.Do(func() error { return linkUp(v.A) }); err != nil {
		return nil, err
	}
	if err := b.Do(func() error { return linkUp(v.B) }); err != nil {
		return nil, err
	}
	return v, nil
}

// linkUp sets IFF_UP on an interface of the calling thread's namespace.
func linkUp(name string) error {
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
