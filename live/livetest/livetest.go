//go:build linux

// Package livetest builds the network namespaces, veth pairs and known
// frames that the live capture tests run on. Everything it creates lives in
// namespaces it deletes in t.Cleanup, so no test traffic leaves them.
package livetest

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"
)

// RequireRoot skips t unless the process may create namespaces and
// packet sockets.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces, veth pairs and AF_PACKET sockets); CI runs as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (iproute2) to create network namespaces")
	}
}

// NS is a network namespace made for one test.
type NS struct {
	Name string
}

var seq atomic.Int32

// New creates a namespace with its loopback up and IPv6 off (so that no
// router solicitation or DAD frame joins the test's own; a kernel without
// IPv6 has it off already), deleted at the end of the test.
func New(t testing.TB) *NS {
	t.Helper()
	ns := &NS{Name: fmt.Sprintf("turtle-test-%d-%d", os.Getpid(), seq.Add(1))}
	MustRun(t, "ip", "netns", "add", ns.Name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns.Name).Run() })
	err := ns.Do(func() error {
		for _, p := range []string{"all", "default"} {
			err := os.WriteFile("/proc/sys/net/ipv6/conf/"+p+"/disable_ipv6", []byte("1"), 0)
			if errors.Is(err, fs.ErrNotExist) {
				return nil // a kernel without IPv6 (ipv6.disable=1): off already
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("disable IPv6 in %s: %v", ns.Name, err)
	}
	ns.IP(t, "link", "set", "lo", "up")
	return ns
}

// IP runs "ip -n NS args...".
func (ns *NS) IP(t testing.TB, args ...string) string {
	t.Helper()
	return MustRun(t, "ip", append([]string{"-n", ns.Name}, args...)...)
}

// MustRun runs a command and fails t with its output if it fails.
func MustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Do runs fn on an OS thread inside the namespace. Sockets that fn opens
// stay in the namespace after it returns, so they may be used from any
// goroutine.
func (ns *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread stays locked, and dies with this goroutine, unless it
		// is back in its own namespace.
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open("/run/netns/"+ns.Name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns.Name, err)
			return
		}
		err = fn()
		if unix.Setns(orig, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// Fixed addresses of the veth pair that Pair builds.
var (
	MACA = net.HardwareAddr{0x02, 0x00, 0x00, 0xc7, 0x01, 0x01}
	MACB = net.HardwareAddr{0x02, 0x00, 0x00, 0xc7, 0x01, 0x02}
	IPA  = net.IPv4(10, 199, 1, 1).To4()
	IPB  = net.IPv4(10, 199, 1, 2).To4()
	// IPC is on B's subnet but owned by nobody: frames to it are captured
	// on B and then dropped by B's stack, which answers nothing.
	IPC = net.IPv4(10, 199, 1, 3).To4()
)

// Pair makes two namespaces joined by a veth pair, "a0" (MACA) in the
// first and "b0" (MACB, IPB/24) in the second, both up.
func Pair(t testing.TB) (a, b *NS) {
	t.Helper()
	a, b = New(t), New(t)
	MustRun(t, "ip", "link", "add", "a0", "netns", a.Name, "address", MACA.String(), "type", "veth",
		"peer", "name", "b0", "netns", b.Name, "address", MACB.String())
	a.IP(t, "link", "set", "a0", "up")
	b.IP(t, "addr", "add", IPB.String()+"/24", "dev", "b0")
	b.IP(t, "link", "set", "b0", "up")
	a.WaitUp(t, "a0")
	b.WaitUp(t, "b0")
	return a, b
}

// WaitUp returns once the kernel has finished bringing the interface up,
// so that frames sent on it are transmitted. `ip link set up` returns
// before that: the carrier of a veth end comes on when both ends are up,
// and the kernel's link watcher, a work item that needs the RTNL lock
// (which other namespaces being made or deleted on a busy host hold for a
// long while), then sets the operational state to UP and attaches the
// transmit queue discipline, in one go. Until it has run, the device has
// the noop discipline, which drops every frame sent and still lets sendto
// report success: a test that sent right after Pair lost its frames now
// and then (a0's TX dropped counter showed them) and timed out waiting
// for them. So WaitUp waits for that state, not for a time.
func (ns *NS) WaitUp(t testing.TB, ifname string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := ns.IP(t, "-o", "link", "show", "dev", ifname)
		if strings.Contains(out, ",LOWER_UP>") && strings.Contains(out, " state UP ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s in %s is not up after 10 s: %s", ifname, ns.Name, out)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Index is the interface index of name in the namespace.
func (ns *NS) Index(t testing.TB, name string) int {
	t.Helper()
	var idx int
	err := ns.Do(func() error {
		ifc, err := net.InterfaceByName(name)
		if err == nil {
			idx = ifc.Index
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// SendFrames writes whole Ethernet frames to the interface ifname of the
// namespace through a packet socket.
func (ns *NS) SendFrames(t testing.TB, ifname string, frames ...[]byte) {
	t.Helper()
	err := ns.Do(func() error {
		ifc, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		sa := &unix.SockaddrLinklayer{Ifindex: ifc.Index, Halen: 6}
		for _, f := range frames {
			if err := unix.Sendto(fd, f, 0, sa); err != nil {
				return fmt.Errorf("send %d-byte frame on %s: %w", len(f), ifname, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Frame serializes layers with lengths and checksums computed, as the
// kernel would send them.
func Frame(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	for _, l := range ls {
		if tl, ok := l.(interface {
			SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
		}); ok {
			for _, n := range ls {
				if ip, ok := n.(*layers.IPv4); ok {
					tl.SetNetworkLayerForChecksum(ip)
				}
			}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// KnownFrames are three frames from A to IPC on B's link: a UDP datagram,
// a TCP SYN with data, and an ICMP echo request, byte for byte the same on
// every run.
func KnownFrames(t testing.TB) [][]byte {
	t.Helper()
	eth := func() *layers.Ethernet {
		return &layers.Ethernet{SrcMAC: MACA, DstMAC: MACB, EthernetType: layers.EthernetTypeIPv4}
	}
	ip := func(p layers.IPProtocol, id uint16) *layers.IPv4 {
		return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: id, Protocol: p, SrcIP: IPA, DstIP: IPC, Flags: layers.IPv4DontFragment}
	}
	return [][]byte{
		Frame(t, eth(), ip(layers.IPProtocolUDP, 1), &layers.UDP{SrcPort: 40001, DstPort: 7}, gopacket.Payload("turtle udp")),
		Frame(t, eth(), ip(layers.IPProtocolTCP, 2), &layers.TCP{SrcPort: 40002, DstPort: 7, Seq: 1000, Ack: 0, SYN: true, PSH: true, Window: 64240, DataOffset: 5}, gopacket.Payload("turtle tcp")),
		Frame(t, eth(), ip(layers.IPProtocolICMPv4, 3), &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 7, Seq: 1}, gopacket.Payload("turtle icmp")),
	}
}
