//go:build linux

package sandbox

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/turtle-sniffer/turtle/internal/netns"
)

// Netns is an anonymous network namespace (see internal/netns, which owns
// them): its loopback is up and IPv6 is off (so no router solicitation,
// duplicate address detection or MLD report is ever sent from it). Do,
// Close and Pids come from netns.Namespace.
type Netns struct {
	*netns.Namespace
}

// NewNetns creates a namespace on a thread of its own.
func NewNetns() (*Netns, error) {
	ns, err := netns.New(func() error {
		if err := quiet(); err != nil {
			return err
		}
		return netns.LinkUp("lo")
	})
	if err != nil {
		return nil, err
	}
	return &Netns{ns}, nil
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

var vethSeq atomic.Int32

// Veth is a veth pair joining two namespaces.
type Veth struct {
	A, B       string           // interface names in the first and second namespace
	MACA, MACB net.HardwareAddr // their addresses
}

// NewVeth joins a and b with a veth pair, both ends up and without
// addresses. a's end is named after turtle's process id; b's, the
// student's, is eth0 (students bind their sniffer to it by name), which is
// made in b directly and so never meets the host's eth0. The pair goes
// away with either namespace.
func NewVeth(a, b *Netns) (*Veth, error) {
	n := vethSeq.Add(1)
	pid := os.Getpid()
	v := &Veth{
		A:    fmt.Sprintf("tga%dx%d", pid, n),
		B:    "eth0",
		MACA: net.HardwareAddr{0x02, 0x74, 0x75, 0x72, 0x74, 0x01},
		MACB: net.HardwareAddr{0x02, 0x74, 0x75, 0x72, 0x74, 0x02},
	}
	if len(v.A) > unix.IFNAMSIZ-1 {
		v.A = fmt.Sprintf("tga%x", n)
	}
	out, err := exec.Command("ip", "link", "add", v.A, "address", v.MACA.String(), "netns", a.Path(), "type", "veth",
		"peer", "name", v.B, "address", v.MACB.String(), "netns", b.Path()).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("create a veth pair: ip link add: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if err := a.Do(func() error { return netns.LinkUp(v.A) }); err != nil {
		return nil, err
	}
	if err := b.Do(func() error { return netns.LinkUp(v.B) }); err != nil {
		return nil, err
	}
	return v, nil
}
