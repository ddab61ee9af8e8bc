// Package draw turns a capture into pictures a person reads at a glance:
// a ladder (one column per endpoint, one arrow per frame, labelled SYN,
// SYN-ACK, "Hello turtle" (12 B), ICMP port unreachable) and a timeline
// (one bar per connection or UDP exchange, with the request, the echo and
// the delay between them), as SVG, Mermaid or terminal text.
//
// It is a package of its own because no other package draws: decode turns
// one frame into text and keeps nothing between frames, follow delivers a
// conversation's bytes, grade scores. Drawing keeps a little state across
// frames (columns, conversations, the highest sequence number each way) and
// lays it out. Frames are decoded with decode.Packet, so every link type
// turtle reads is drawn; the quoted datagram of an ICMP error is decoded by
// the same decoder as a raw IP packet.
//
// Memory is bounded whatever the capture: at most MaxFrames arrows and
// MaxFrames timeline rows are kept (the picture says how many were left
// out), at most maxColumns endpoints get a column of their own, and the
// per-connection table holds at most maxFlows connections.
package draw

import (
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Problem is a set of things that went wrong in a frame; the pictures draw
// such frames so that they stand out, and a legend names them.
type Problem uint8

const (
	ProblemRST        Problem = 1 << iota // a TCP reset
	ProblemRetransmit                     // TCP data sent again
	ProblemICMPError                      // an ICMP error (unreachable, time exceeded, ...)
	ProblemCut                            // the frame was cut by the snapshot length, or a header is truncated
)

// problemNames are the legend's words, in bit order.
var problemNames = [...]string{"RST: connection reset", "retransmission", "ICMP error", "cut by the snapshot length"}

// Names lists the problems in p for a legend.
func (p Problem) Names() []string {
	var out []string
	for i, n := range problemNames {
		if p&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Endpoint is one column of the ladder: an address and port (port 0 for
// ICMP), on the right when it is a server.
type Endpoint struct {
	Name   string // "127.0.0.1:12500", "[::1]:80", "127.0.0.1", "other endpoints"
	Server bool
}

// Arrow is one frame of the ladder.
type Arrow struct {
	Frame    int           // frame number, as turtle read numbers it
	At       time.Duration // since the capture's first frame
	From, To int           // indexes in Diagram.Endpoints
	Label    string        // printable ASCII: payload bytes are escaped
	Problems Problem
	// Idle is the time since the previous arrow when it exceeds the
	// gap threshold: the ladder draws a break mark with it before this arrow.
	Idle time.Duration
}

// Row is one connection or exchange of the timeline: a TCP connection, a
// UDP conversation, an ICMP echo request and its reply.
type Row struct {
	Proto       string // "TCP", "UDP", "ICMP"
	Client      string
	Server      string
	First, Last time.Duration // since the capture's first frame
	Frames      int
	// Request is the first data from the client, Echo the first data
	// back after it; Has* say whether they were seen.
	Request, Echo       time.Duration
	HasRequest, HasEcho bool
	Problems            Problem
}

// Delay is the time from the request to the echo.
func (r *Row) Delay() time.Duration { return r.Echo - r.Request }

// Diagram is what a capture gives to draw: the ladder's columns and
// arrows, the timeline's rows, and how much was left out.
type Diagram struct {
	Title     string
	Endpoints []Endpoint
	Arrows    []Arrow
	Rows      []Row
	// Frames is every frame read; Drawn the frames selected for drawing
	// (IP frames of the chosen stream and ports), of which Omitted came
	// after MaxFrames arrows and have none.
	Frames, Drawn, Omitted int
	RowsOmitted            int // conversations after MaxFrames rows
	MaxFrames              int
	Start                  time.Time // time of the capture's first frame: times count from it
	Problems               Problem   // every problem drawn, for the legend
	Gap                    time.Duration
	OtherColumn            bool // endpoints beyond maxColumns share the last column
}

// Options choose what is drawn.
type Options struct {
	// MaxFrames bounds the arrows and the timeline rows (0: 200).
	MaxFrames int
	// Stream draws only TCP stream N, numbered as turtle follow --list
	// numbers them; -1 draws everything.
	Stream int
	// Ports, when not empty, draws only TCP and UDP frames to or from
	// one of them, ICMP errors about such frames, and ICMP echoes.
	Ports []uint16
	// Gap is the idle time above which the ladder draws a break mark
	// (0: half a second).
	Gap time.Duration
	// Title names the picture, usually the capture file.
	Title string
}

// DefaultMaxFrames is the default bound on arrows.
const DefaultMaxFrames = 200

const (
	maxColumns = 12    // endpoints with a column of their own
	maxFlows   = 65536 // connections tracked for streams, rows and retransmissions
	maxLabel   = 40    // characters of a label
)

// endpointKey identifies a column; role tells an ICMP echo's sender from
// its answerer on the same address (ping 127.0.0.1).
type endpointKey struct {
	ap   netip.AddrPort
	role uint8
}

// conv is a conversation as flow tracks it; User is its timeline row
// (index in Rows, -1 not yet drawn, -2 beyond MaxFrames).
type conv = flow.Conv[int]

func noRow(c *conv) { c.User = -1 }

// collector builds a Diagram frame by frame.
type collector struct {
	opt      Options
	d        *Diagram
	ends     map[endpointKey]int
	flows    *flow.Tracker[int]
	p, inner decode.Packet
	lastAt   time.Duration
	started  bool
	label    []byte
}

// Collect reads every frame of src (streaming) and returns the diagram.
// It returns src's error, if any, with the diagram as far as it got.
func Collect(src pcapio.Source, opt Options) (*Diagram, error) {
	if opt.MaxFrames <= 0 {
		opt.MaxFrames = DefaultMaxFrames
	}
	if opt.Gap <= 0 {
		opt.Gap = DefaultGap
	}
	c := &collector{opt: opt, d: &Diagram{Title: opt.Title, MaxFrames: opt.MaxFrames, Gap: opt.Gap},
		ends: map[endpointKey]int{}, flows: flow.NewTracker(maxFlows, noRow)}
	var err error
	for {
		data, ci, rerr := src.ZeroCopyReadPacketData()
		if rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
		c.d.Frames++
		c.frame(c.d.Frames, data, ci)
	}
	c.finish()
	return c.d, err
}

// seen is what one frame contributes, before it becomes an arrow.
type seen struct {
	from, to         netip.AddrPort
	fromRole, toRole uint8
	label            []byte
	problems         Problem
	fl               *conv
	dir              int  // 0 client to server
	data             bool // carries application data
	// The timeline row's names, when not the flow's endpoints (ICMP).
	rowProto, rowClient, rowServer string
}

func (c *collector) frame(number int, data []byte, ci pcapio.CaptureInfo) {
	if !c.started {
		c.started = true
		c.d.Start = ci.Timestamp
	}
	p := &c.p
	p.Decode(ci.LinkType, data)
	s := seen{label: c.label[:0]} // one label buffer for all frames: no allocation per frame
	ok := c.classify(p, &s)
	c.label = s.label
	if !ok {
		return
	}
	if ci.CaptureLength < ci.Length || p.Problem.Kind == decode.ProblemTruncated {
		s.problems |= ProblemCut
	}
	at := ci.Timestamp.Sub(c.d.Start)
	c.d.Drawn++
	c.row(&s, at)
	if len(c.d.Arrows) >= c.opt.MaxFrames {
		c.d.Omitted++
		return
	}
	if s.problems&ProblemCut != 0 {
		s.label = append(s.label, " (cut: "...)
		s.label = appendInt(s.label, int64(ci.CaptureLength))
		s.label = append(s.label, " of "...)
		s.label = appendInt(s.label, int64(ci.Length))
		s.label = append(s.label, " B)"...)
	}
	fromServer, toServer := false, false
	switch {
	case s.fl != nil:
		fromServer, toServer = s.dir == 1, s.dir == 0
	case s.fromRole == 1:
		toServer = true
	case s.toRole == 1:
		fromServer = true
	}
	a := Arrow{Frame: number, At: at, From: c.endpoint(s.from, s.fromRole, fromServer),
		To: c.endpoint(s.to, s.toRole, toServer), Label: string(s.label), Problems: s.problems}
	if len(c.d.Arrows) > 0 && at-c.lastAt > c.opt.Gap {
		a.Idle = at - c.lastAt
	}
	c.lastAt = at
	c.label = s.label
	c.d.Problems |= s.problems
	c.d.Arrows = append(c.d.Arrows, a)
}

// classify finds the frame's endpoints, label and problems; false means
// it is not drawn (not IP, another stream, another port).
func (c *collector) classify(p *decode.Packet, s *seen) bool {
	src, dst, proto, ok := flow.Addrs(p)
	if !ok {
		return false
	}
	switch {
	case p.Layers&decode.LayerTCP != 0:
		t := &p.TCP
		s.from, s.to = netip.AddrPortFrom(src, t.SrcPort), netip.AddrPortFrom(dst, t.DstPort)
		if !c.portWanted(t.SrcPort, t.DstPort) {
			return false
		}
		missing := p.IPv4.Missing
		if p.Layers&decode.LayerIPv6 != 0 {
			missing = p.IPv6.Missing
		}
		size := len(t.Payload) + max(missing, 0)
		s.label = tcpLabel(s.label, t, size)
		s.data = size > 0
		if t.Flags&decode.TCPFlagRST != 0 {
			s.problems |= ProblemRST
		}
		return c.tcp(t, size, s)
	case p.Layers&decode.LayerUDP != 0:
		if c.opt.Stream >= 0 {
			return false
		}
		u := &p.UDP
		s.from, s.to = netip.AddrPortFrom(src, u.SrcPort), netip.AddrPortFrom(dst, u.DstPort)
		if !c.portWanted(u.SrcPort, u.DstPort) {
			return false
		}
		s.fl, s.dir = c.flows.Frame(flow.UDP, s.from, s.to, false), 0
		if s.fl != nil {
			s.dir = s.fl.Dir(s.from)
		}
		s.data = len(u.Payload) > 0
		s.label = appendPayload(s.label, u.Payload, len(u.Payload)+u.Missing)
		return true
	case p.Layers&decode.LayerICMP != 0:
		return c.icmp(p.ICMP.Type, p.ICMP.Code, p.ICMP.Rest, p.ICMP.HasRest, p.ICMP.Body, src, dst, false, s)
	case p.Layers&decode.LayerICMPv6 != 0:
		return c.icmp(p.ICMPv6.Type, p.ICMPv6.Code, p.ICMPv6.Rest, p.ICMPv6.HasRest, p.ICMPv6.Body, src, dst, true, s)
	}
	if c.opt.Stream >= 0 || len(c.opt.Ports) > 0 {
		return false
	}
	// Another protocol, or a transport header cut short.
	s.from, s.to = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
	switch proto {
	case 6:
		s.label = append(s.label, "TCP"...)
	case 17:
		s.label = append(s.label, "UDP"...)
	case 1, 58:
		s.label = append(s.label, "ICMP"...)
	default:
		s.label = append(s.label, "IP protocol "...)
		s.label = appendInt(s.label, int64(proto))
	}
	return true
}

func (c *collector) portWanted(a, b uint16) bool {
	if len(c.opt.Ports) == 0 {
		return true
	}
	for _, p := range c.opt.Ports {
		if p == a || p == b {
			return true
		}
	}
	return false
}

// tcp finds a segment's stream and whether it is a retransmission, and
// keeps the connection's state; false means another stream is drawn.
func (c *collector) tcp(t *decode.TCPHeader, size int, s *seen) bool {
	syn, ack := t.Flags&decode.TCPFlagSYN != 0, t.Flags&decode.TCPFlagACK != 0
	fl := c.flows.Frame(flow.TCP, s.from, s.to, syn && !ack)
	if fl == nil {
		return c.opt.Stream < 0
	}
	s.fl = fl
	s.dir = fl.Dir(s.from)
	// The connection's state is kept even when another stream is drawn:
	// a SYN after its close starts a new stream. A segment cut by the
	// snapshot length still sent its bytes. A retransmission is marked
	// per frame here, which follow's per-stream counts do not give.
	if fl.Segment(s.dir, t.Seq, uint32(size), syn, t.Flags&decode.TCPFlagFIN != 0, t.Flags&decode.TCPFlagRST != 0) {
		s.problems |= ProblemRetransmit
		s.label = append(s.label, " retransmission"...)
	}
	return c.opt.Stream < 0 || fl.Stream == c.opt.Stream
}

// tcpLabel names a segment: its flags, then its payload quoted; size
// counts payload bytes the capture cut off.
func tcpLabel(dst []byte, t *decode.TCPHeader, size int) []byte {
	dst = appendFlags(dst, t.Flags, size > 0)
	if size > 0 {
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		dst = appendPayload(dst, t.Payload, size)
	}
	if len(dst) == 0 {
		dst = append(dst, "TCP (no flags)"...)
	}
	return dst
}

// icmp labels an ICMP message; an error is drawn from the host that sent
// it to the sender of the datagram it quotes, at that datagram's ports.
func (c *collector) icmp(typ, code uint8, rest [4]byte, hasRest bool, body []byte, src, dst netip.Addr, v6 bool, s *seen) bool {
	if c.opt.Stream >= 0 {
		return false
	}
	s.from, s.to = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
	name := ""
	echoReq, echoRep, isErr := false, false, false
	if v6 {
		name = decode.ICMPv6Name(typ, code)
		echoReq, echoRep = typ == 128, typ == 129
	} else {
		name = decode.ICMPName(typ, code)
		echoReq, echoRep = typ == 8, typ == 0
	}
	isErr = flow.IsICMPError(typ, v6)
	if v6 {
		s.label = append(s.label, "ICMPv6 "...)
	} else {
		s.label = append(s.label, "ICMP "...)
	}
	if name == "" {
		s.label = append(s.label, "type "...)
		s.label = appendInt(s.label, int64(typ))
		s.label = append(s.label, " code "...)
		s.label = appendInt(s.label, int64(code))
	} else {
		s.label = append(s.label, name...)
	}
	switch {
	case echoReq || echoRep:
		if hasRest {
			s.label = append(s.label, " seq "...)
			s.label = appendInt(s.label, int64(rest[2])<<8|int64(rest[3]))
		}
		// The pinging side gets a column of its own even on one address.
		if echoReq {
			s.fromRole = 1
		} else {
			s.toRole = 1
		}
		if hasRest {
			c.echo(src, dst, echoRep, uint16(rest[0])<<8|uint16(rest[1]), uint16(rest[2])<<8|uint16(rest[3]), s)
		}
		return true
	case isErr:
		s.problems |= ProblemICMPError
		qs, qd, proto, ok := flow.Quoted(&c.inner, body, v6)
		if !ok {
			return len(c.opt.Ports) == 0
		}
		sp, dp := qs.Port(), qd.Port()
		if !c.portWanted(sp, dp) {
			return false
		}
		s.to = qs
		if src == qd.Addr() {
			s.from = qd // the destination host answered for its port
		}
		if fl := c.flows.Lookup(flow.NewKey(proto, qs, qd)); fl != nil {
			s.fl = fl
			s.dir = fl.Dir(s.from)
		}
		return true
	}
	return len(c.opt.Ports) == 0
}

// echo files an ICMP echo request or reply under its exchange (one per
// identifier and sequence number) for the timeline.
func (c *collector) echo(src, dst netip.Addr, reply bool, id, seq uint16, s *seen) {
	client, server := src, dst
	if reply {
		client, server, s.dir = dst, src, 1
	}
	k := flow.Key{Proto: flow.ICMP, A: netip.AddrPortFrom(client, id), B: netip.AddrPortFrom(server, seq)}
	fl := c.flows.Add(k, k.A)
	if fl == nil {
		return
	}
	s.fl, s.data = fl, true
	s.rowProto = "ICMP"
	s.rowClient = client.String() + " id " + strconv.Itoa(int(id))
	s.rowServer = server.String() + " seq " + strconv.Itoa(int(seq))
}

// row updates the timeline row of the frame's conversation.
func (c *collector) row(s *seen, at time.Duration) {
	fl := s.fl
	if fl == nil {
		return
	}
	if fl.User == -2 {
		return // beyond MaxFrames rows
	}
	if fl.User < 0 {
		if s.problems&ProblemICMPError != 0 {
			return // an error about a conversation not drawn
		}
		if len(c.d.Rows) >= c.opt.MaxFrames {
			c.d.RowsOmitted++
			fl.User = -2
			return
		}
		proto := "UDP"
		if fl.Stream >= 0 {
			proto = "TCP"
		}
		server := s.to
		if s.dir == 1 {
			server = s.from
		}
		r := Row{Proto: proto, Client: fl.Client.String(), Server: server.String(), First: at}
		if s.rowProto != "" {
			r.Proto, r.Client, r.Server = s.rowProto, s.rowClient, s.rowServer
		}
		fl.User = len(c.d.Rows)
		c.d.Rows = append(c.d.Rows, r)
	}
	r := &c.d.Rows[fl.User]
	r.Last = at
	r.Frames++
	r.Problems |= s.problems
	switch {
	case s.data && s.dir == 0 && !r.HasRequest:
		r.Request, r.HasRequest = at, true
	case s.data && s.dir == 1 && r.HasRequest && !r.HasEcho:
		r.Echo, r.HasEcho = at, true
	}
}

// endpoint returns the column of an endpoint, adding it while there is
// room; server places a new one on the right.
func (c *collector) endpoint(ap netip.AddrPort, role uint8, server bool) int {
	k := endpointKey{ap, role}
	if i, ok := c.ends[k]; ok {
		return i
	}
	if len(c.d.Endpoints) == maxColumns {
		c.d.OtherColumn = true
		c.d.Endpoints = append(c.d.Endpoints, Endpoint{Name: "other endpoints"})
	}
	if len(c.d.Endpoints) > maxColumns {
		return maxColumns
	}
	name := ap.String()
	if ap.Port() == 0 {
		name = ap.Addr().String()
		if role == 1 {
			name += " (ping)"
		}
	}
	c.ends[k] = len(c.d.Endpoints)
	c.d.Endpoints = append(c.d.Endpoints, Endpoint{Name: name, Server: server})
	return len(c.d.Endpoints) - 1
}

// finish orders the columns: clients left in order of appearance, then
// hosts that are neither, servers right, "other endpoints" last.
func (c *collector) finish() {
	n := len(c.d.Endpoints)
	order := make([]int, 0, n) // new position -> old index
	for pass := 0; pass < 3; pass++ {
		for i, e := range c.d.Endpoints {
			other := c.d.OtherColumn && i == maxColumns
			switch {
			case pass == 0 && !e.Server && !other, pass == 1 && e.Server && !other, pass == 2 && other:
				order = append(order, i)
			}
		}
	}
	where := make([]int, n)
	ends := make([]Endpoint, n)
	for to, from := range order {
		where[from] = to
		ends[to] = c.d.Endpoints[from]
	}
	c.d.Endpoints = ends
	for i := range c.d.Arrows {
		a := &c.d.Arrows[i]
		a.From, a.To = where[a.From], where[a.To]
	}
}

// DefaultGap is the idle time above which the ladder draws a break mark.
const DefaultGap = 500 * time.Millisecond
