// Package tcpstream puts the bytes of each TCP stream in order, per
// direction: the one reassembly adapter of turtle, used by follow and
// grade. A stream is a flow.Tracker's: segments come with the Conv the
// tracker gave them, and reassembly is keyed by its stream number and the
// side of the sender, never by the address pair, so a 4-tuple used again
// (a client run twice from a fixed port) is a new stream here exactly when
// it is one for the tracker.
//
// The reassembling itself is gopacket's reassembly package, which already
// handles sequence wrap-around, overlaps, retransmissions, out-of-order
// queues with memory limits, and RSTs and FINs out of window; this package
// feeds it the TCP header decode.Packet read (TCP is decoded once, by
// decode: gopacket's assembler reads only the sequence numbers, flags and
// payload, which are copied into a layers.TCP the Assembler reuses) and
// turns its callbacks into counts (retransmissions, out-of-order segments,
// holes and their bytes) and Chunks in flow's directions.
//
// It is a package of its own, below flow rather than in it, because it is
// a distinct job with a cost the other users of flow do not want: flow
// names and numbers conversations for draw, split, record, follow and grade
// with a few words of state each, while reassembly holds the bytes of
// out-of-order segments, and only follow and grade need them.
package tcpstream

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
)

// Stream is what reassembly found in one TCP stream, per direction,
// indexed as flow.Conv.Dir (0: client to server). A caller's type for its
// streams embeds it and so implements Conn with its own Reassembled and
// Complete.
type Stream struct {
	Bytes [2]int64 // bytes delivered in order
	// Retransmitted counts segments that carried bytes already delivered;
	// RetransmittedBytes those bytes.
	Retransmitted      [2]int
	RetransmittedBytes [2]int64
	// OutOfOrder counts segments that arrived after a segment following
	// them in sequence.
	OutOfOrder [2]int
	// Gaps counts the holes reassembly skipped, Missing the bytes in them:
	// segments never captured, whose bytes are reported, not invented.
	Gaps    [2]int
	Missing [2]int64

	syn    [2]bool   // a SYN was seen that way
	base   [2]uint32 // sequence number of the first data byte
	based  [2]bool
	maxEnd [2]uint32 // highest end of data seen
	seen   [2]bool
}

// Base returns the sequence number of the first data byte of direction
// dir: after the first SYN, or of the first segment when the capture
// joined the stream later; ok is false before either.
func (s *Stream) Base(dir int) (seq uint32, ok bool) { return s.base[dir], s.based[dir] }

func (s *Stream) stream() *Stream { return s }

// Conn is a caller's stream: a type that embeds Stream and takes its bytes.
type Conn interface {
	// Reassembled takes the next bytes of one direction, in order, after
	// any hole (Chunk.Skip); the counts of the Stream already include them.
	Reassembled(c *Chunk)
	// Complete is called once, when both directions ended (a FIN or RST
	// reached in order, or the end of the capture): no bytes follow.
	Complete()
	stream() *Stream
}

// Chunk is bytes of one direction of a stream, in order.
type Chunk struct {
	Dir int // flow.Conv.Dir: 0 client to server
	// Skip is how many bytes the capture misses right before Data (a
	// hole), 0 for none, -1 when unknown (the direction's start was never
	// seen).
	Skip int
	// Offset is where Data starts in its direction's byte stream, the
	// missing bytes counted.
	Offset int64
	// Data is only valid during the call to Reassembled.
	Data []byte

	sg reassembly.ScatterGather
}

// Frame is the number of the frame that carried Data[i] (Add's frame).
func (c *Chunk) Frame(i int) int { return c.sg.CaptureInfo(i).InterfaceIndex }

// Time is the capture time of the frame that carried Data[i].
func (c *Chunk) Time(i int) time.Time { return c.sg.CaptureInfo(i).Timestamp }

// Limits bound the out-of-order data an Assembler holds while it waits
// for a hole to fill, in all and per direction of a stream: past them the
// oldest hole is given up, delivered as a Chunk with Skip, and counted in
// Assembler.BufferGaps. Zero means no limit.
type Limits struct {
	MaxBufferedBytes          int64
	MaxBufferedBytesPerStream int64
}

// pageBytes is the size of a page of gopacket's assembler
// (reassembly.pageBytes, not exported): the unit of its limits.
const pageBytes = 1900

func pages(n int64) int {
	if n <= 0 {
		return 0
	}
	return int(max(n/pageBytes, 1))
}

// Assembler reassembles the streams of one capture.
type Assembler struct {
	// BufferGaps counts the holes given up because the out-of-order data
	// reached a limit, before Flush.
	BufferGaps int

	asm      *reassembly.Assembler
	tcp      layers.TCP // the segment being assembled, as gopacket takes it
	chunk    Chunk
	ctxs     []context // the rest of the block contexts are handed out from
	cur      Conn      // the stream of the segment being assembled: for New
	curDir   int
	flushing bool
}

// New returns an Assembler with the given limits.
func New(l Limits) *Assembler {
	a := &Assembler{}
	a.asm = reassembly.NewAssembler(reassembly.NewStreamPool(a))
	a.asm.MaxBufferedPagesPerConnection = pages(l.MaxBufferedBytesPerStream)
	a.asm.MaxBufferedPagesTotal = pages(l.MaxBufferedBytes)
	return a
}

// Add assembles one TCP segment of the stream c, sent by from; h is its
// header as decode read it, payload its data (h.Payload, or more when the
// caller pads bytes a snapshot length cut off), frame its frame number.
// c.User is the stream's Conn; its Reassembled is called from within Add
// when the segment delivers bytes. (A generic function, as methods cannot
// have type parameters: the Conn is the Tracker's User.)
func Add[T Conn](a *Assembler, c *flow.Conv[T], from netip.AddrPort, h *decode.TCPHeader, payload []byte, frame int, ts time.Time) {
	dir := c.Dir(from)
	a.cur, a.curDir = c.User, dir
	f := h.Flags
	a.tcp = layers.TCP{Seq: h.Seq, Ack: h.Ack, SYN: f&decode.TCPFlagSYN != 0, ACK: f&decode.TCPFlagACK != 0,
		FIN: f&decode.TCPFlagFIN != 0, RST: f&decode.TCPFlagRST != 0}
	a.tcp.Payload = payload
	a.asm.AssembleWithContext(streamFlow(c.Stream, dir), &a.tcp, a.context(ts, frame))
	a.cur = nil
}

// Flush delivers what is still waiting behind holes, as at the end of the
// capture, and completes every stream.
func (a *Assembler) Flush() {
	a.flushing = true // holes from here on are the capture's end, not a limit
	a.asm.FlushAll()
}

// streamFlow is the address pair gopacket's assembler keys a segment by:
// the stream number and the side of the sender (the transport flow of a
// layers.TCP not decoded by gopacket is empty), so that each stream the
// tracker numbers is one connection to the assembler. The reverse
// direction is the reverse flow, as gopacket looks it up.
func streamFlow(stream, dir int) gopacket.Flow {
	var a, b [5]byte
	binary.BigEndian.PutUint32(a[:], uint32(stream))
	b = a
	a[4], b[4] = byte(dir), byte(1-dir)
	return gopacket.NewFlow(streamEndpoint, a[:], b[:])
}

// streamEndpoint is the kind of streamFlow's endpoints, a number no
// gopacket layer uses.
const streamEndpoint = gopacket.EndpointType(0x7475)

// context is what a Chunk tells of the frame that carried each byte.
type context struct {
	ts    time.Time
	frame int
}

// ctxBlock is how many contexts are allocated at once. Each segment needs
// a context of its own, as gopacket keeps it with the bytes of an
// out-of-order segment until they are delivered; handing them out of
// blocks saves an allocation per segment, and a block (1 KiB) lives only
// as long as a page gopacket holds keeps one of its contexts, so the
// limits of out-of-order data (a page is 1,900 bytes) bound them too.
const ctxBlock = 32

func (a *Assembler) context(ts time.Time, frame int) *context {
	if len(a.ctxs) == 0 {
		a.ctxs = make([]context, ctxBlock)
	}
	c := &a.ctxs[0]
	a.ctxs = a.ctxs[1:]
	*c = context{ts: ts, frame: frame}
	return c
}

func (c *context) GetCaptureInfo() gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: c.ts, InterfaceIndex: c.frame}
}

// New is the assembler's StreamFactory: called at the first segment of a
// stream (or at a SYN after both its directions closed), from within Add.
func (a *Assembler) New(_, _ gopacket.Flow, _ *layers.TCP, _ reassembly.AssemblerContext) reassembly.Stream {
	// The assembler's client to server direction is its first segment's.
	return &half{a: a, c: a.cur, s: a.cur.stream(), flip: a.curDir != 0}
}

// half adapts a Conn to gopacket's callbacks.
type half struct {
	a    *Assembler
	c    Conn
	s    *Stream
	flip bool // gopacket's first direction is server to client
}

func (h *half) dir(d reassembly.TCPFlowDirection) int {
	if (d == reassembly.TCPDirClientToServer) != h.flip {
		return 0
	}
	return 1
}

// Accept sees every segment: it counts retransmissions and out-of-order
// segments, and starts a direction whose SYN was not captured where its
// first segment is.
func (h *half) Accept(tcp *layers.TCP, _ gopacket.CaptureInfo, fd reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	s, d := h.s, h.dir(fd)
	if tcp.SYN && !tcp.RST {
		s.syn[d] = true
	}
	if tcp.SYN && !s.based[d] {
		s.base[d], s.based[d] = tcp.Seq+1, true
	}
	if !tcp.SYN && nextSeq == -1 && !s.syn[d] {
		*start = true // joined mid-stream in this direction
		if !s.based[d] {
			s.base[d], s.based[d] = tcp.Seq, true
		}
	}
	n := uint32(len(tcp.Payload))
	if n == 0 || tcp.SYN {
		return true
	}
	end := tcp.Seq + n
	switch {
	case nextSeq != -1 && int32(end-uint32(nextSeq)) <= 0:
		s.Retransmitted[d]++
		s.RetransmittedBytes[d] += int64(n)
	case nextSeq != -1 && int32(tcp.Seq-uint32(nextSeq)) < 0:
		s.Retransmitted[d]++
		s.RetransmittedBytes[d] += int64(uint32(nextSeq) - tcp.Seq)
	case s.seen[d] && int32(tcp.Seq-s.maxEnd[d]) < 0:
		s.OutOfOrder[d]++
	}
	if !s.seen[d] || int32(end-s.maxEnd[d]) > 0 {
		s.maxEnd[d], s.seen[d] = end, true
	}
	return true
}

// ReassembledSG counts the bytes delivered in order and any hole before
// them, and hands them to the Conn.
func (h *half) ReassembledSG(sg reassembly.ScatterGather, _ reassembly.AssemblerContext) {
	s := h.s
	fd, _, _, skip := sg.Info()
	d := h.dir(fd)
	n, _ := sg.Lengths()
	if skip > 0 {
		s.Gaps[d]++
		s.Missing[d] += int64(skip)
		// Before the end of the capture, gopacket gives a hole up only
		// when the out-of-order data reached a limit.
		if !h.a.flushing {
			h.a.BufferGaps++
		}
	}
	off := s.Bytes[d] + s.Missing[d]
	s.Bytes[d] += int64(n)
	if n == 0 && skip == 0 {
		return
	}
	c := &h.a.chunk
	*c = Chunk{Dir: d, Skip: skip, Offset: off, sg: sg}
	if n > 0 {
		c.Data = sg.Fetch(n)
	}
	h.c.Reassembled(c)
	c.sg, c.Data = nil, nil
}

// ReassemblyComplete tells the Conn, and keeps the connection in the
// pool, so that late segments (a last ACK, a retransmitted FIN) count in
// this stream and are dropped on its closed halves rather than start it
// again; a new SYN still replaces it, and a new stream of the tracker is
// a new key anyway.
func (h *half) ReassemblyComplete(reassembly.AssemblerContext) bool {
	h.c.Complete()
	return false
}
