package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// NormalizeOptions say what Normalize maps values to. The zero value maps every
// port in order of appearance from DefaultFirstPort and stamps frames from
// DefaultEpoch.
type NormalizeOptions struct {
	// Ports maps known ports (a server's) to fixed ones; a port is mapped
	// the same way for TCP and UDP. Every other port is given the next
	// free one from FirstPort on, in order of first appearance.
	Ports map[uint16]uint16
	// FirstPort is the first port given to an unknown (ephemeral) port;
	// zero means DefaultFirstPort.
	FirstPort uint16
	// FirstEchoID is the identifier given to the first ICMP echo
	// identifier seen, the next one to the next; zero means 1.
	FirstEchoID uint16
	// Epoch is the timestamp of the first frame; the zero value means
	// DefaultEpoch.
	Epoch time.Time
}

// DefaultFirstPort is where ephemeral ports are mapped from: far from the
// classroom's server ports and inside no kernel's ephemeral range start.
const DefaultFirstPort = 40001

// Fixed starting points of TCP connection k (0-based, in order of first
// appearance): the client's initial sequence number is seqBase*(k+1), the
// server's seqBase*(k+1)+seqBase/2; timestamp option values likewise from
// tsBase.
const (
	seqBase = 100000
	tsBase  = 10000
)

// ErrUnstable marks what Normalize or a scenario check finds that cannot
// be made the same from one recording to the next.
var ErrUnstable = errors.New("cannot be made stable")

// Normalize rewrites a recording so that recording the same scenario again
// gives the same bytes:
//   - ports not in opt.Ports are mapped to fixed ones in order of
//     appearance, ICMP echo identifiers likewise;
//   - each TCP connection's initial sequence numbers are rebased to fixed
//     values (acknowledgments and SACK blocks follow), and its timestamp
//     option values the same way;
//   - non-zero IPv4 identifications are renumbered 1, 2, 3... per flow in
//     order of appearance (zero, which Linux sends on some datagrams that
//     may not be fragmented, stays);
//   - frame timestamps move so that the first is at opt.Epoch, the spacing
//     kept;
//   - the IPv4, TCP, UDP and ICMP checksums are recomputed, those of the
//     datagram an ICMP error quotes included, so the frames stay valid (on
//     a loopback Linux leaves TCP and UDP checksums unfinished).
//
// A datagram quoted by an ICMP error is mapped as the original was.
//
// The spacing of timestamps and of TCP timestamp values (milliseconds) is
// the real one, so those may differ between recordings; nothing else does
// when the kernel sent the same packets.
//
// Normalize is pure: it returns new packets and leaves pkts as they are.
// It fails, with an error that wraps ErrUnstable, on what it cannot
// rewrite faithfully: IPv6, fragments, and frames cut short by the
// snapshot length (their checksums cannot be recomputed). Frames that are
// not IP pass with only their timestamp moved.
func Normalize(lt pcapio.LinkType, pkts []Frame, opt NormalizeOptions) ([]Frame, error) {
	n := newNormalizer(opt)
	out := make([]Frame, len(pkts))
	var first time.Time
	for i, p := range pkts {
		data := bytes.Clone(p.Data)
		if err := n.frame(lt, data, p.Info); err != nil {
			return nil, fmt.Errorf("frame %d: %w", i+1, err)
		}
		info := p.Info
		if i == 0 {
			first = info.Timestamp
		}
		info.Timestamp = n.epoch.Add(info.Timestamp.Sub(first))
		out[i] = Frame{Info: info, Data: data}
	}
	return out, nil
}

type portKey struct {
	proto uint8
	port  uint16
}

// flowKey names one direction of a TCP connection or UDP flow by its
// original addresses and ports.
type flowKey struct {
	proto        uint8
	src, dst     [4]byte
	sport, dport uint16
}

func (k flowKey) reverse() flowKey {
	return flowKey{k.proto, k.dst, k.src, k.dport, k.sport}
}

type idKey struct {
	flow flowKey
	id   uint16
}

// tcpSide is one direction of a TCP connection: the offsets that rebase its
// sequence numbers and timestamp values.
type tcpSide struct {
	seqOff, tsOff uint32
	seqSet, tsSet bool
}

type tcpConn struct {
	index int
	sides map[flowKey]*tcpSide // by the direction's key
	first flowKey              // the initiator's direction
}

type normalizer struct {
	d        dissector
	epoch    time.Time
	ports    map[portKey]uint16
	known    map[uint16]uint16
	used     map[uint16]bool
	nextPort uint16
	echoIDs  map[uint16]uint16
	nextEcho uint16
	ids      map[idKey]uint16
	nextID   map[flowKey]uint16 // last identification given in each flow
	// conns are the TCP connections under flow's key, numbered in order of
	// first segment (the tracker's stream number, which fixes their
	// sequence bases). The first segment's sender is the initiator and a
	// tuple is never used again: Lookup and Start, not Frame, whose client
	// guess and reuse rule a normalized fixture must not depend on. No
	// bound beyond the tracker's: the normalizer reads one recording of a
	// scenario, a few connections, already held in memory whole.
	conns *flow.Tracker[*tcpConn]
}

func newNormalizer(opt NormalizeOptions) *normalizer {
	n := &normalizer{
		epoch:    opt.Epoch,
		ports:    make(map[portKey]uint16),
		known:    opt.Ports,
		used:     make(map[uint16]bool),
		nextPort: opt.FirstPort,
		echoIDs:  make(map[uint16]uint16),
		nextEcho: opt.FirstEchoID,
		ids:      make(map[idKey]uint16),
		nextID:   make(map[flowKey]uint16),
		conns:    flow.NewTracker[*tcpConn](math.MaxInt, nil),
	}
	if n.epoch.IsZero() {
		n.epoch = DefaultEpoch()
	}
	if n.nextPort == 0 {
		n.nextPort = DefaultFirstPort
	}
	if n.nextEcho == 0 {
		n.nextEcho = 1
	}
	for _, to := range opt.Ports {
		n.used[to] = true
	}
	return n
}

// frame rewrites one frame in place.
func (n *normalizer) frame(lt pcapio.LinkType, b []byte, ci pcapio.CaptureInfo) error {
	p := &n.d.pkt
	p.Decode(lt, b)
	switch p.EtherType {
	case 0x0800:
	case 0x86dd:
		return fmt.Errorf("IPv6 is not normalized: %w", ErrUnstable)
	default:
		return nil // not IP, or a link type the decoder does not know
	}
	if ci.Length > len(b) {
		return fmt.Errorf("cut to %d of %d bytes by the snapshot length, so its checksums cannot be recomputed: %w",
			len(b), ci.Length, ErrUnstable)
	}
	ip := &p.IPv4
	if pr := p.Problem; pr.Layer == decode.ProblemIPv4 {
		if pr.Kind == decode.ProblemTruncated {
			return fmt.Errorf("IPv4 header truncated (%d of %d bytes): %w", pr.Value, pr.Need, ErrUnstable)
		}
		return fmt.Errorf("IPv4 header: %s %d (%s): %w", pr.Field, pr.Value, pr.Note, ErrUnstable)
	}
	if ip.Missing > 0 {
		return fmt.Errorf("IPv4 total length %d is beyond the %d bytes captured: %w",
			ip.TotalLength, len(ip.Header)+len(ip.Payload), ErrUnstable)
	}
	if ip.Flags&decode.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
		return fmt.Errorf("IPv4 fragment (flags and offset %#04x) is not normalized: %w",
			uint16(ip.Flags)<<13|ip.FragOffset, ErrUnstable)
	}
	return n.ipv4(ip.Header, ip.Payload, true)
}

// ipv4 rewrites a whole IPv4 datagram or the part of one an ICMP error
// quotes, given its header and the transport bytes after it (cut to the
// total length when complete): the mappings are those of the original, and
// checksums are recomputed only over what is complete.
func (n *normalizer) ipv4(ip, t []byte, complete bool) error {
	proto := ip[9]
	key := flowKey{proto: proto}
	copy(key.src[:], ip[12:16])
	copy(key.dst[:], ip[16:20])
	if (proto == protoTCP || proto == protoUDP) && len(t) >= 4 {
		key.sport, key.dport = binary.BigEndian.Uint16(t), binary.BigEndian.Uint16(t[2:])
	}
	if id := binary.BigEndian.Uint16(ip[4:]); id != 0 {
		binary.BigEndian.PutUint16(ip[4:], n.ipID(idKey{key, id}))
	}
	laterFragment := binary.BigEndian.Uint16(ip[6:])&0x1fff != 0
	if !laterFragment {
		switch proto {
		case protoTCP:
			n.tcp(key, t, ip, complete)
		case protoUDP:
			n.udp(t, ip, complete)
		case protoICMP:
			if err := n.icmp(t, complete); err != nil {
				return err
			}
		}
	}
	binary.BigEndian.PutUint16(ip[10:], 0)
	binary.BigEndian.PutUint16(ip[10:], checksum(ip, 0))
	return nil
}

// ipID returns the new identification for an original one: each flow
// (addresses, protocol and ports) numbers its datagrams 1, 2, 3... in
// order of appearance, as a Linux socket counts them from a random start.
func (n *normalizer) ipID(k idKey) uint16 {
	if id, ok := n.ids[k]; ok {
		return id
	}
	id := n.nextID[k.flow] + 1
	if id == 0 {
		id = 1
	}
	n.nextID[k.flow] = id
	n.ids[k] = id
	return id
}

// port returns the fixed port for an original one.
func (n *normalizer) port(proto uint8, p uint16) uint16 {
	k := portKey{proto, p}
	if to, ok := n.ports[k]; ok {
		return to
	}
	to, ok := n.known[p]
	if !ok {
		to = p // kept only when every port is taken
		for range 1 << 16 {
			if c := n.nextPort; c != 0 && !n.used[c] {
				to = c
				break
			}
			n.nextPort++
		}
		n.used[to] = true
	}
	n.ports[k] = to
	return to
}

func (n *normalizer) mapPorts(proto uint8, t []byte) {
	if len(t) < 4 {
		return
	}
	binary.BigEndian.PutUint16(t, n.port(proto, binary.BigEndian.Uint16(t)))
	binary.BigEndian.PutUint16(t[2:], n.port(proto, binary.BigEndian.Uint16(t[2:])))
}

func (n *normalizer) udp(t, ip []byte, complete bool) {
	n.mapPorts(protoUDP, t)
	if len(t) < 8 {
		return
	}
	ulen := int(binary.BigEndian.Uint16(t[4:]))
	if !complete || ulen < 8 || ulen > len(t) || binary.BigEndian.Uint16(t[6:]) == 0 {
		return // zero: the sender computed no checksum, and none is added
	}
	t = t[:ulen]
	binary.BigEndian.PutUint16(t[6:], 0)
	sum := checksum(t, pseudoSum(ip[12:16], ip[16:20], protoUDP, ulen))
	if sum == 0 {
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(t[6:], sum)
}

// conn returns the connection a TCP segment in direction key belongs to,
// creating it when the segment is the first seen of it.
func (n *normalizer) conn(key flowKey) *tcpConn {
	from := netip.AddrPortFrom(netip.AddrFrom4(key.src), key.sport)
	k := flow.NewKey(flow.TCP, from, netip.AddrPortFrom(netip.AddrFrom4(key.dst), key.dport))
	if cv := n.conns.Lookup(k); cv != nil {
		return cv.User
	}
	cv := n.conns.Start(k, from)
	cv.User = &tcpConn{index: cv.Stream, first: key, sides: map[flowKey]*tcpSide{key: {}, key.reverse(): {}}}
	return cv.User
}

// base returns the fixed starting value of the direction key of c, from
// unit (seqBase or tsBase).
func (c *tcpConn) base(key flowKey, unit uint32) uint32 {
	b := unit * uint32(c.index+1)
	if key != c.first {
		b += unit / 2
	}
	return b
}

func (n *normalizer) tcp(key flowKey, t, ip []byte, complete bool) {
	n.mapPorts(protoTCP, t)
	if len(t) < 8 {
		return
	}
	c := n.conn(key)
	me, peer := c.sides[key], c.sides[key.reverse()]
	seq := binary.BigEndian.Uint32(t[4:])
	if !me.seqSet {
		// A SYN's sequence number is the ISN; for a connection caught in
		// the middle, the first one seen stands in for it.
		me.seqOff, me.seqSet = c.base(key, seqBase)-seq, true
	}
	binary.BigEndian.PutUint32(t[4:], seq+me.seqOff)
	if len(t) < 20 {
		return
	}
	flags := t[13]
	if ack := binary.BigEndian.Uint32(t[8:]); flags&flagACK != 0 {
		if !peer.seqSet {
			peer.seqOff, peer.seqSet = c.base(key.reverse(), seqBase)+1-ack, true
		}
		binary.BigEndian.PutUint32(t[8:], ack+peer.seqOff)
	}
	doff := int(t[12]>>4) * 4
	if doff >= 20 && doff <= len(t) {
		n.tcpOptions(c, key, t[20:doff], flags)
	}
	if !complete {
		return // a quoted segment cut short: its checksum covers bytes not there
	}
	binary.BigEndian.PutUint16(t[16:], 0)
	binary.BigEndian.PutUint16(t[16:], checksum(t, pseudoSum(ip[12:16], ip[16:20], protoTCP, len(t))))
}

// tcpOptions rebases the timestamp option (kind 8) and SACK blocks (kind
// 5) of a segment in direction key.
func (n *normalizer) tcpOptions(c *tcpConn, key flowKey, opts []byte, flags uint8) {
	me, peer := c.sides[key], c.sides[key.reverse()]
	for len(opts) > 0 {
		kind := opts[0]
		if kind == 0 {
			return
		}
		if kind == 1 {
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || int(opts[1]) < 2 || int(opts[1]) > len(opts) {
			return
		}
		o := opts[:opts[1]]
		opts = opts[len(o):]
		switch {
		case kind == 8 && len(o) == 10:
			val, ecr := binary.BigEndian.Uint32(o[2:]), binary.BigEndian.Uint32(o[6:])
			if !me.tsSet {
				me.tsOff, me.tsSet = c.base(key, tsBase)-val, true
			}
			binary.BigEndian.PutUint32(o[2:], val+me.tsOff)
			if ecr != 0 || flags&flagACK != 0 {
				if !peer.tsSet {
					peer.tsOff, peer.tsSet = c.base(key.reverse(), tsBase)-ecr, true
				}
				binary.BigEndian.PutUint32(o[6:], ecr+peer.tsOff)
			}
		case kind == 5 && peer.seqSet:
			for b := o[2:]; len(b) >= 4; b = b[4:] {
				binary.BigEndian.PutUint32(b, binary.BigEndian.Uint32(b)+peer.seqOff)
			}
		}
	}
}

func (n *normalizer) icmp(t []byte, complete bool) error {
	if len(t) < 8 {
		return nil
	}
	switch typ := t[0]; {
	case isEcho(typ):
		id := binary.BigEndian.Uint16(t[4:])
		to, ok := n.echoIDs[id]
		if !ok {
			to = n.nextEcho
			n.nextEcho++
			n.echoIDs[id] = to
		}
		binary.BigEndian.PutUint16(t[4:], to)
	case decode.ICMPIsError(typ):
		// The quote is decoded after the frame: the frame's own
		// decoded headers are not needed any more.
		q := &n.d.quoted
		if n.d.decodeQuoted(t[8:]) {
			ip := &q.IPv4
			tq, complete := ip.Payload, ip.Missing == 0
			if pr := q.Problem; pr.Layer == decode.ProblemIPv4 { // total length below the header's
				tq, complete = q.Payload, false
			}
			if err := n.ipv4(ip.Header, tq, complete); err != nil {
				return err
			}
		}
	}
	if !complete {
		return nil
	}
	binary.BigEndian.PutUint16(t[2:], 0)
	binary.BigEndian.PutUint16(t[2:], checksum(t, 0))
	return nil
}
