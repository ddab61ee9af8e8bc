package grade

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// pingKey identifies an echo request: a reply matches it by swapped
// addresses, identifier and sequence number.
type pingKey struct {
	src, dst netip.Addr
	id, seq  uint16
}

type pingReq struct {
	key   pingKey
	frame int
	at    time.Time
	reply int // frame of the matching reply
	dup   int // replies beyond the first
}

// icmpState keeps the echo requests and what answered them.
type icmpState struct {
	reqs     []pingReq
	pending  map[pingKey]int
	dropped  int
	strays   frameSet // replies that match no request
	strayKey pingKey
	unreach  frameSet // destination unreachable for an echo request
}

func (s *icmpState) init() {
	s.pending = map[pingKey]int{}
}

func (s *icmpState) request(k pingKey, p packet) {
	if len(s.reqs) >= maxTracked {
		s.dropped++
		return
	}
	s.reqs = append(s.reqs, pingReq{key: k, frame: p.frame, at: p.ts})
	s.pending[k] = len(s.reqs) - 1
}

func (s *icmpState) reply(k pingKey, p packet) {
	req := pingKey{src: k.dst, dst: k.src, id: k.id, seq: k.seq}
	if i, ok := s.pending[req]; ok {
		r := &s.reqs[i]
		if r.reply == 0 {
			r.reply = p.frame
		} else {
			r.dup++
		}
		return
	}
	if s.strays.n == 0 {
		s.strayKey = k
	}
	s.strays.add(p.frame)
}

func (s *icmpState) v4(c *capture, icmp *layers.ICMPv4, p packet) {
	k := pingKey{src: p.src, dst: p.dst, id: icmp.Id, seq: icmp.Seq}
	switch icmp.TypeCode.Type() {
	case layers.ICMPv4TypeEchoRequest:
		s.request(k, p)
	case layers.ICMPv4TypeEchoReply:
		s.reply(k, p)
	case layers.ICMPv4TypeDestinationUnreachable:
		s.quoted(c, icmp.Payload, icmp.TypeCode.Code() == layers.ICMPv4CodePort, p)
	}
}

func (s *icmpState) v6(icmp *layers.ICMPv6, echo *layers.ICMPv6Echo, p packet) {
	k := pingKey{src: p.src, dst: p.dst, id: echo.Identifier, seq: echo.SeqNumber}
	switch icmp.TypeCode.Type() {
	case layers.ICMPv6TypeEchoRequest:
		s.request(k, p)
	case layers.ICMPv6TypeEchoReply:
		s.reply(k, p)
	}
}

// quoted reads the IPv4 header and first 8 bytes an ICMP error quotes: a
// UDP datagram refused by a port with nothing listening, or an echo
// request that could not be delivered. Bounds are checked by hand because
// the quote is cut short by design and gopacket's IPv4 layer rejects it.
func (s *icmpState) quoted(c *capture, q []byte, portUnreachable bool, p packet) {
	if len(q) < 20 || q[0]>>4 != 4 {
		return
	}
	ihl := int(q[0]&0x0f) * 4
	if ihl < 20 || len(q) < ihl+8 {
		return
	}
	src, _ := netip.AddrFromSlice(q[12:16])
	dst, _ := netip.AddrFromSlice(q[16:20])
	switch layers.IPProtocol(q[9]) {
	case layers.IPProtocolUDP:
		if portUnreachable {
			c.udp.unreachable(netip.AddrPortFrom(src, binary.BigEndian.Uint16(q[ihl:])),
				netip.AddrPortFrom(dst, binary.BigEndian.Uint16(q[ihl+2:])), p.frame)
		}
	case layers.IPProtocolICMPv4:
		if q[ihl] == layers.ICMPv4TypeEchoRequest {
			s.unreach.add(p.frame)
		}
	}
}
