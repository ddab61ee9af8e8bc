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
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
	"github.com/turtle-sniffer/turtle/flow/tcpstream"
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
// indexed by Dir; the counts of the bytes (Bytes, Retransmitted,
// OutOfOrder, Gaps, Missing) are tcpstream.Stream's, and Gaps and Missing
// also count what was lost right before a FIN.
type Stream struct {
	Index          int
	Client, Server netip.AddrPort
	First, Last    time.Time

	Packets [2]int // segments seen
	tcpstream.Stream

	MidStream bool // no SYN was seen: the capture started inside the conversation
	State     State

	syn, synAck, fin, rst [2]bool
	finEnd                [2]uint32 // sequence number after the FIN's data
	selected              bool
	r                     *run
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
	// Bound what out-of-order data may hold: beyond it the oldest hole is
	// given up (and reported as a gap), so memory stays bounded.
	asm := tcpstream.New(tcpstream.Limits{MaxBufferedBytes: r.limits.MaxBufferedBytes,
		MaxBufferedBytesPerStream: r.limits.MaxBufferedBytesPerStream})
	if opt.Capped != nil {
		defer func() { *opt.Capped = r.capped }()
	}

	var p decode.Packet
	var readErr error
	for frame := 1; r.err == nil; frame++ {
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
		c.User.segment(&p.TCP, c.Dir(from), ci.Timestamp)
		tcpstream.Add(asm, c, from, &p.TCP, p.TCP.Payload, frame, ci.Timestamp)
	}
	if r.err == nil {
		asm.Flush()
	}
	r.capped.BufferGaps = asm.BufferGaps
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
// first segment of each. nil when the table is full or MaxStreams
// streams were started (a tuple used again and again is a new stream
// each time).
func (r *run) conv(p *decode.Packet, from, to netip.AddrPort, ts time.Time) *flow.Conv[*Stream] {
	f := p.TCP.Flags
	syn, ack := f&decode.TCPFlagSYN != 0, f&decode.TCPFlagACK != 0
	c := r.flows.Frame(flow.TCP, from, to, syn && !ack)
	if c != nil && c.User == nil && len(r.streams) >= r.limits.MaxStreams {
		c = nil
	}
	if c == nil {
		r.capped.Streams = true
		r.capped.SkippedSegments++
		return nil
	}
	if c.User == nil {
		s := &Stream{Index: c.Stream, Client: c.Client, Server: to, First: ts, MidStream: !syn, r: r}
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

// run is one Run: its streams and limits.
type run struct {
	opt     Options
	streams []*Stream
	err     error // from a callback: stops the run

	limits Limits
	flows  *flow.Tracker[*Stream] // numbers the streams, as draw does
	capped Capped
}

// segment keeps the state and statistics of every segment of s sent in
// direction d, before it is reassembled.
func (s *Stream) segment(tcp *decode.TCPHeader, d int, ts time.Time) {
	s.Packets[d]++
	s.Last = ts
	f := tcp.Flags
	switch {
	case f&decode.TCPFlagRST != 0:
		s.rst[d] = true
	case f&(decode.TCPFlagSYN|decode.TCPFlagACK) == decode.TCPFlagSYN|decode.TCPFlagACK:
		s.synAck[d] = true
	case f&decode.TCPFlagSYN != 0:
		s.syn[d] = true
	}
	if f&decode.TCPFlagFIN != 0 {
		s.fin[d] = true
		s.finEnd[d] = tcp.Seq + uint32(len(tcp.Payload))
	}
}

// Reassembled delivers the bytes of a selected stream, after any gap.
func (s *Stream) Reassembled(tc *tcpstream.Chunk) {
	r := s.r
	c := Chunk{Dir: Dir(tc.Dir), Offset: tc.Offset}
	if tc.Skip > 0 {
		c.Missing = int64(tc.Skip)
	}
	if !s.selected || r.opt.Chunk == nil || r.err != nil || (len(tc.Data) == 0 && c.Missing == 0) {
		return
	}
	c.Time = tc.Time(0)
	c.Data = tc.Data
	if err := r.opt.Chunk(s, c); err != nil {
		r.err = err
	}
}

// Complete: the state is settled by finish, once the capture is read.
func (s *Stream) Complete() {}

// finish reports what is missing at the end of each direction (data lost
// before a FIN) and settles the state.
func (r *run) finish(s *Stream) {
	for d := range 2 {
		base, based := s.Base(d)
		if !s.fin[d] || !based {
			continue
		}
		want := int64(s.finEnd[d] - base)
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
