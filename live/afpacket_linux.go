//go:build linux

package live

// The AF_PACKET backend: a TPACKET_V3 ring read in place, written here
// rather than taken from gopacket because neither of gopacket's readers
// returns what turtle needs of each packet: the sockaddr_ll (packet type,
// interface, hardware type and address) that tells the loopback's outgoing
// duplicate from the original, builds the SLL2 header for "any" and fills
// the Basic format's recvfrom tuple. gopacket/afpacket also allocates a new
// slice for every VLAN-tagged frame; pcapgo.EthernetHandle drops the tag.
//
// Why a ring, and this one: scripts/bench-sniff.sh floods a veth pair with
// 1,000,000 UDP frames of 1500 bytes (about 300,000 frames/s from one
// sender; 2 cores shared with other work, median of 5 interleaved rounds)
// while each reader writes pcap to nowhere:
//
//	reader                                   received  dropped  CPU
//	this ring (sniff-bench live, 8 MiB)         997,470    1,104  0.18 s
//	gopacket afpacket TPACKET_V3 (8 MiB)        962,272   37,728  0.32 s
//	pcapgo.EthernetHandle (recvmsg per frame)   522,191  472,341  2.04 s
//	turtle sniff -q -w /dev/null (8 MiB)      1,000,000        0  0.27 s
//	tcpdump -w /dev/null (libpcap, 2 MiB)       912,760   87,240  0.18 s
//
// One system call per frame cannot keep up; between the two rings, this
// one waits in Go's netpoller (no thread blocked in poll, Stop and
// deadlines for free) and never allocates per frame.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/turtle-sniffer/turtle/pcapio"
)

const haveAFPacket = true

// Layout of the TPACKET_V3 ring (linux/if_packet.h). Fields are read with
// encoding/binary from the ring's bytes, so every read is bounds-checked.
const (
	tp3HdrLen    = unix.SizeofTpacket3Hdr // struct tpacket3_hdr: 48
	sllOff       = tp3HdrLen              // TPACKET_ALIGN(48): the sockaddr_ll follows
	sllEnd       = sllOff + unix.SizeofSockaddrLinklayer
	vlanTagLen   = 4
	sll2HdrLen   = 20
	blockStatus  = 8  // tpacket_block_desc.hdr.bh1.block_status
	blockNumPkts = 12 // .num_pkts
	blockFirst   = 16 // .offset_to_first_pkt
	// retireTimeout is how long the kernel fills a block before handing it
	// over anyway: the most a quiet interface delays a frame.
	retireTimeout = 20 * time.Millisecond
)

// afpacket reads one TPACKET_V3 ring. Only the reading goroutine touches
// the ring and the read state; stop and stats may run concurrently.
type afpacket struct {
	file *os.File        // the socket, non-blocking, in Go's netpoller
	rc   syscall.RawConn // to wait for a block without a thread of our own
	ring []byte

	blockSize int
	numBlocks int
	block     int  // block being read, or waited for
	owned     bool // block belongs to us (TP_STATUS_USER) until released
	left      int  // packets of the block not read yet
	next      int  // offset in the block of the next packet's header

	snaplen int
	link    pcapio.LinkType
	cooked  bool  // SOCK_DGRAM: no link header, an SLL2 header is built
	unbound bool  // Unbound: every interface, raw, both loopback copies kept
	loIndex int32 // the loopback device, whose outgoing copies are dropped
	ifname  string
	names   map[int32]string // interface names by index, for Any
	userBPF *bpf.VM          // filter the kernel cannot run on cooked frames
	scratch []byte           // a frame copied when the ring lacks headroom

	last struct { // sockaddr_ll of the packet last returned
		ifindex  int32
		protocol uint16 // host order
		hatype   uint16
		pkttype  uint8
		halen    uint8
		addr     [8]byte
	}

	stopped  atomic.Bool
	captured atomic.Uint64
	statsMu  sync.Mutex
	kstats   Stats // kernel counters so far (reading them resets them)
	closed   bool
}

func openAFPacket(name string, c *Config) (capturer, error) {
	h := &afpacket{snaplen: c.Snaplen, link: pcapio.LinkTypeLinuxSLL2, cooked: true}
	ifindex := 0
	sockType := unix.SOCK_DGRAM
	switch {
	case name == Unbound:
		if c.Promiscuous {
			return nil, errors.New("promiscuous mode needs an interface (-i)")
		}
		h.link, h.cooked, h.unbound = pcapio.LinkTypeEthernet, false, true
		sockType = unix.SOCK_RAW
	case name != Any:
		ifc, err := net.InterfaceByName(name)
		if err != nil {
			return nil, err
		}
		ifindex = ifc.Index
		h.ifname = ifc.Name
		arphrd, err := hardwareType(name)
		if err != nil {
			return nil, err
		}
		h.link, h.cooked = linkTypeFor(arphrd)
		if !h.cooked {
			sockType = unix.SOCK_RAW
		}
	case c.Promiscuous:
		return nil, errors.New("promiscuous mode is not supported on the any device")
	}
	h.names = make(map[int32]string)
	if list, err := net.Interfaces(); err == nil {
		for _, ifc := range list {
			h.names[int32(ifc.Index)] = ifc.Name
			if ifc.Flags&net.FlagLoopback != 0 && (h.loIndex == 0 || ifc.Name == "lo") {
				h.loIndex = int32(ifc.Index)
			}
		}
	}

	prog := c.Filter
	if h.cooked && len(prog) > 0 {
		fixed, ok := fixCookedFilter(prog)
		if !ok {
			// libpcap filters such a program in user space too.
			vm, err := newUserFilter(prog)
			if err != nil {
				return nil, err
			}
			h.userBPF, prog = vm, nil
		} else {
			prog = fixed
		}
	}

	// Protocol 0: the socket receives nothing until bind, so no frame
	// reaches the ring before the filter is attached.
	fd, err := unix.Socket(unix.AF_PACKET, sockType|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, syscallError("socket", err)
	}
	if err := h.setup(fd, ifindex, c, prog); err != nil {
		if h.ring != nil {
			unix.Munmap(h.ring)
		}
		unix.Close(fd)
		return nil, err
	}
	h.file = os.NewFile(uintptr(fd), "packet socket")
	if h.rc, err = h.file.SyscallConn(); err != nil {
		h.file.Close()
		unix.Munmap(h.ring)
		return nil, err
	}
	return h, nil
}

// setup configures the socket and its ring, attaches the filter and binds.
func (h *afpacket) setup(fd, ifindex int, c *Config, prog []bpf.RawInstruction) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return syscallError("setsockopt PACKET_VERSION", err)
	}
	// Headroom for a VLAN tag put back in place, as libpcap reserves.
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_RESERVE, vlanTagLen); err != nil {
		return syscallError("setsockopt PACKET_RESERVE", err)
	}
	h.blockSize = blockSizeFor(h.snaplen)
	h.numBlocks = max(c.BufferSize/h.blockSize, 2)
	req := unix.TpacketReq3{
		Block_size:     uint32(h.blockSize),
		Block_nr:       uint32(h.numBlocks),
		Frame_size:     uint32(h.blockSize), // V3 packs frames of any size into blocks
		Frame_nr:       uint32(h.numBlocks),
		Retire_blk_tov: uint32(retireTimeout / time.Millisecond),
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return syscallError("setsockopt PACKET_RX_RING", err)
	}
	ring, err := unix.Mmap(fd, 0, h.blockSize*h.numBlocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_LOCKED)
	if err != nil {
		// MAP_LOCKED needs RLIMIT_MEMLOCK room; the ring works unlocked.
		ring, err = unix.Mmap(fd, 0, h.blockSize*h.numBlocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return syscallError("mmap", err)
		}
	}
	h.ring = ring
	if len(prog) > 0 {
		if err := attachFilter(fd, prog); err != nil {
			return err
		}
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}
	if err := unix.Bind(fd, sa); err != nil {
		return syscallError("bind", err)
	}
	if c.Promiscuous {
		mreq := unix.PacketMreq{Ifindex: int32(ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return syscallError("setsockopt PACKET_ADD_MEMBERSHIP", err)
		}
	}
	if ifindex != 0 && int32(ifindex) == h.loIndex {
		// Let the kernel skip the outgoing copies instead of ringing them
		// to be dropped (Linux 4.20 and later; read drops them otherwise).
		_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1)
	}
	return nil
}

// blockSizeFor is the smallest power-of-two number of pages that holds a
// frame of snaplen bytes with its headers, and at least 128 KiB: small
// blocks hand frames over sooner and free ring space in finer steps.
func blockSizeFor(snaplen int) int {
	size := 128 << 10
	for size < snaplen+512 {
		size <<= 1
	}
	return size
}

// linkTypeFor maps an ARPHRD_* device type to the link type turtle
// captures it as, and whether it needs a cooked (SOCK_DGRAM) socket, the
// way libpcap does for the types it knows and SLL2 for the rest.
func linkTypeFor(arphrd uint16) (pcapio.LinkType, bool) {
	switch arphrd {
	case unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK, unix.ARPHRD_IEEE802:
		return pcapio.LinkTypeEthernet, false
	case unix.ARPHRD_NONE, unix.ARPHRD_RAWIP:
		return pcapio.LinkTypeRaw, false
	}
	return pcapio.LinkTypeLinuxSLL2, true
}

// hardwareType asks the kernel for the ARPHRD_* type of an interface
// (SIOCGIFHWADDR on any socket; no privilege needed).
func hardwareType(name string) (uint16, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, syscallError("socket", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr); err != nil {
		return 0, syscallError("ioctl SIOCGIFHWADDR", err)
	}
	return ifr.Uint16(), nil
}

func afpacketLinkType(name string) (pcapio.LinkType, error) {
	switch name {
	case Any:
		return pcapio.LinkTypeLinuxSLL2, nil
	case Unbound:
		return pcapio.LinkTypeEthernet, nil
	}
	arphrd, err := hardwareType(name)
	if err != nil {
		return 0, fmt.Errorf("interface %s: %w", name, err)
	}
	lt, _ := linkTypeFor(arphrd)
	return lt, nil
}

func attachFilter(fd int, prog []bpf.RawInstruction) error {
	if len(prog) > 0xffff {
		return fmt.Errorf("filter of %d instructions is too long for the kernel", len(prog))
	}
	ins := make([]unix.SockFilter, len(prog))
	for i, r := range prog {
		ins[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	fp := unix.SockFprog{Len: uint16(len(ins)), Filter: &ins[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fp); err != nil {
		return syscallError("setsockopt SO_ATTACH_FILTER", err)
	}
	return nil
}

// Linux BPF extensions (linux/filter.h SKF_AD_*): loads at these offsets
// read packet metadata instead of packet bytes.
const (
	skfAdOff      = 0xfffff000 // uint32(-0x1000)
	skfAdProtocol = 0
	skfAdPkttype  = 4
	skfAdIfindex  = 8
	skfAdHatype   = 28
)

// fixCookedFilter rewrites a program written for SLL2 frames to run on a
// cooked socket, which hands the filter the packet without the SLL2
// header: header fields become extension loads, other offsets move down
// by the header length (libpcap's fix_offset). ok is false when a load
// reads a header field the kernel cannot supply.
func fixCookedFilter(prog []bpf.RawInstruction) ([]bpf.RawInstruction, bool) {
	out := make([]bpf.RawInstruction, len(prog))
	copy(out, prog)
	for i := range out {
		p := &out[i]
		class := p.Op & 0x07
		mode := p.Op & 0xe0
		if class != unix.BPF_LD && class != unix.BPF_LDX {
			continue
		}
		if mode != unix.BPF_ABS && mode != unix.BPF_IND && mode != unix.BPF_MSH {
			continue
		}
		switch {
		case p.K >= sll2HdrLen:
			p.K -= sll2HdrLen
		case p.K == 0:
			p.K = skfAdOff + skfAdProtocol
		case p.K == 4:
			p.K = skfAdOff + skfAdIfindex
		case p.K == 8:
			p.K = skfAdOff + skfAdHatype
		case p.K == 10:
			p.K = skfAdOff + skfAdPkttype
		default:
			return nil, false
		}
	}
	return out, true
}

func newUserFilter(prog []bpf.RawInstruction) (*bpf.VM, error) {
	ins, ok := bpf.Disassemble(prog)
	if !ok {
		return nil, errors.New("filter uses instructions that cannot run outside the kernel")
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	return vm, nil
}

var zeros [sll2HdrLen]byte

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// status points at the block_status word the kernel and we hand over with.
func (h *afpacket) status(block int) *uint32 {
	return (*uint32)(unsafe.Pointer(&h.ring[block*h.blockSize+blockStatus]))
}

func (h *afpacket) read() ([]byte, pcapio.CaptureInfo, error) {
	for {
		if h.ring == nil {
			return nil, pcapio.CaptureInfo{}, ErrStopped
		}
		if h.left == 0 {
			if err := h.nextBlock(); err != nil {
				return nil, pcapio.CaptureInfo{}, err
			}
			continue
		}
		if data, ci, ok := h.packet(); ok {
			h.captured.Add(1)
			return data, ci, nil
		}
	}
}

// nextBlock releases the block just read and waits until the next one is
// ours.
func (h *afpacket) nextBlock() error {
	if h.owned {
		atomic.StoreUint32(h.status(h.block), unix.TP_STATUS_KERNEL)
		h.owned = false
		h.block = (h.block + 1) % h.numBlocks
	}
	if h.stopped.Load() {
		return ErrStopped
	}
	st := h.status(h.block)
	if atomic.LoadUint32(st)&unix.TP_STATUS_USER == 0 {
		var sockErr syscall.Errno
		err := h.rc.Read(func(fd uintptr) bool {
			if h.stopped.Load() || atomic.LoadUint32(st)&unix.TP_STATUS_USER != 0 {
				return true
			}
			// Woken with no block: the kernel may have set an error on
			// the socket (ENETDOWN when the device is unregistered). The
			// netpoller is edge-triggered, so it is read now or never.
			if e, gerr := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR); gerr == nil && e != 0 {
				sockErr = syscall.Errno(e)
				return true
			}
			return false
		})
		switch {
		case h.stopped.Load() || errors.Is(err, os.ErrClosed):
			return ErrStopped
		case sockErr == unix.ENETDOWN || sockErr == unix.ENXIO || sockErr == unix.ENODEV:
			return fmt.Errorf("%w (%v)", ErrGone, sockErr)
		case sockErr != 0:
			return fmt.Errorf("wait for frames: %w", sockErr)
		case err != nil:
			return fmt.Errorf("wait for frames: %w", err)
		}
	}
	b := h.ring[h.block*h.blockSize : (h.block+1)*h.blockSize]
	h.owned = true
	h.left = int(binary.NativeEndian.Uint32(b[blockNumPkts:]))
	h.next = int(binary.NativeEndian.Uint32(b[blockFirst:]))
	return nil
}

// packet returns the next packet of the current block; ok is false for a
// packet that is skipped (the loopback's outgoing copy, one the user-space
// filter rejects, or one whose header the kernel could not have written).
func (h *afpacket) packet() (data []byte, ci pcapio.CaptureInfo, ok bool) {
	blk := h.ring[h.block*h.blockSize : (h.block+1)*h.blockSize]
	off := h.next
	h.left--
	if off < 0 || off > len(blk)-sllEnd {
		h.left = 0 // a damaged block: give it back
		return nil, ci, false
	}
	hdr := blk[off:]
	ne := binary.NativeEndian
	h.next = off + int(ne.Uint32(hdr[0:]))
	sec, nsec := ne.Uint32(hdr[4:]), ne.Uint32(hdr[8:])
	snap, wire := int(ne.Uint32(hdr[12:])), int(ne.Uint32(hdr[16:]))
	tpStatus := ne.Uint32(hdr[20:])
	mac := int(ne.Uint16(hdr[24:]))
	tci, tpid := ne.Uint32(hdr[32:]), ne.Uint16(hdr[36:])
	if mac < sllEnd || snap > len(hdr)-mac {
		return nil, ci, false
	}
	sll := hdr[sllOff:sllEnd]
	pkttype := sll[10]
	ifindex := int32(ne.Uint32(sll[4:]))
	if pkttype == unix.PACKET_OUTGOING && ifindex == h.loIndex && !h.unbound {
		return nil, ci, false
	}

	data = hdr[mac : mac+snap]
	headroom := mac - sllEnd // bytes free before the frame, after the sockaddr_ll
	switch {
	case h.cooked:
		data = h.prepend(hdr, mac, data, sll2HdrLen, headroom, 0)
		putSLL2(data, sll)
		wire += sll2HdrLen
	case h.link == pcapio.LinkTypeEthernet && (tci != 0 || tpStatus&unix.TP_STATUS_VLAN_VALID != 0) && len(data) >= 12:
		if tpStatus&unix.TP_STATUS_VLAN_TPID_VALID == 0 && tpid == 0 {
			tpid = unix.ETH_P_8021Q
		}
		// Put the tag back behind the MAC addresses, as libpcap does.
		data = h.prepend(hdr, mac, data, vlanTagLen, headroom, 12)
		binary.BigEndian.PutUint16(data[12:], tpid)
		binary.BigEndian.PutUint16(data[14:], uint16(tci))
		wire += vlanTagLen
	}
	if h.userBPF != nil {
		keep, err := h.userBPF.Run(data)
		if err != nil || keep == 0 {
			return nil, ci, false
		}
		data = data[:min(len(data), keep)]
	}
	if len(data) > h.snaplen {
		data = data[:h.snaplen]
	}

	h.last.ifindex = ifindex
	h.last.protocol = binary.BigEndian.Uint16(sll[2:])
	h.last.hatype = ne.Uint16(sll[8:])
	h.last.pkttype = pkttype
	h.last.halen = sll[11]
	copy(h.last.addr[:], sll[12:20])

	ci = pcapio.CaptureInfo{
		Timestamp:     time.Unix(int64(sec), int64(nsec)).UTC(),
		CaptureLength: len(data),
		Length:        wire,
		LinkType:      h.link,
		InterfaceName: h.ifname,
		Direction:     pcapio.DirectionInbound,
	}
	if h.cooked || h.unbound {
		ci.InterfaceName = h.name(ifindex)
	}
	if pkttype == unix.PACKET_OUTGOING {
		ci.Direction = pcapio.DirectionOutbound
	}
	return data, ci, true
}

// prepend makes room for n bytes at offset at of data (data = hdr[mac:]):
// in place when the ring has the headroom, by moving the first at bytes
// down, else in the scratch buffer. The returned slice is n bytes longer.
func (h *afpacket) prepend(hdr []byte, mac int, data []byte, n, headroom, at int) []byte {
	if headroom >= n {
		out := hdr[mac-n : mac+len(data)]
		copy(out[:at], data[:at])
		return out
	}
	h.scratch = append(h.scratch[:0], data[:at]...)
	h.scratch = append(h.scratch, zeros[:n]...)
	h.scratch = append(h.scratch, data[at:]...)
	return h.scratch
}

// putSLL2 writes the Linux cooked v2 header into b[:20] from a sockaddr_ll,
// field by field as libpcap does.
func putSLL2(b, sll []byte) {
	ne := binary.NativeEndian
	copy(b[0:2], sll[2:4]) // protocol, already in network order
	b[2], b[3] = 0, 0
	binary.BigEndian.PutUint32(b[4:], ne.Uint32(sll[4:])) // interface index
	binary.BigEndian.PutUint16(b[8:], ne.Uint16(sll[8:])) // ARPHRD_ type
	b[10] = sll[10]                                       // packet type
	b[11] = sll[11]                                       // address length
	copy(b[12:20], sll[12:20])                            // address
}

// name is the interface name of an index, looked up once.
func (h *afpacket) name(ifindex int32) string {
	if s, ok := h.names[ifindex]; ok {
		return s
	}
	s := ""
	if ifc, err := net.InterfaceByIndex(int(ifindex)); err == nil {
		s = ifc.Name
	}
	h.names[ifindex] = s
	return s
}

func (h *afpacket) linkAddr(a *pcapio.LinkAddr) {
	a.Interface = h.ifname
	if h.cooked || a.Interface == "" {
		a.Interface = h.name(h.last.ifindex)
	}
	a.Protocol = h.last.protocol
	a.PacketType = h.last.pkttype
	a.HardwareType = h.last.hatype
	a.HardwareAddr = append(a.HardwareAddr[:0], h.last.addr[:min(int(h.last.halen), 8)]...)
}

func (h *afpacket) linkType() pcapio.LinkType { return h.link }

func (h *afpacket) stats() (Stats, error) {
	h.statsMu.Lock()
	defer h.statsMu.Unlock()
	if !h.closed {
		if err := h.pollStats(); err != nil {
			return Stats{}, err
		}
	}
	s := h.kstats
	s.Captured = h.captured.Load()
	return s, nil
}

// pollStats adds the kernel's counters, which reading resets, to kstats.
func (h *afpacket) pollStats() error {
	var st *unix.TpacketStatsV3
	var serr error
	err := h.rc.Control(func(fd uintptr) {
		st, serr = unix.GetsockoptTpacketStatsV3(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS)
	})
	if err == nil {
		err = syscallError("getsockopt PACKET_STATISTICS", serr)
	}
	if err != nil {
		return err
	}
	// tp_packets already counts the dropped ones.
	h.kstats.Received += uint64(st.Packets)
	h.kstats.Dropped += uint64(st.Drops)
	return nil
}

func (h *afpacket) setReadDeadline(t time.Time) error { return h.file.SetReadDeadline(t) }

func (h *afpacket) stop() {
	h.stopped.Store(true)
	_ = h.file.SetReadDeadline(time.Unix(1, 0)) // wakes a waiting read
}

func (h *afpacket) close() error {
	h.stop()
	h.statsMu.Lock()
	defer h.statsMu.Unlock()
	if h.closed {
		return nil
	}
	_ = h.pollStats() // keep the last counts for Stats after Close
	h.closed = true
	err := h.file.Close()
	if h.ring != nil {
		if uerr := unix.Munmap(h.ring); err == nil {
			err = syscallError("munmap", uerr)
		}
		h.ring = nil
	}
	return err
}

// listInterfaces lists the kernel's interfaces.
func listInterfaces() ([]Interface, error) { return netInterfaces() }
