package grade

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"

	"github.com/turtle-sniffer/turtle/flow"
)

// maxPending bounds the bytes of one connection held while they wait for
// their echo: beyond it the echo is counted but no longer compared.
const maxPending = 64 << 10

type connKey struct {
	client, server netip.AddrPort
}

// Directions of a connection's data: the client's requests and the
// server's answers.
const (
	toServer = 0
	toClient = 1
)

// dirData is one direction's data as the segments carried it.
type dirData struct {
	bytes      int64
	frames     frameSet
	firstAt    time.Time
	firstFrame int
	lastData   int // the last frame with data
	fin, rst   int // first FIN and RST frames
}

// segMark remembers which frame carried the reassembled stream from
// offset off on, so that a mismatch can name its frame.
type segMark struct {
	off   int64
	frame int
}

// tcpConn is one connection to a lab port: its handshake and close as
// seen frame by frame, and its reassembled data compared as it arrives.
// It is the reassembly.Stream of its connection.
type tcpConn struct {
	key        connKey
	firstFrame int
	lastFrame  int
	syn        frameSet // client SYNs (retransmissions included)
	synAck     frameSet
	refused    int // server RST before the handshake completed
	est        int // frame of the client ACK completing the handshake
	midstream  bool
	flows      [2]dirData

	// Reassembled streams (gopacket/reassembly): segmentation, overlaps
	// and retransmissions are gone here.
	flip      bool     // reassembly's "client" is our server
	stream    [2]int64 // reassembled bytes per direction
	gap       [2]bool  // bytes missing from the capture
	head      []byte   // the client's first maxHead bytes
	pend      []byte   // bytes of pendDir not yet matched by the other side
	pendDir   int
	compared  int64 // bytes matched so far
	marks     [2][]segMark
	mismatch  bool
	misAt     int64 // stream offset of the first differing byte
	misSent   byte
	misGot    byte
	misFrame  int  // the server's frame with the differing byte
	misCFrame int  // the client's frame with the original byte
	unchecked bool // stopped comparing after maxPending bytes

	// Sequence bookkeeping per direction, in offsets from the first data
	// byte, to tell bytes the capture lost or cut from bytes never sent.
	base      [2]uint32 // sequence number of the first data byte
	based     [2]bool
	acked     [2]int64 // highest offset the other side acknowledged
	finOff    [2]int64 // offset of the FIN, when flows[dir].fin is set
	cuts      [2][]cutRange
	cutMore   [2]bool  // more cut ranges than cuts keeps: later bytes count as cut
	cutBytes  [2]int64 // payload bytes the snapshot length cut off
	cutFrames frameSet
	missing   [2]int64 // bytes reassembly skipped: holes in the capture
	hole      [2]int   // frame right after the first hole
	holes     [2]int   // how many holes
	unknown   int64    // echoed bytes that could not be compared (cut on either side)
	budget    *budget  // the capture's, shared by its connections
}

// budget bounds the bytes all connections of one capture hold awaiting
// their echoes (the capacity of their pend buffers): past it, a capture is
// too large to grade fully and the rest of its echoes are counted, not
// compared.
type budget struct {
	limit, used, peak int64
	over              bool
}

// pendBudget is the memory one capture's awaited echoes may take.
const pendBudget = 16 << 20

// setPend replaces c.pend, keeping the budget's account of capacities.
func (c *tcpConn) setPend(b []byte) {
	c.budget.used += int64(cap(b)) - int64(cap(c.pend))
	c.budget.peak = max(c.budget.peak, c.budget.used)
	c.pend = b
}

// cutRange is a range of stream offsets [from, to).
type cutRange struct{ from, to int64 }

// maxCuts bounds the cut ranges kept per direction.
const maxCuts = 64

// isCut reports whether byte off of direction dir was cut by the
// snapshot length (so its value in the capture is not the real one).
func (c *tcpConn) isCut(dir int, off int64) bool {
	cs := c.cuts[dir]
	for _, r := range cs {
		if off >= r.from && off < r.to {
			return true
		}
	}
	return c.cutMore[dir] && len(cs) > 0 && off >= cs[len(cs)-1].to
}

// lost is how many bytes of direction dir the capture misses: holes
// reassembly skipped, and bytes the other side acknowledged past the last
// byte captured.
func (c *tcpConn) lost(dir int) int64 {
	end := c.acked[dir]
	if c.flows[dir].fin != 0 && end > c.finOff[dir] {
		end = c.finOff[dir]
	}
	n := c.missing[dir]
	if seen := c.stream[dir] + c.missing[dir]; end > seen {
		n += end - seen
	}
	return n
}

// established reports whether the three-way handshake completed.
func (c *tcpConn) established() bool { return c.est != 0 }

// tcpState is every connection to a lab port, and the ports used instead.
// The connections now open are a flow.Tracker's, under flow's key; grading
// keeps its own two rules, which the tracker leaves to its caller: the
// server is the side on a lab port (not a guess from port numbers), and a
// client's SYN starts a new connection on the same tuple once the client
// sent a FIN or either side reset or refused it (the tracker's Frame waits
// for both FINs), so that a client reconnecting from the same port is
// graded as the second connection it is.
type tcpState struct {
	conns   []*tcpConn
	current *flow.Tracker[*tcpConn]
	dropped int
	others  portHints // SYNs to other ports
	segs    int       // TCP segments in the capture, lab port or not
	budget  budget
}

func (t *tcpState) init() {
	t.current = flow.NewTracker[*tcpConn](maxTracked, nil)
	t.budget.limit = pendBudget
}

// streamFactory hands reassembly the tcpConn of the packet being
// assembled: New is only ever called from within AssembleWithContext.
type streamFactory struct {
	cur *tcpConn
}

func (f *streamFactory) New(netFlow, tcpFlow gopacket.Flow, _ *layers.TCP, _ reassembly.AssemblerContext) reassembly.Stream {
	c := f.cur
	src, _ := netip.AddrFromSlice(netFlow.Src().Raw())
	port := tcpFlow.Src().Raw()
	c.flip = !(src.Unmap() == c.key.client.Addr() && len(port) == 2 &&
		uint16(port[0])<<8|uint16(port[1]) == c.key.client.Port())
	return c
}

// frameContext carries the frame number through reassembly in the
// CaptureInfo's InterfaceIndex, which grading does not use otherwise: the
// ScatterGather gives back only the CaptureInfo of each byte's segment.
type frameContext struct{ ci gopacket.CaptureInfo }

func (f frameContext) GetCaptureInfo() gopacket.CaptureInfo { return f.ci }

// tcpPacket takes one segment; missing is how many bytes of its payload
// the snapshot length cut off. A cut payload is padded to its length on
// the wire, so that reassembly sees no hole, and its range is remembered
// so that the padding is never compared with the echo.
func (g *grader) tcpPacket(tcp *layers.TCP, p packet, missing int) {
	t := &g.c.tcp
	t.segs++
	src := netip.AddrPortFrom(p.src.Unmap(), uint16(tcp.SrcPort))
	dst := netip.AddrPortFrom(p.dst.Unmap(), uint16(tcp.DstPort))
	dir := toServer
	var key connKey
	switch {
	case g.c.ports.isTCP(dst.Port()):
		key = connKey{client: src, server: dst}
	case g.c.ports.isTCP(src.Port()):
		key, dir = connKey{client: dst, server: src}, toClient
	default:
		if tcp.SYN && !tcp.ACK {
			t.others.add(dst.Port(), p.frame)
		}
		return
	}
	k := flow.NewKey(flow.TCP, src, dst)
	var c *tcpConn
	if cv := t.current.Lookup(k); cv != nil {
		// Its roles stand (both ports may be lab ports).
		c, key, dir = cv.User, cv.User.key, toServer
		if src != key.client {
			dir = toClient
		}
	}
	if c != nil && tcp.SYN && !tcp.ACK && dir == toServer && c.syn.n > 0 && (c.established() || c.refused != 0) &&
		(c.flows[toServer].fin != 0 || c.flows[toServer].rst != 0 || c.flows[toClient].rst != 0 || c.refused != 0) {
		c = nil // the 4-tuple is reused by a new connection
	}
	if c == nil {
		if len(t.conns) >= maxTracked {
			t.dropped++
			return
		}
		c = &tcpConn{key: key, firstFrame: p.frame, midstream: !tcp.SYN, budget: &t.budget}
		t.conns = append(t.conns, c)
		// Never nil: the tracker holds no more than len(t.conns) < maxTracked.
		t.current.Start(k, key.client).User = c
	}
	captured := len(tcp.Payload)
	if missing > 0 && missing <= 1<<16 {
		g.pad = append(g.pad[:0], tcp.Payload...)
		g.pad = append(g.pad, make([]byte, missing)...)
		tcp.Payload = g.pad
	}
	c.segment(tcp, dir, p)
	if missing > 0 && c.based[dir] {
		from := int64(uint32(tcp.Seq - c.base[dir]))
		if tcp.SYN {
			from = 0
		}
		from += int64(captured)
		to := from + int64(missing)
		c.cutBytes[dir] += int64(missing)
		c.cutFrames.add(p.frame)
		if len(c.cuts[dir]) < maxCuts {
			c.cuts[dir] = append(c.cuts[dir], cutRange{from, to})
		} else {
			c.cutMore[dir] = true
		}
	}
	g.fac.cur = c
	ci := gopacket.CaptureInfo{Timestamp: p.ts, InterfaceIndex: p.frame}
	g.asm.AssembleWithContext(gopacket.NewFlow(endpointType(p.src), p.src.AsSlice(), p.dst.AsSlice()), tcp, frameContext{ci})
}

func endpointType(a netip.Addr) gopacket.EndpointType {
	if a.Is4() {
		return layers.EndpointIPv4
	}
	return layers.EndpointIPv6
}

// segment follows the handshake and close frame by frame.
func (c *tcpConn) segment(tcp *layers.TCP, dir int, p packet) {
	c.lastFrame = p.frame
	f := &c.flows[dir]
	n := len(tcp.Payload)
	switch {
	case tcp.SYN:
		c.base[dir], c.based[dir] = tcp.Seq+1, true
	case !c.based[dir]:
		c.base[dir], c.based[dir] = tcp.Seq, true // the capture began mid-connection
	}
	other := 1 - dir
	if tcp.ACK && c.based[other] {
		if off := int64(uint32(tcp.Ack - c.base[other])); off < 1<<31 && off > c.acked[other] {
			c.acked[other] = off
		}
	}
	if tcp.FIN && f.fin == 0 && c.based[dir] {
		c.finOff[dir] = int64(uint32(tcp.Seq-c.base[dir])) + int64(n)
	}
	switch {
	case tcp.SYN && !tcp.ACK && dir == toServer:
		c.syn.add(p.frame)
	case tcp.SYN && tcp.ACK && dir == toClient:
		c.synAck.add(p.frame)
	case tcp.RST && dir == toClient && !c.established() && c.refused == 0:
		c.refused = p.frame
	case tcp.ACK && dir == toServer && c.synAck.n > 0 && !c.established():
		c.est = p.frame
	}
	if n > 0 {
		if f.bytes == 0 {
			f.firstAt, f.firstFrame = p.ts, p.frame
		}
		f.bytes += int64(n)
		f.frames.add(p.frame)
		f.lastData = p.frame
	}
	if tcp.FIN && f.fin == 0 {
		f.fin = p.frame
	}
	if tcp.RST && f.rst == 0 {
		f.rst = p.frame
	}
}

// Accept takes every segment; a direction whose first segment is not a
// SYN (the capture began mid-connection) starts where it is.
func (c *tcpConn) Accept(tcp *layers.TCP, _ gopacket.CaptureInfo, _ reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	if nextSeq == -1 && !tcp.SYN {
		*start = true
	}
	return true
}

// ReassembledSG compares the two directions as their bytes arrive.
func (c *tcpConn) ReassembledSG(sg reassembly.ScatterGather, _ reassembly.AssemblerContext) {
	n, _ := sg.Lengths()
	rdir, _, _, skip := sg.Info()
	dir := toServer
	if (rdir == reassembly.TCPDirServerToClient) != c.flip {
		dir = toClient
	}
	if skip != 0 {
		c.gap[dir] = true
		if skip > 0 {
			if c.missing[dir] == 0 {
				c.hole[dir] = sg.CaptureInfo(0).InterfaceIndex
			}
			c.missing[dir] += int64(skip)
			c.holes[dir]++
		}
	}
	if n == 0 {
		return
	}
	data := sg.Fetch(n)
	c.mark(dir, sg.CaptureInfo(0).InterfaceIndex)
	if dir == toServer && len(c.head) < maxHead {
		c.head = append(c.head, data[:min(len(data), maxHead-len(c.head))]...)
	}
	c.compare(dir, data, sg)
	c.stream[dir] += int64(n)
}

func (c *tcpConn) mark(dir, frame int) {
	m := c.marks[dir]
	if len(m) > 0 && m[len(m)-1].frame == frame {
		return
	}
	// Marks before the compared offset are of no more use but the last.
	i := 0
	for i+1 < len(m) && m[i+1].off <= c.compared {
		i++
	}
	if i > 0 {
		m = append(m[:0], m[i:]...)
	}
	if len(m) >= 64 {
		m = append(m[:0], m[1:]...)
	}
	c.marks[dir] = append(m, segMark{off: c.stream[dir], frame: frame})
}

// frameAt is the frame that carried byte off of direction dir.
func (c *tcpConn) frameAt(dir int, off int64) int {
	f := 0
	for _, m := range c.marks[dir] {
		if m.off > off {
			break
		}
		f = m.frame
	}
	return f
}

// compare matches data from dir against the other direction's bytes
// waiting in pend; what is left over waits in its turn.
func (c *tcpConn) compare(dir int, data []byte, sg reassembly.ScatterGather) {
	if c.mismatch || c.unchecked || c.gap[toServer] || c.gap[toClient] {
		return
	}
	pos := 0 // offset of data in sg
	for len(data) > 0 {
		if len(c.pend) == 0 || c.pendDir == dir {
			if len(c.pend)+len(data) > maxPending {
				c.unchecked = true
				c.setPend(nil)
				return
			}
			if c.budget.used+int64(len(data)) > c.budget.limit {
				c.unchecked, c.budget.over = true, true
				c.setPend(nil)
				return
			}
			c.setPend(append(c.pend, data...))
			c.pendDir = dir
			return
		}
		k := min(len(c.pend), len(data))
		for i := 0; i < k; i++ {
			if c.pend[i] == data[i] {
				continue
			}
			off := c.compared + int64(i)
			if c.isCut(toServer, off) || c.isCut(toClient, off) {
				c.unknown++ // padding where the snapshot length cut: not the real bytes
				continue
			}
			c.mismatch, c.misAt = true, off
			c.misSent, c.misGot = c.pend[i], data[i]
			c.misFrame = sg.CaptureInfo(pos + i).InterfaceIndex
			c.misCFrame = c.frameAt(toServer, off)
			if dir == toServer {
				c.misSent, c.misGot = data[i], c.pend[i]
				c.misCFrame = sg.CaptureInfo(pos + i).InterfaceIndex
				c.misFrame = c.frameAt(toClient, off)
			}
			c.setPend(nil)
			return
		}
		c.compared += int64(k)
		c.setPend(append(c.pend[:0], c.pend[k:]...))
		data, pos = data[k:], pos+k
	}
}

// ReassemblyComplete lets the pool forget the connection; what grading
// needs is kept in the tcpConn.
func (c *tcpConn) ReassemblyComplete(reassembly.AssemblerContext) bool {
	c.setPend(nil)
	return true
}
