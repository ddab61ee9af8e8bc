// Package live captures frames from network interfaces for the same
// decoding core that reads capture files: a Handle is a pcapio.Source.
// Its sending half, Sender (send.go), puts frames on an interface for
// turtle replay. Recorder (recorder.go) is the one capture loop that
// sniff (through Tee, which prints and writes each frame), grade --live,
// record and grade --program run on a Handle. names.go holds how an
// interface is chosen, named and listed for a person (sniff -i, ifaces).
//
// Two backends sit behind one API. On Linux the default is an AF_PACKET
// socket with a TPACKET_V3 ring, in pure Go (afpacket_linux.go). On Windows
// the default build captures with Npcap's wpcap.dll, loaded at run time
// without cgo (npcap_windows.go). Built with the pcap tag, libpcap
// (gopacket/pcap; Npcap on Windows) captures where AF_PACKET does not
// exist, or on request (Config.Libpcap), and compiles filters
// (CompileFilter). Every other combination returns an error
// that says what is missing; nothing here panics on what the kernel hands
// over.
//
// What the AF_PACKET backend guarantees, as libpcap does:
//   - each packet once: on a loopback device Linux hands a packet socket
//     every packet twice, as PACKET_OUTGOING and as PACKET_HOST; the
//     outgoing copy is dropped;
//   - whole frames: the ring fits frames up to the snapshot length (65535 by
//     default), whatever the MTU;
//   - VLAN tags: the kernel strips 802.1Q/802.1ad tags into metadata; they
//     are put back behind the MAC addresses of Ethernet frames;
//   - "any" captures every interface as Linux cooked v2 (SLL2) frames.
//
// Unbound ("") is the one exception, on purpose: it captures as the class
// notes' sniffers do, with an AF_PACKET socket bound to no interface, so
// every frame of every interface arrives with its own link-layer header
// and the loopback's packets arrive twice (outgoing, then incoming).
//
// Errors from the operating system are wrapped so that
// errors.Is(err, os.ErrPermission) tells a missing privilege (root or
// CAP_NET_RAW) from other failures.
package live

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/net/bpf"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Any is the interface name that captures on every interface at once.
const Any = "any"

// Unbound is the interface name that captures as the notes' sniffers do:
// socket(AF_PACKET, SOCK_RAW, ntohs(ETH_P_ALL)) never bound to an
// interface. Every interface's frames come with their own link-layer
// header (recorded as Ethernet, which is what most are; a frame of a
// raw-IP device keeps no header, as the notes' socket shows it), and each
// packet on the loopback is seen twice, as PACKET_OUTGOING and PACKET_HOST.
// AF_PACKET only (Linux).
const Unbound = ""

// DefaultSnaplen is the snapshot length when Config.Snaplen is 0: every
// byte of any frame a 64 KiB MTU allows.
const DefaultSnaplen = 65535

// DefaultBufferSize is the kernel buffer (the ring) when Config.BufferSize
// is 0. libpcap's default is 2 MiB; a larger ring absorbs longer bursts
// while the printer is busy (see scripts/bench-sniff.sh).
const DefaultBufferSize = 8 << 20

// Config says how to open a Handle. A nil *Config means the defaults.
type Config struct {
	Snaplen     int                  // bytes kept of each frame; 0 means DefaultSnaplen
	Promiscuous bool                 // also frames not addressed to the interface
	BufferSize  int                  // kernel buffer in bytes; 0 means DefaultBufferSize
	Filter      []bpf.RawInstruction // classic BPF run in the kernel; nil keeps every frame
	Libpcap     bool                 // use libpcap even where AF_PACKET exists (pcap build tag)
}

// Stats counts what a Handle saw.
type Stats struct {
	Captured uint64 // frames returned by ZeroCopyReadPacketData
	Received uint64 // frames the kernel passed the filter, dropped ones included (libpcap's ps_recv)
	Dropped  uint64 // frames the kernel dropped because the buffer was full (ps_drop)
}

var (
	// ErrStopped is returned by reads after Stop or Close.
	ErrStopped = errors.New("capture stopped")
	// ErrGone is returned (wrapped, with the kernel's error) when the
	// interface being captured on disappears or goes down for good, as
	// tcpdump's "The interface disappeared".
	ErrGone = errors.New("the interface went down or disappeared")
	// ErrNotSupported is returned where this build has no way to capture.
	ErrNotSupported = errors.New("live capture is not supported on " + runtime.GOOS +
		" without libpcap: build turtle with -tags pcap")
	// ErrNoPcap is returned when libpcap is asked for in a build without it.
	ErrNoPcap = errors.New("this turtle was built without libpcap: build it with -tags pcap")
)

// Handle is an open capture on one interface or on all of them. Reads must
// come from one goroutine; Stop may be called from any.
type Handle struct {
	c    capturer
	name string
}

var _ pcapio.Source = (*Handle)(nil)

// capturer is what a backend implements; Handle's methods delegate to it.
type capturer interface {
	read() ([]byte, pcapio.CaptureInfo, error)
	linkAddr(a *pcapio.LinkAddr)
	linkType() pcapio.LinkType
	stats() (Stats, error)
	setReadDeadline(t time.Time) error
	stop()
	close() error
}

// Open starts capturing on the interface called name (see Lookup for
// numbers), or on every interface when name is Any.
func Open(name string, cfg *Config) (*Handle, error) {
	c := withDefaults(cfg)
	if c.Snaplen < 0 || c.Snaplen > maxSnaplen {
		return nil, fmt.Errorf("snapshot length %d out of range 0 to %d", c.Snaplen, maxSnaplen)
	}
	if c.BufferSize < minBufferSize {
		return nil, fmt.Errorf("buffer size %d below the minimum %d", c.BufferSize, minBufferSize)
	}
	var (
		cp  capturer
		err error
	)
	if name == Unbound && (c.Libpcap || !haveAFPacket) {
		return nil, errUnboundNeedsAFPacket
	}
	if c.Libpcap || !haveAFPacket {
		cp, err = openLibpcap(name, &c)
	} else {
		cp, err = openAFPacket(name, &c)
	}
	if err != nil {
		return nil, fmt.Errorf("capture on %s: %w", Where(name), err)
	}
	return &Handle{c: cp, name: name}, nil
}

var errUnboundNeedsAFPacket = errors.New("capturing every interface as the notes' unbound socket needs Linux's AF_PACKET: name an interface with -i, or -i any")

// maxSnaplen is the largest snapshot length accepted: libpcap's maximum.
const maxSnaplen = pcapio.MaxSnaplen

// minBufferSize keeps the ring big enough for a few full-size frames.
const minBufferSize = 1 << 20

func withDefaults(cfg *Config) Config {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Snaplen == 0 {
		c.Snaplen = DefaultSnaplen
	}
	if c.BufferSize == 0 {
		c.BufferSize = DefaultBufferSize
	}
	return c
}

// ZeroCopyReadPacketData waits for the next frame and returns it. The data
// stays valid until the next call (it lies in the kernel's ring); copy what
// must live longer. It returns ErrStopped after Stop, and an error matching
// os.ErrDeadlineExceeded when the deadline set by SetReadDeadline passes.
func (h *Handle) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) { return h.c.read() }

// LinkAddr fills a with the address tuple of the frame last read, as
// Python's recvfrom returns it on an AF_PACKET socket. a.HardwareAddr is
// reused (appended to from a.HardwareAddr[:0]).
func (h *Handle) LinkAddr(a *pcapio.LinkAddr) { h.c.linkAddr(a) }

// LinkType is the link layer of the frames: Ethernet for most interfaces,
// Linux cooked v2 for Any.
func (h *Handle) LinkType() pcapio.LinkType { return h.c.linkType() }

// Stats reports the frames captured and those received and dropped by the
// kernel since Open.
func (h *Handle) Stats() (Stats, error) { return h.c.stats() }

// SetReadDeadline makes reads that are still waiting at t return an error
// matching os.ErrDeadlineExceeded; the zero time means no deadline.
func (h *Handle) SetReadDeadline(t time.Time) error { return h.c.setReadDeadline(t) }

// Stop wakes a read waiting for a frame and makes every later read return
// ErrStopped. It is safe from any goroutine (a signal handler), unlike Close.
func (h *Handle) Stop() { h.c.stop() }

// Close releases the handle. The data of the last read becomes invalid, so
// Close must not run while another goroutine reads or uses that data: Stop
// the reader, let it return, then Close.
func (h *Handle) Close() error { return h.c.close() }

// Name is the interface name the handle was opened with.
func (h *Handle) Name() string { return h.name }

// Interface is one network interface as `turtle ifaces` lists it.
type Interface struct {
	Index       int    // kernel interface index (Linux, Windows), or position in the libpcap list
	Name        string // what Open takes
	Description string // libpcap's description, if any
	Addrs       []netip.Prefix
	Up          bool
	Loopback    bool
}

// Interfaces lists the interfaces that Open can capture on, in index order.
func Interfaces() ([]Interface, error) { return listInterfaces() }

// Lookup finds an interface by name or by its Index written in decimal, as
// `turtle ifaces` numbers them. Any is returned as is, with Index 0.
func Lookup(nameOrIndex string) (Interface, error) {
	if nameOrIndex == Any {
		return Interface{Name: Any, Up: true}, nil
	}
	list, err := Interfaces()
	if err != nil {
		return Interface{}, err
	}
	for _, ifc := range list {
		if ifc.Name == nameOrIndex {
			return ifc, nil
		}
	}
	if n, err := strconv.Atoi(nameOrIndex); err == nil {
		for _, ifc := range list {
			if ifc.Index == n {
				return ifc, nil
			}
		}
		return Interface{}, fmt.Errorf("no interface number %d (see 'turtle ifaces')", n)
	}
	return Interface{}, fmt.Errorf("no interface named %q (see 'turtle ifaces')", nameOrIndex)
}

// Address is the address the classroom sniffer prints at start ("IP: ..."):
// the interface's first IPv4 address, else its first address; for Any the
// first address of an up, non-loopback interface, else of any interface.
// ok is false when there is none.
func Address(ifc Interface) (addr netip.Addr, ok bool) {
	if ifc.Name != Any {
		return firstAddr(ifc.Addrs)
	}
	list, err := Interfaces()
	if err != nil {
		return netip.Addr{}, false
	}
	for _, pass := range []func(Interface) bool{
		func(i Interface) bool { return i.Up && !i.Loopback },
		func(i Interface) bool { return true },
	} {
		for _, i := range list {
			if pass(i) {
				if a, ok := firstAddr(i.Addrs); ok {
					return a, true
				}
			}
		}
	}
	return netip.Addr{}, false
}

func firstAddr(addrs []netip.Prefix) (netip.Addr, bool) {
	for _, p := range addrs {
		if p.Addr().Is4() {
			return p.Addr(), true
		}
	}
	if len(addrs) > 0 {
		return addrs[0].Addr(), true
	}
	return netip.Addr{}, false
}

// syscallError wraps err from the named system call so that errors.Is
// finds its errno class (os.ErrPermission for EPERM and EACCES).
func syscallError(call string, err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError(call, err)
}

// LinkTypeOf is the link type that Open(name, cfg) will capture, for
// compiling a filter before the handle exists (a filter attached before the
// socket is bound sees every frame; one attached later would miss none but
// let through those already queued).
func LinkTypeOf(name string, cfg *Config) (pcapio.LinkType, error) {
	c := withDefaults(cfg)
	if name == Unbound && (c.Libpcap || !haveAFPacket) {
		return 0, errUnboundNeedsAFPacket
	}
	if c.Libpcap || !haveAFPacket {
		return libpcapLinkType(name, &c)
	}
	return afpacketLinkType(name)
}
