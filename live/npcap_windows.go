//go:build windows && !pcap

package live

// The default Windows build captures with Npcap's wpcap.dll, loaded when
// a capture or the interface list first needs it: no cgo, no build tag,
// and a turtle.exe that reads captures runs where Npcap is not installed.
//
// Written by hand rather than with gopacket/pcap (which -tags pcap uses)
// because gopacket/pcap loads wpcap.dll in its package init and panics
// there, before main, when the DLL lacks one of the functions it wants
// (Wine's wpcap.dll has no pcap_setdirection): a turtle.exe that cannot
// even read a file. Here each function is looked up when called, and a
// missing one is an error like any other.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/windows"

	"github.com/turtle-sniffer/turtle/filter"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// ErrNoNpcap is returned by captures, sends and the interface list when
// Npcap's wpcap.dll cannot be loaded.
var ErrNoNpcap = errors.New(`Npcap is not installed (no wpcap.dll): install it from https://npcap.com with "WinPcap API-compatible mode" ticked, then run turtle as Administrator`)

var wpcap struct {
	once sync.Once
	dll  windows.Handle
	err  error
	mu   sync.Mutex
	proc map[string]uintptr
}

// loadWpcap loads Npcap's wpcap.dll from System32\Npcap (where Npcap puts
// it, beside its Packet.dll), else a wpcap.dll in System32 (WinPcap, or
// Npcap's API-compatible mode); never from the current folder or PATH.
func loadWpcap() error {
	wpcap.once.Do(func() {
		wpcap.proc = map[string]uintptr{}
		if sys, err := windows.GetSystemDirectory(); err == nil {
			const loadWithAlteredSearchPath = 0x8 // its Packet.dll from its own folder
			if h, err := windows.LoadLibraryEx(sys+`\Npcap\wpcap.dll`, 0, loadWithAlteredSearchPath); err == nil {
				wpcap.dll = h
				return
			}
		}
		h, err := windows.LoadLibraryEx("wpcap.dll", 0, windows.LOAD_LIBRARY_SEARCH_SYSTEM32)
		if err != nil {
			wpcap.err = ErrNoNpcap
			return
		}
		wpcap.dll = h
	})
	return wpcap.err
}

// call calls the wpcap.dll function name with args and returns its result.
// Pointers among args must point to the heap (new, make, a field of a
// heap object), never to a local variable: the stack may move between the
// conversion to uintptr and the call.
func call(name string, args ...uintptr) (uintptr, error) {
	if err := loadWpcap(); err != nil {
		return 0, err
	}
	wpcap.mu.Lock()
	addr, ok := wpcap.proc[name]
	if !ok {
		var err error
		if addr, err = windows.GetProcAddress(wpcap.dll, name); err != nil {
			wpcap.mu.Unlock()
			return 0, fmt.Errorf("this wpcap.dll has no %s: install Npcap from https://npcap.com", name)
		}
		wpcap.proc[name] = addr
	}
	wpcap.mu.Unlock()
	r, _, _ := syscall.SyscallN(addr, args...)
	return r, nil
}

// cString reads the NUL-terminated string C memory holds at p.
func cString(p uintptr) string {
	if p == 0 {
		return ""
	}
	return windows.BytePtrToString(*(**byte)(unsafe.Pointer(&p)))
}

// errbuf is libpcap's PCAP_ERRBUF_SIZE.
type errbuf [256]byte

func (b *errbuf) ptr() uintptr     { return uintptr(unsafe.Pointer(&b[0])) }
func (b *errbuf) String() string   { return windows.BytePtrToString(&b[0]) }
func cstr(s string) (*byte, error) { return windows.BytePtrFromString(s) }

// npcap is one pcap_t.
type npcap struct {
	p        uintptr
	device   string
	lt       pcapio.LinkType
	last     []byte
	stopped  atomic.Bool
	deadline atomic.Int64
	captured atomic.Uint64
	closed   atomic.Bool
	mu       sync.Mutex  // pcap_next_ex and pcap_close never at once
	hdr      *pcapPkthdr // pcap_next_ex's answers, in n so they are on the heap
	data     *byte
	st       pcapStat
}

// geterr is pcap_geterr, for a handle's last error.
func (n *npcap) geterr() error {
	r, err := call("pcap_geterr", n.p)
	if err != nil {
		return err
	}
	return pcapError(errors.New(cString(r)))
}

// pcapError makes "permission denied" answers match os.ErrPermission, as
// the AF_PACKET backend's errno does.
func pcapError(err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "permission") || strings.Contains(msg, "access is denied") || strings.Contains(msg, "not permitted") {
		return fmt.Errorf("%w: %v (run turtle as Administrator, or install Npcap without \"Restrict Npcap driver's access to Administrators only\")", os.ErrPermission, err)
	}
	return err
}

func activateNpcap(name string, c *Config) (*npcap, error) {
	dev, err := cstr(name)
	if err != nil {
		return nil, err
	}
	eb := new(errbuf)
	p, err := call("pcap_create", uintptr(unsafe.Pointer(dev)), eb.ptr())
	if err != nil {
		return nil, err
	}
	if p == 0 {
		return nil, pcapError(errors.New(eb.String()))
	}
	n := &npcap{p: p, device: name}
	promisc := uintptr(0)
	if c.Promiscuous {
		promisc = 1
	}
	for _, set := range []struct {
		fn  string
		arg uintptr
	}{
		{"pcap_set_snaplen", uintptr(c.Snaplen)},
		{"pcap_set_promisc", promisc},
		{"pcap_set_timeout", uintptr(pcapTimeout / time.Millisecond)},
		{"pcap_set_buffer_size", uintptr(c.BufferSize)},
	} {
		if r, err := call(set.fn, p, set.arg); err != nil || int32(r) != 0 {
			call("pcap_close", p)
			if err == nil {
				err = fmt.Errorf("%s failed", set.fn)
			}
			return nil, err
		}
	}
	r, err := call("pcap_activate", p)
	if err == nil && int32(r) < 0 {
		err = n.geterr()
		if msg := err.Error(); msg == "" || msg == os.ErrPermission.Error()+": " {
			err = fmt.Errorf("pcap_activate failed (%d)", int32(r))
		}
	}
	if err != nil {
		call("pcap_close", p)
		return nil, err
	}
	lt, _ := call("pcap_datalink", p)
	n.lt = pcapio.LinkType(int32(lt))
	return n, nil
}

// pcapTimeout bounds each wait inside wpcap.dll, so that Stop and
// deadlines take effect within it.
const pcapTimeout = 100 * time.Millisecond

func openLibpcap(name string, c *Config) (capturer, error) {
	n, err := activateNpcap(name, c)
	if err != nil {
		return nil, err
	}
	if len(c.Filter) > 0 {
		ins := make([]bpf.RawInstruction, len(c.Filter))
		copy(ins, c.Filter)
		prog := &struct {
			len   uint32
			insns *bpf.RawInstruction
		}{uint32(len(ins)), &ins[0]}
		if r, err := call("pcap_setfilter", n.p, uintptr(unsafe.Pointer(prog))); err != nil || int32(r) != 0 {
			if err == nil {
				err = n.geterr()
			}
			n.close()
			return nil, fmt.Errorf("set filter: %w", err)
		}
	}
	return n, nil
}

func libpcapLinkType(name string, c *Config) (pcapio.LinkType, error) {
	n, err := activateNpcap(name, c)
	if err != nil {
		return 0, fmt.Errorf("capture on %s: %w", name, err)
	}
	defer n.close()
	return n.lt, nil
}

// pcapPkthdr is Windows' struct pcap_pkthdr: a timeval of two 32-bit
// longs, then the lengths.
type pcapPkthdr struct {
	sec, usec   int32
	caplen, len uint32
}

func (n *npcap) read() ([]byte, pcapio.CaptureInfo, error) {
	for {
		if n.stopped.Load() {
			return nil, pcapio.CaptureInfo{}, ErrStopped
		}
		n.mu.Lock()
		if n.closed.Load() {
			n.mu.Unlock()
			return nil, pcapio.CaptureInfo{}, ErrStopped
		}
		r, err := call("pcap_next_ex", n.p, uintptr(unsafe.Pointer(&n.hdr)), uintptr(unsafe.Pointer(&n.data)))
		hdr, data := n.hdr, n.data
		switch {
		case err != nil:
			n.mu.Unlock()
			return nil, pcapio.CaptureInfo{}, fmt.Errorf("read: %w", err)
		case int32(r) == 1:
			// The frame is wpcap.dll's until the next call: copy it.
			n.last = append(n.last[:0], unsafe.Slice(data, hdr.caplen)...)
			info := pcapio.CaptureInfo{
				Timestamp:     time.Unix(int64(hdr.sec), int64(hdr.usec)*1000).UTC(),
				CaptureLength: int(hdr.caplen),
				Length:        int(hdr.len),
				LinkType:      n.lt,
				InterfaceName: n.device,
			}
			n.mu.Unlock()
			n.captured.Add(1)
			return n.last, info, nil
		case int32(r) == 0: // the timeout
			n.mu.Unlock()
			if d := n.deadline.Load(); d != 0 && time.Now().UnixNano() >= d {
				return nil, pcapio.CaptureInfo{}, fmt.Errorf("wait for frames: %w", os.ErrDeadlineExceeded)
			}
		case int32(r) == -2:
			n.mu.Unlock()
			return nil, pcapio.CaptureInfo{}, ErrStopped
		default:
			err := n.geterr()
			n.mu.Unlock()
			return nil, pcapio.CaptureInfo{}, fmt.Errorf("read: %w", err)
		}
	}
}

// linkAddr derives the recvfrom tuple from the frame's own header, since
// wpcap.dll keeps the sockaddr to itself; the packet type is 0 (host).
func (n *npcap) linkAddr(a *pcapio.LinkAddr) {
	*a = pcapio.LinkAddr{Interface: n.device, HardwareAddr: a.HardwareAddr[:0]}
	if b := n.last; n.lt == pcapio.LinkTypeEthernet && len(b) >= 14 {
		a.HardwareType = 1
		a.Protocol = binary.BigEndian.Uint16(b[12:])
		a.HardwareAddr = append(a.HardwareAddr, b[6:12]...)
	}
}

func (n *npcap) linkType() pcapio.LinkType { return n.lt }

// pcapStat is struct pcap_stat.
type pcapStat struct{ recv, drop, ifdrop uint32 }

func (n *npcap) stats() (Stats, error) {
	s := Stats{Captured: n.captured.Load()}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed.Load() {
		return s, nil
	}
	st := &n.st
	r, err := call("pcap_stats", n.p, uintptr(unsafe.Pointer(st)))
	if err == nil && int32(r) != 0 {
		err = n.geterr()
	}
	if err != nil {
		return s, err
	}
	s.Received, s.Dropped = uint64(st.recv), uint64(st.drop)
	return s, nil
}

func (n *npcap) setReadDeadline(t time.Time) error {
	if t.IsZero() {
		n.deadline.Store(0)
	} else {
		n.deadline.Store(t.UnixNano())
	}
	return nil
}

func (n *npcap) stop() { n.stopped.Store(true) }

func (n *npcap) close() error {
	n.stop()
	n.mu.Lock() // a read in progress returns within pcapTimeout
	defer n.mu.Unlock()
	if !n.closed.Swap(true) {
		call("pcap_close", n.p)
	}
	return nil
}

// CompileFilter compiles a tcpdump filter expression for frames of link
// type lt, cut to snaplen bytes, into classic BPF for Config.Filter, with
// turtle's own compiler (see package filter): reading captures with -f
// needs no Npcap.
func CompileFilter(expr string, lt pcapio.LinkType, snaplen int) ([]bpf.RawInstruction, error) {
	f, err := filter.New(expr, lt, snaplen)
	if err != nil {
		return nil, err
	}
	return f.RawInstructions(), nil
}

// npcapSender sends with pcap_sendpacket.
type npcapSender struct{ n *npcap }

func openLibpcapSender(name string) (sender, error) {
	n, err := activateNpcap(name, &Config{Snaplen: DefaultSnaplen, BufferSize: minBufferSize})
	if err != nil {
		return nil, err
	}
	return &npcapSender{n}, nil
}

func (s *npcapSender) send(frame []byte) error {
	if len(frame) == 0 {
		return &SendError{Iface: s.n.device, Len: 0, Err: errors.New("empty frame")}
	}
	r, err := call("pcap_sendpacket", s.n.p, uintptr(unsafe.Pointer(&frame[0])), uintptr(len(frame)))
	if err == nil && int32(r) != 0 {
		err = s.n.geterr()
	}
	if err != nil {
		return &SendError{Iface: s.n.device, Len: len(frame), Err: err}
	}
	return nil
}

func (s *npcapSender) sendBatch(frames [][]byte) (int, error) {
	for i, f := range frames {
		if err := s.send(f); err != nil {
			return i, err
		}
	}
	return len(frames), nil
}

func (s *npcapSender) linkType() pcapio.LinkType { return s.n.lt }
func (s *npcapSender) mtu() int                  { return 0 }
func (s *npcapSender) close() error              { return s.n.close() }

// pcapIf is struct pcap_if; pcapAddr struct pcap_addr.
type pcapIf struct {
	next        *pcapIf
	name        *byte
	description *byte
	addresses   *pcapAddr
	flags       uint32
}

type pcapAddr struct {
	next                              *pcapAddr
	addr, netmask, broadaddr, dstaddr *windows.RawSockaddrAny
}

// npcapLoopback is the device Npcap captures loopback traffic on
// (LINKTYPE_NULL frames); Windows calls the interface behind it
// "Loopback Pseudo-Interface 1".
const npcapLoopback = `\Device\NPF_Loopback`

// pcapInterfaces lists Npcap's devices numbered as the class notes'
// Windows sniffers (scapy's IFACES) number them: by the Windows interface
// index of the adapter with the device's GUID (what Get-NetAdapter and
// `netsh interface ipv4 show interfaces` show), the loopback device by the
// loopback pseudo-interface's; a device Windows does not list gets -1, -2,
// ... in Npcap's order, as scapy gives it.
func pcapInterfaces() ([]Interface, error) {
	all := new(*pcapIf)
	eb := new(errbuf)
	r, err := call("pcap_findalldevs", uintptr(unsafe.Pointer(all)), eb.ptr())
	if err != nil {
		return nil, err
	}
	if int32(r) != 0 {
		return nil, pcapError(errors.New(eb.String()))
	}
	defer call("pcap_freealldevs", uintptr(unsafe.Pointer(*all)))
	indexes, loopback := adapterIndexes()
	const (
		ifLoopback = 0x1 // PCAP_IF_LOOPBACK
		ifUp       = 0x2 // PCAP_IF_UP
	)
	var out []Interface
	unknown := 0
	for d := *all; d != nil; d = d.next {
		i := Interface{
			Name:        windows.BytePtrToString(d.name),
			Description: windows.BytePtrToString(d.description),
			Up:          d.flags&ifUp != 0,
			Loopback:    d.flags&ifLoopback != 0,
		}
		guid := i.Name
		if k := strings.IndexByte(guid, '{'); k >= 0 {
			guid = guid[k:]
		}
		switch idx, ok := indexes[strings.ToUpper(guid)]; {
		case ok:
			i.Index = idx
		case strings.EqualFold(i.Name, npcapLoopback) && loopback != 0:
			i.Index = loopback
		default:
			unknown--
			i.Index = unknown
		}
		for a := d.addresses; a != nil; a = a.next {
			ip, ok := sockaddrIP(a.addr)
			if !ok {
				continue
			}
			bits := ip.BitLen()
			if m, ok := sockaddrIP(a.netmask); ok && m.BitLen() == bits {
				if ones, total := net.IPMask(m.AsSlice()).Size(); total != 0 {
					bits = ones
				}
			}
			i.Addrs = append(i.Addrs, netip.PrefixFrom(ip, bits))
		}
		out = append(out, i)
	}
	sortByIndex(out)
	return out, nil
}

// adapterIndexes maps each Windows adapter's GUID ("{...}", upper case)
// to its interface index, and returns the loopback pseudo-interface's.
func adapterIndexes() (map[string]int, int) {
	m := map[string]int{}
	loopback := 0
	size := uint32(16 << 10)
	for range 3 {
		buf := make([]byte, size)
		aa := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0]))
		err := windows.GetAdaptersAddresses(windows.AF_UNSPEC, windows.GAA_FLAG_INCLUDE_PREFIX, 0, aa, &size)
		if err == windows.ERROR_BUFFER_OVERFLOW {
			continue
		}
		if err != nil {
			return m, 0
		}
		for ; aa != nil; aa = aa.Next {
			idx := int(aa.IfIndex)
			if idx == 0 {
				idx = int(aa.Ipv6IfIndex)
			}
			m[strings.ToUpper(windows.BytePtrToString(aa.AdapterName))] = idx
			if aa.IfType == windows.IF_TYPE_SOFTWARE_LOOPBACK && loopback == 0 {
				loopback = idx
			}
		}
		break
	}
	return m, loopback
}

func sockaddrIP(sa *windows.RawSockaddrAny) (netip.Addr, bool) {
	if sa == nil {
		return netip.Addr{}, false
	}
	switch sa.Addr.Family {
	case windows.AF_INET:
		p := (*windows.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrFrom4(p.Addr), true
	case windows.AF_INET6:
		p := (*windows.RawSockaddrInet6)(unsafe.Pointer(sa))
		return netip.AddrFrom16(p.Addr), true
	}
	return netip.Addr{}, false
}

// sortByIndex orders the list by number, the devices Windows does not
// list (negative numbers) last, in Npcap's order.
func sortByIndex(l []Interface) {
	key := func(i Interface) int {
		if i.Index < 0 {
			return 1<<31 - i.Index
		}
		return i.Index
	}
	slices.SortStableFunc(l, func(a, b Interface) int { return key(a) - key(b) })
}
