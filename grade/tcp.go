package grade

import (
	"net/netip"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
	"github.com/turtle-sniffer/turtle/flow/tcpstream"
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
// It is the tcpstream.Conn of its stream: Bytes, Missing and Gaps (holes)
// are the reassembled bytes per direction.
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

	// Reassembled streams (flow/tcpstream): segmentation, overlaps and
	// retransmissions are gone here.
	tcpstream.Stream
	gap       [2]bool // bytes missing from the capture
	head      []byte  // the client's first maxHead bytes
	pend      []byte  // bytes of pendDir not yet matched by the other side
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
	hole      [2]int  // frame right after the first hole (Missing and Gaps count them)
	unknown   int64   // echoed bytes that could not be compared (cut on either side)
	budget    *budget // the capture's, shared by its connections
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
	n := c.Missing[dir]
	if seen := c.Bytes[dir] + c.Missing[dir]; end > seen {
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
	current *flow.Tracker[*tcpConn] // numbers the streams reassembly is keyed by
	asm     *tcpstream.Assembler
	dropped int
	others  portHints // SYNs to other ports
	segs    int       // TCP segments in the capture, lab port or not
	budget  budget
}

func (t *tcpState) init() {
	t.current = flow.NewTracker[*tcpConn](maxTracked, nil)
	t.budget.limit = pendBudget
	// Out-of-order data waits in pages of about 1900 bytes: bound them per
	// connection and in all, so a capture with holes cannot grow memory.
	t.asm = tcpstream.New(tcpstream.Limits{MaxBufferedBytes: 1024 * 1900, MaxBufferedBytesPerStream: 64 * 1900})
}

// tcpPacket takes one segment, as decode read it; missing is how many
// bytes of its payload the snapshot length cut off. A cut payload is
// padded to its length on the wire, so that reassembly sees no hole, and
// its range is remembered so that the padding is never compared with the
// echo.
func (g *grader) tcpPacket(tcp *decode.TCPHeader, p packet, missing int) {
	t := &g.c.tcp
	t.segs++
	src := netip.AddrPortFrom(p.src.Unmap(), tcp.SrcPort)
	dst := netip.AddrPortFrom(p.dst.Unmap(), tcp.DstPort)
	syn, ack := tcp.Flags&decode.TCPFlagSYN != 0, tcp.Flags&decode.TCPFlagACK != 0
	dir := toServer
	var key connKey
	switch {
	case g.c.ports.isTCP(dst.Port()):
		key = connKey{client: src, server: dst}
	case g.c.ports.isTCP(src.Port()):
		key, dir = connKey{client: dst, server: src}, toClient
	default:
		if syn && !ack {
			t.others.add(dst.Port(), p.frame)
		}
		return
	}
	k := flow.NewKey(flow.TCP, src, dst)
	cv := t.current.Lookup(k)
	var c *tcpConn
	if cv != nil {
		// Its roles stand (both ports may be lab ports).
		c, key, dir = cv.User, cv.User.key, toServer
		if src != key.client {
			dir = toClient
		}
	}
	if c != nil && syn && !ack && dir == toServer && c.syn.n > 0 && (c.established() || c.refused != 0) &&
		(c.flows[toServer].fin != 0 || c.flows[toServer].rst != 0 || c.flows[toClient].rst != 0 || c.refused != 0) {
		c = nil // the 4-tuple is reused by a new connection: a new stream
	}
	if c == nil {
		if len(t.conns) >= maxTracked {
			t.dropped++
			return
		}
		c = &tcpConn{key: key, firstFrame: p.frame, midstream: !syn, budget: &t.budget}
		t.conns = append(t.conns, c)
		// Never nil: the tracker holds no more than len(t.conns) < maxTracked.
		cv = t.current.Start(k, key.client)
		cv.User = c
	}
	payload := tcp.Payload
	if missing > 0 && missing <= 1<<16 {
		g.pad = append(g.pad[:0], tcp.Payload...)
		g.pad = append(g.pad, make([]byte, missing)...)
		payload = g.pad
	}
	c.segment(tcp, len(payload), dir, p)
	if missing > 0 && c.based[dir] {
		from := int64(uint32(tcp.Seq - c.base[dir]))
		if syn {
			from = 0
		}
		from += int64(len(tcp.Payload))
		to := from + int64(missing)
		c.cutBytes[dir] += int64(missing)
		c.cutFrames.add(p.frame)
		if len(c.cuts[dir]) < maxCuts {
			c.cuts[dir] = append(c.cuts[dir], cutRange{from, to})
		} else {
			c.cutMore[dir] = true
		}
	}
	tcpstream.Add(t.asm, cv, src, tcp, payload, p.frame, p.ts)
}

// segment follows the handshake and close frame by frame; n is the
// length of its payload on the wire.
func (c *tcpConn) segment(tcp *decode.TCPHeader, n int, dir int, p packet) {
	c.lastFrame = p.frame
	f := &c.flows[dir]
	flags := tcp.Flags
	syn, ack := flags&decode.TCPFlagSYN != 0, flags&decode.TCPFlagACK != 0
	fin, rst := flags&decode.TCPFlagFIN != 0, flags&decode.TCPFlagRST != 0
	switch {
	case syn:
		c.base[dir], c.based[dir] = tcp.Seq+1, true
	case !c.based[dir]:
		c.base[dir], c.based[dir] = tcp.Seq, true // the capture began mid-connection
	}
	other := 1 - dir
	if ack && c.based[other] {
		if off := int64(uint32(tcp.Ack - c.base[other])); off < 1<<31 && off > c.acked[other] {
			c.acked[other] = off
		}
	}
	if fin && f.fin == 0 && c.based[dir] {
		c.finOff[dir] = int64(uint32(tcp.Seq-c.base[dir])) + int64(n)
	}
	switch {
	case syn && !ack && dir == toServer:
		c.syn.add(p.frame)
	case syn && ack && dir == toClient:
		c.synAck.add(p.frame)
	case rst && dir == toClient && !c.established() && c.refused == 0:
		c.refused = p.frame
	case ack && dir == toServer && c.synAck.n > 0 && !c.established():
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
	if fin && f.fin == 0 {
		f.fin = p.frame
	}
	if rst && f.rst == 0 {
		f.rst = p.frame
	}
}

// Reassembled compares the two directions as their bytes arrive.
func (c *tcpConn) Reassembled(ch *tcpstream.Chunk) {
	dir := ch.Dir
	if ch.Skip != 0 {
		c.gap[dir] = true
		if ch.Skip > 0 && c.Gaps[dir] == 1 {
			c.hole[dir] = ch.Frame(0) // the first hole
		}
	}
	data := ch.Data
	if len(data) == 0 {
		return
	}
	c.mark(dir, ch.Frame(0), c.Bytes[dir]-int64(len(data)))
	if dir == toServer && len(c.head) < maxHead {
		c.head = append(c.head, data[:min(len(data), maxHead-len(c.head))]...)
	}
	c.compare(dir, data, ch)
}

// mark notes that frame carried direction dir's bytes from off on (bytes
// delivered, holes not counted).
func (c *tcpConn) mark(dir, frame int, off int64) {
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
	c.marks[dir] = append(m, segMark{off: off, frame: frame})
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
func (c *tcpConn) compare(dir int, data []byte, ch *tcpstream.Chunk) {
	if c.mismatch || c.unchecked || c.gap[toServer] || c.gap[toClient] {
		return
	}
	pos := 0 // offset of data in ch
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
			c.misFrame = ch.Frame(pos + i)
			c.misCFrame = c.frameAt(toServer, off)
			if dir == toServer {
				c.misSent, c.misGot = data[i], c.pend[i]
				c.misCFrame = ch.Frame(pos + i)
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

// Complete frees the bytes awaiting an echo that can no longer come.
func (c *tcpConn) Complete() { c.setPend(nil) }
