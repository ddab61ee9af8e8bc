//go:build linux

package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/turtle-sniffer/turtle/internal/netns"
)

// newEnv returns where a scenario runs: a network namespace of its own
// when netns is true and the process may create one, else the host.
func newEnv(netns bool) (env, error) {
	if !netns {
		return hostEnv{}, nil
	}
	e, err := newNetns()
	if errors.Is(err, os.ErrPermission) {
		// No CAP_SYS_ADMIN: the host's loopback, filtered to the
		// scenario's ports, still works with CAP_NET_RAW.
		return hostEnv{}, nil
	}
	return e, err
}

// nsEnv is a network namespace that exists only as long as the recorder
// holds a descriptor of it (internal/netns owns these): no name in
// /run/netns, nothing to clean up after a crash. Its loopback carries the
// scenario's traffic and nothing else, and its sysctls are the kernel's
// defaults, not the host's.
type nsEnv struct {
	ns *netns.Namespace
}

// newNetns creates the namespace and brings its loopback up (the kernel
// gives it 127.0.0.1/8 and ::1 then) with quick acknowledgments.
func newNetns() (*nsEnv, error) {
	ns, err := netns.New(func() error {
		if err := netns.LinkUp("lo"); err != nil {
			return err
		}
		return loopbackQuickAck()
	})
	if err != nil {
		return nil, err
	}
	return &nsEnv{ns}, nil
}

// loopbackQuickAck sets the quickack metric on the route to 127.0.0.1
// (as "ip route replace local 127.0.0.1 dev lo table local ... quickack 1"
// would), so TCP acknowledges every segment at once instead of delaying
// the acknowledgment of a FIN by up to 40 ms. Without it a teardown is
// three segments or four depending on whether the server closes within
// the delayed-ACK timer, which a busy machine decides. The netlink message
// is built by hand: it is one request, and no library in go.mod speaks
// rtnetlink.
func loopbackQuickAck() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	ifr, err := unix.NewIfreq("lo")
	if err == nil {
		err = unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr)
	}
	unix.Close(fd)
	if err != nil {
		return os.NewSyscallError("ioctl SIOCGIFINDEX lo", err)
	}
	lo := ifr.Uint32()

	localhost := []byte{127, 0, 0, 1}
	u32 := func(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
	metrics := appendRtAttr(nil, unix.RTAX_QUICKACK, u32(1))
	msg := make([]byte, unix.SizeofNlMsghdr, 128)
	msg = append(msg, unix.AF_INET, 32, 0, 0, unix.RT_TABLE_LOCAL, unix.RTPROT_KERNEL, unix.RT_SCOPE_HOST, unix.RTN_LOCAL,
		0, 0, 0, 0) // struct rtmsg, flags 0
	msg = appendRtAttr(msg, unix.RTA_DST, localhost)
	msg = appendRtAttr(msg, unix.RTA_PREFSRC, localhost)
	msg = appendRtAttr(msg, unix.RTA_OIF, u32(lo))
	msg = appendRtAttr(msg, unix.RTA_TABLE, u32(unix.RT_TABLE_LOCAL))
	msg = appendRtAttr(msg, unix.RTA_METRICS, metrics)
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.NativeEndian.PutUint16(msg[4:], unix.RTM_NEWROUTE)
	binary.NativeEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK|unix.NLM_F_REPLACE|unix.NLM_F_CREATE)
	binary.NativeEndian.PutUint32(msg[8:], 1) // sequence number

	if err := netlinkRequest(msg); err != nil {
		return fmt.Errorf("set quickack on the loopback route: %w", err)
	}
	return nil
}

// appendRtAttr appends one route attribute (struct rtattr and its value,
// padded to 4 bytes).
func appendRtAttr(b []byte, typ uint16, val []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(unix.SizeofRtAttr+len(val)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, val...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// netlinkRequest sends one rtnetlink request and returns the kernel's
// verdict on it.
func netlinkRequest(msg []byte) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	kernel := &unix.SockaddrNetlink{Family: unix.AF_NETLINK}
	if err := unix.Sendto(fd, msg, 0, kernel); err != nil {
		return os.NewSyscallError("sendto", err)
	}
	buf := make([]byte, 4096)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return os.NewSyscallError("recvfrom", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Header.Type != unix.NLMSG_ERROR || m.Header.Seq != 1 {
				continue
			}
			if len(m.Data) < 4 {
				return errors.New("short netlink error message")
			}
			if code := int32(binary.NativeEndian.Uint32(m.Data)); code != 0 {
				return os.NewSyscallError("RTM_NEWROUTE", syscall.Errno(-code))
			}
			return nil
		}
	}
}

// do runs f on a thread that has entered the namespace, so the sockets f
// creates live there.
func (e *nsEnv) do(f func() error) error { return e.ns.Do(f) }

func (e *nsEnv) netns() bool { return true }

// close drops the recorder's hold on the namespace; the kernel frees it
// once the last socket in it is closed.
func (e *nsEnv) close() error { return e.ns.Close() }
