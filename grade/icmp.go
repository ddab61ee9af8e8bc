package grade

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
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

func (s *icmpState) v4(c *capture, icmp *decode.ICMPHeader, p packet) {
	k := pingKey{src: p.src, dst: p.dst, id: binary.BigEndian.Uint16(icmp.Rest[:]), seq: binary.BigEndian.Uint16(icmp.Rest[2:])}
	switch icmp.Type {
	case 8:
		s.request(k, p)
	case 0:
		s.reply(k, p)
	case 3: // destination unreachable; code 3 is port unreachable
		s.quoted(c, icmp.Body, icmp.Code == 3, p)
	}
}

func (s *icmpState) v6(icmp *decode.ICMPv6Header, p packet) {
	k := pingKey{src: p.src, dst: p.dst, id: binary.BigEndian.Uint16(icmp.Rest[:]), seq: binary.BigEndian.Uint16(icmp.Rest[2:])}
	switch icmp.Type {
	case 128:
		s.request(k, p)
	case 129:
		s.reply(k, p)
	}
}

// quoted reads the IPv4 header and first 8 bytes an ICMP error quotes: a
// UDP datagram refused by a port with nothing listening, or an echo
// request that could not be delivered. The quote is cut short by design
// (8 bytes past the IP header), which a full decode would call truncated,
// so the few fields needed are read here, every bound checked.
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
	switch q[9] {
	case 17: // UDP
		if portUnreachable {
			c.udp.unreachable(netip.AddrPortFrom(src, binary.BigEndian.Uint16(q[ihl:])),
				netip.AddrPortFrom(dst, binary.BigEndian.Uint16(q[ihl+2:])), p.frame)
		}
	case 1: // ICMP
		if q[ihl] == 8 { // echo request
			s.unreach.add(p.frame)
		}
	}
}
