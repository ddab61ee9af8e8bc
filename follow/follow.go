// Package follow reassembles the TCP conversations of a capture for
// `turtle follow`: it lists them (index, endpoints, bytes each way, state)
// and delivers the bytes of the chosen ones in order, both directions
// marked, with retransmissions, out-of-order segments and missing bytes
// counted and reported; a gap is reported, never filled in.
//
// It is a package of its own because decode turns one frame into text and
// keeps nothing between frames, while following a conversation keeps state
// per connection across the whole capture. Frames are decoded with
// decode.Packet (so every link type turtle reads works) and reassembled by
// gopacket's reassembly package, which already handles sequence wrap-around,
// overlaps and out-of-order queues; this package maps its callbacks to
// statistics and chunks. Streams are numbered, and their client chosen, by
// flow.Tracker, as draw numbers them: follow's stream N is draw's.
package follow

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Dir is the direction of bytes in a stream.
type Dir uint8

const (
	ClientToServer Dir = iota
	ServerToClient
)

// State is how far a stream got, from the segments seen.
type State uint8

const (
	StateSynSent    State = iota // a SYN, no answer seen
	StateOpen                    // handshake seen (or joined mid-stream), no FIN or RST
	StateHalfClosed              // a FIN in one direction
	StateClosed                  // a FIN in both directions
	StateReset                   // a RST was seen
)

func (s State) String() string {
	switch s {
	case StateSynSent:
		return "syn sent"
	case StateOpen:
		return "open"
	case StateHalfClosed:
		return "half closed"
	case StateClosed:
		return "closed"
	case StateReset:
		return "reset"
	}
	return "unknown"
}

// Stream is one TCP conversation. Index counts streams in the order of
// their first segment in the capture, from 0, as Wireshark's tcp.stream
// does; a SYN on a tuple whose connection closed both ways (or was reset)
// starts a new stream. Index and Client are flow.Tracker's, as draw has
// them: the client is the sender of the first SYN without ACK; when the
// capture joined the conversation later, the side whose port is not the
// well-known one (flow.ServerPort), else the first sender. Arrays are
// indexed by Dir.
type Stream struct {
	Index          int
	Client, Server netip.AddrPort
	First, Last    time.Time

	Packets [2]int   // segments seen
	Bytes   [2]int64 // bytes delivered in order
	// Retransmitted counts segments that carried bytes already delivered;
	// RetransmittedBytes those bytes.
	Retransmitted      [2]int
	RetransmittedBytes [2]int64
	// OutOfOrder counts segments that arrived after a segment following
	// them in sequence.
	OutOfOrder [2]int
	// Gaps counts the holes in the data, Missing the bytes in them:
	// segments never captured, whose bytes are reported, not invented.
	Gaps    [2]int
	Missing [2]int64

	MidStream bool // no SYN was seen: the capture started inside the conversation
	State     State

	syn, synAck, fin, rst [2]bool
	finEnd                [2]uint32 // sequence number after the FIN's data
	base                  [2]uint32 // sequence number of the first data byte
	based                 [2]bool
	maxEnd                [2]uint32 // highest end of data seen
	seen                  [2]bool
	selected              bool
}

// Chunk is a piece of a selected stream: Missing bytes were not captured
// before Data, which starts at Offset in its direction's byte stream. Data
// is only valid during the callback.
type Chunk struct {
	Dir     Dir
	Offset  int64
	Missing int64
	Data    []byte
	Time    time.Time
}

// Options chooses the streams whose bytes are delivered and where.
type Options struct {
	// Select is asked once per stream, at its first segment; nil selects
	// none (for listing).
	Select func(s *Stream) bool
	// Chunk receives the bytes of selected streams in capture order; an
	// error stops the run and is returned.
	Chunk func(s *Stream, c Chunk) error
	// End is called for each selected stream after its last chunk, when
	// the capture has been read.
	End func(s *Stream) error
	// Limits bound the streams and out-of-order data held; the zero
	// value means the defaults.
	Limits Limits
	// Capped, when not nil, is set to what the limits left out.
	Capped *Capped
}

// Run reads every frame of src, reassembles its TCP streams and returns
// them all in index order. It returns src's error, if any, with the
// streams as far as they got.
func Run(src pcapio.Source, opt Options) ([]*Stream, error) {
	r := &run{opt: opt, limits: opt.Limits.withDefaults()}
	r.flows = flow.NewTracker[*Stream](r.limits.MaxStreams, nil)
	pool := reassembly.NewStreamPool(r)
	asm := reassembly.NewAssembler(pool)
	// Bound what out-of-order data may hold: beyond it the oldest hole is
	// given up (and reported as a gap), so memory stays bounded.
	asm.MaxBufferedPagesPerConnection = pages(r.limits.MaxBufferedBytesPerStream)
	asm.MaxBufferedPagesTotal = pages(r.limits.MaxBufferedBytes)
	if opt.Capped != nil {
		defer func() { *opt.Capped = r.capped }()
	}

	var p decode.Packet
	var tcp layers.TCP
	var readErr error
	for r.err == nil {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			if err != io.EOF {
				readErr = err
			}
			break
		}
		p.Decode(ci.LinkType, data)
		from, to, proto, ok := flow.Endpoints(&p)
		if !ok || proto != flow.TCP {
			continue
		}
		c := r.conv(&p, from, to, ci.Timestamp)
		if c == nil || (p.Problem.Kind != decode.ProblemNone && p.Problem.Layer == decode.ProblemTCP) {
			continue
		}
		if err := tcp.DecodeFromBytes(p.TCP.Segment, gopacket.NilDecodeFeedback); err != nil {
			continue
		}
		r.cur, r.from = c.User, from
		r.ctx.ci = gopacket.CaptureInfo{Timestamp: ci.Timestamp, CaptureLength: len(data), Length: ci.Length}
		asm.AssembleWithContext(streamFlow(c, from), &tcp, &r.ctx)
	}
	if r.err == nil {
		r.flushing = true // gaps from here on are the capture's end, not a limit
		asm.FlushAll()
	}
	for _, s := range r.streams {
		if r.err != nil {
			break
		}
		r.finish(s)
	}
	if r.err != nil {
		return r.streams, r.err
	}
	return r.streams, readErr
}

// conv numbers the stream of a segment through flow.Tracker, as draw
// does, so that follow's stream N is draw's; it starts a Stream at the
// first segment of each. nil when the table is full.
func (r *run) conv(p *decode.Packet, from, to netip.AddrPort, ts time.Time) *flow.Conv[*Stream] {
	f := p.TCP.Flags
	syn, ack := f&decode.TCPFlagSYN != 0, f&decode.TCPFlagACK != 0
	c := r.flows.Frame(flow.TCP, from, to, syn && !ack)
	if c == nil {
		r.capped.Streams = true
		r.capped.SkippedSegments++
		return nil
	}
	if c.User == nil {
		s := &Stream{Index: c.Stream, Client: c.Client, Server: to, First: ts, MidStream: !syn}
		if c.Client == to {
			s.Server = from
		}
		r.streams = append(r.streams, s)
		s.selected = r.opt.Select != nil && r.opt.Select(s)
		c.User = s
	}
	// The bytes a snapshot length cut off were sent all the same.
	missing := p.IPv4.Missing
	if p.Layers&decode.LayerIPv6 != 0 {
		missing = p.IPv6.Missing
	}
	c.Segment(c.Dir(from), p.TCP.Seq, uint32(len(p.TCP.Payload)+max(missing, 0)), syn, f&decode.TCPFlagFIN != 0, f&decode.TCPFlagRST != 0)
	return c
}

// streamFlow is the address pair gopacket's assembler keys a segment by:
// the stream number and the side of the sender rather than addresses, so
// that each stream the tracker numbers is one connection to the
// assembler, whatever the assembler would decide about a tuple used
// again. (The assembler looks the reverse direction up by reversing both
// flows; the ports stay the segment's.)
func streamFlow(c *flow.Conv[*Stream], from netip.AddrPort) gopacket.Flow {
	var a, b [5]byte
	binary.BigEndian.PutUint32(a[:], uint32(c.Stream))
	b = a
	b[4] = 1
	if from != c.Key.A {
		a, b = b, a
	}
	return gopacket.NewFlow(streamEndpoint, a[:], b[:])
}

// streamEndpoint is the kind of streamFlow's endpoints, a number no
// gopacket layer uses.
const streamEndpoint = gopacket.EndpointType(0x7475)

// run is the StreamFactory: it numbers the streams as gopacket creates them.
type run struct {
	opt     Options
	streams []*Stream
	ctx     context
	err     error // from a callback: stops the run

	limits   Limits
	flows    *flow.Tracker[*Stream] // numbers the streams, as draw does
	cur      *Stream                // the stream of the segment being assembled
	from     netip.AddrPort         // and its sender
	capped   Capped
	flushing bool
}

type context struct{ ci gopacket.CaptureInfo }

func (c *context) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

// New is called by the assembler at the first segment of a connection it
// has not seen: the stream the tracker gave that segment. (The assembler
// also starts again after a SYN on a connection it closed both ways,
// which the tracker may count as the same stream: the Stream goes on.)
func (r *run) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac reassembly.AssemblerContext) reassembly.Stream {
	// The assembler's client to server direction is its first segment's.
	return &half{r: r, s: r.cur, flip: r.from != r.cur.Client}
}

// half adapts a Stream to gopacket's callbacks.
type half struct {
	r    *run
	s    *Stream
	flip bool // gopacket's first direction is server to client
}

func (h *half) dir(d reassembly.TCPFlowDirection) Dir {
	if (d == reassembly.TCPDirClientToServer) != h.flip {
		return ClientToServer
	}
	return ServerToClient
}

// Accept sees every segment: it keeps the statistics and state, and forces
// the start of a direction whose SYN was not captured.
func (h *half) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, fd reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, ac reassembly.AssemblerContext) bool {
	s, d := h.s, h.dir(fd)
	s.Packets[d]++
	s.Last = ci.Timestamp
	n := uint32(len(tcp.Payload))
	switch {
	case tcp.RST:
		s.rst[d] = true
	case tcp.SYN && tcp.ACK:
		s.synAck[d] = true
	case tcp.SYN:
		s.syn[d] = true
	}
	if tcp.SYN && !s.based[d] {
		s.base[d], s.based[d] = tcp.Seq+1, true
	}
	if !tcp.SYN && nextSeq == -1 && !s.syn[d] && !s.synAck[d] {
		*start = true // joined mid-stream in this direction
		if !s.based[d] {
			s.base[d], s.based[d] = tcp.Seq, true
		}
	}
	if tcp.FIN {
		s.fin[d] = true
		s.finEnd[d] = tcp.Seq + n
	}
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

// ReassembledSG receives data in order, after any gap.
func (h *half) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	s := h.s
	fd, _, _, skip := sg.Info()
	d := h.dir(fd)
	n, _ := sg.Lengths()
	c := Chunk{Dir: d}
	if skip > 0 {
		c.Missing = int64(skip)
		s.Gaps[d]++
		s.Missing[d] += int64(skip)
		// Before the end of the capture, gopacket gives a hole up only
		// when the out-of-order data reached a limit.
		if !h.r.flushing {
			h.r.capped.BufferGaps++
		}
	}
	c.Offset = s.Bytes[d] + s.Missing[d]
	s.Bytes[d] += int64(n)
	if !s.selected || h.r.err != nil || (n == 0 && c.Missing == 0) {
		return
	}
	c.Time = sg.CaptureInfo(0).Timestamp
	c.Data = sg.Fetch(n)
	if err := h.r.opt.Chunk(s, c); err != nil {
		h.r.err = err
	}
}

// ReassemblyComplete keeps the connection in the pool, so that late
// segments (a last ACK, a retransmitted FIN) count in this stream rather
// than start a new one; a new SYN still replaces it.
func (h *half) ReassemblyComplete(ac reassembly.AssemblerContext) bool { return false }

// finish reports what is missing at the end of each direction (data lost
// before a FIN) and settles the state.
func (r *run) finish(s *Stream) {
	for d := range 2 {
		if !s.fin[d] || !s.based[d] {
			continue
		}
		want := int64(s.finEnd[d] - s.base[d])
		if got := s.Bytes[d] + s.Missing[d]; want > got && want-got < 1<<31 {
			gap := want - got
			s.Gaps[d]++
			s.Missing[d] += gap
			if s.selected && r.opt.Chunk != nil {
				if err := r.opt.Chunk(s, Chunk{Dir: Dir(d), Offset: got + gap, Missing: gap, Time: s.Last}); err != nil {
					r.err = err
					return
				}
			}
		}
	}
	switch {
	case s.rst[0] || s.rst[1]:
		s.State = StateReset
	case s.fin[0] && s.fin[1]:
		s.State = StateClosed
	case s.fin[0] || s.fin[1]:
		s.State = StateHalfClosed
	case s.MidStream || s.synAck[0] || s.synAck[1]:
		s.State = StateOpen
	default:
		s.State = StateSynSent
	}
	if s.selected && r.opt.End != nil {
		if err := r.opt.End(s); err != nil {
			r.err = err
		}
	}
}

// ErrNoStream is returned by callers when no stream matched a selection.
var ErrNoStream = errors.New("no such TCP stream")
