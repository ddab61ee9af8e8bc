package anonymize

import (
	"encoding/binary"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Checksums are updated as RFC 1624 says, HC' = ~(~HC + ~m + m'), summed
// over every 16-bit word changed: the field keeps whatever error it had.

// sum16 is the one's complement sum (unfolded) of b as big-endian 16-bit
// words, b starting at an odd offset of the checksummed data when odd.
func sum16(b []byte, odd bool) uint64 {
	var s uint64
	i := 0
	if odd && len(b) > 0 {
		s, i = uint64(b[0]), 1
	}
	for ; i+1 < len(b); i += 2 {
		s += uint64(b[i])<<8 | uint64(b[i+1])
	}
	if i < len(b) {
		s += uint64(b[i]) << 8
	}
	return s
}

func fold(s uint64) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// delta is what changing old into new adds to a one's complement sum.
func delta(old, new []byte, odd bool) uint64 {
	return uint64(fold(sum16(new, odd))) + uint64(^fold(sum16(old, odd)))
}

// setSum applies the change d to the checksum field f. UDP's 0 (no
// checksum over IPv4; always wrong over IPv6) is left alone, and a UDP
// result of 0 is written as 0xffff, its other form.
func setSum(f []byte, d uint64, udp bool) {
	cs := binary.BigEndian.Uint16(f)
	if udp && cs == 0 {
		return
	}
	c := fold(d)
	if c == 0 || c == 0xffff { // nothing changed, as the sum sees it
		return
	}
	n := ^fold(uint64(^cs) + uint64(c))
	if udp && n == 0 {
		n = 0xffff
	}
	binary.BigEndian.PutUint16(f, n)
}

// zero clears b and returns what that adds to a sum.
func zero(b []byte, odd bool) uint64 {
	if len(b) == 0 {
		return 0
	}
	s := sum16(b, odd)
	clear(b)
	return uint64(^fold(s))
}

// addrOptions reports whether IPv4 options hold addresses: record route,
// timestamps, loose and strict source routes.
func addrOptions(o []byte) bool {
	for len(o) > 0 {
		switch o[0] {
		case 0:
			return false
		case 1:
			o = o[1:]
			continue
		case 7, 68, 131, 137:
			return true
		}
		if len(o) < 2 || o[1] < 2 {
			return false
		}
		o = o[min(int(o[1]), len(o)):]
	}
	return false
}

// ip rewrites an IPv4 or IPv6 packet of p that starts at net (a suffix of
// b, so offsets in b follow from lengths): addresses, the header checksum,
// the transport layer, what it carries. It returns why part was left, where
// the headers end and where the part left begins. quoted is set for the
// packet inside an ICMP error: its payload is left, and no quote inside it
// is looked into.
func (a *Anonymizer) ip(p *decode.Packet, b, net []byte, quoted bool) (reason Reason, end, stop int) {
	netOff := len(b) - len(net)
	var d uint64 // the change to the pseudo-header
	var trOff int
	v6 := p.Layers&decode.LayerIPv6 != 0
	if !v6 {
		var old [8]byte
		copy(old[:], net[12:20])
		a.addr(net[12:16])
		a.addr(net[16:20])
		d = delta(old[:], net[12:20], false)
		setSum(net[10:12], d, false)
		if p.Problem.Layer == decode.ProblemIPv4 {
			return ReasonTruncated, netOff + 20, netOff + 20
		}
		if addrOptions(p.IPv4.Options) {
			reason = ReasonIPOptions
		}
		trOff = netOff + int(p.IPv4.IHL)*4
	} else {
		var old [32]byte
		copy(old[:], net[8:40])
		a.addr(net[8:24])
		a.addr(net[24:40])
		// The pseudo-header holds the source and the final destination: the
		// Destination Address field, unless a Routing header with segments
		// left names the final one (RFC 8200 §8.1), which is not rewritten.
		pseudo := 32
		if p.IPv6.RoutedDst() {
			pseudo = 16
		}
		d = delta(old[:pseudo], net[8:8+pseudo], false)
		ext := 0
		for i := 0; i < p.IPv6.NumExt; i++ {
			ext += len(p.IPv6.Ext[i].Data)
			if p.IPv6.Ext[i].Type == 43 {
				reason = ReasonIPOptions
			}
		}
		if p.Problem.Layer == decode.ProblemIPv6 {
			return ReasonTruncated, netOff + 40, netOff + 40 + ext
		}
		trOff = netOff + 40 + ext
	}
	end, stop = trOff, len(b)
	tr := b[trOff:]
	keep := quoted || a.opt.Payload == PayloadKeep
	switch {
	case p.Fragment:
		if !keep {
			zero(p.Payload, false)
		}
	case p.Layers&decode.LayerTCP != 0:
		seg := p.TCP.Segment
		if a.ports != nil {
			var old [4]byte
			copy(old[:], seg[:4])
			a.port(seg[0:2])
			a.port(seg[2:4])
			d += delta(old[:], seg[:4], false)
		}
		end = trOff + int(p.TCP.DataOffset)*4
		if r := a.transportPayload(p, p.TCP.Payload, &d, quoted); r != ReasonNone && reason == ReasonNone {
			reason, stop = r, end
		}
		if len(seg) >= 18 {
			setSum(seg[16:18], d, false)
		}
	case p.Layers&decode.LayerUDP != 0:
		if a.ports != nil {
			var old [4]byte
			copy(old[:], tr[:4])
			a.port(tr[0:2])
			a.port(tr[2:4])
			d += delta(old[:], tr[:4], false)
		}
		end = trOff + 8
		if r := a.transportPayload(p, p.UDP.Payload, &d, quoted); r != ReasonNone && reason == ReasonNone {
			reason, stop = r, end
		}
		if len(tr) >= 8 {
			setSum(tr[6:8], d, true)
		}
	case p.Layers&decode.LayerICMP != 0 && !v6, p.Layers&decode.LayerICMPv6 != 0 && v6:
		if !v6 {
			d = 0 // ICMP for IPv4 has no pseudo-header
		}
		end = trOff + 8
		var typ uint8
		var body []byte
		if v6 {
			typ, body = p.ICMPv6.Type, p.ICMPv6.Body
		} else {
			typ, body = p.ICMP.Type, p.ICMP.Body
		}
		switch {
		case quoted:
		case isError(typ, v6) && len(body) > 0:
			before := sum16(body, false)
			if !a.quote(body, v6) && reason == ReasonNone {
				reason, stop = ReasonQuote, end
				if !keep { // zeroed here, where the checksum can follow
					zero(body, false)
				}
			}
			d += uint64(fold(sum16(body, false))) + uint64(^fold(before))
		case v6 && (typ == 135 || typ == 136) && len(body) >= 16: // neighbour discovery target
			var old [16]byte
			copy(old[:], body[:16])
			a.addr(body[:16])
			d += delta(old[:], body[:16], false)
			if a.opt.MACs { // link-layer address options
				for o := body[16:]; len(o) >= 8 && o[1] > 0 && int(o[1])*8 <= len(o); o = o[int(o[1])*8:] {
					if (o[0] == 1 || o[0] == 2) && o[1] == 1 {
						var old [6]byte
						copy(old[:], o[2:8])
						a.mapMAC(o[2:8])
						d += delta(old[:], o[2:8], false)
					}
				}
			}
			end = len(b) - len(p.Trailer)
		default: // echo and the rest: the body is payload
			if !keep {
				d += zero(body, false)
			}
		}
		if len(tr) >= 4 {
			setSum(tr[2:4], d, false)
		}
	case quoted:
		// An error quotes only 8 bytes of the transport header: too few for
		// decode's TCP, but the ports are there (the ICMP checksum is
		// updated over the whole quote by the caller).
		proto := p.IPv4.Protocol
		if v6 {
			proto = p.IPv6.Protocol
		}
		if a.ports != nil && (proto == 6 || proto == 17) && len(tr) >= 4 {
			a.port(tr[0:2])
			a.port(tr[2:4])
		}
	default:
		if keep {
			reason, stop = ReasonIPProtocol, trOff
			if p.Problem.Kind != decode.ProblemNone {
				reason = ReasonTruncated
			}
		} else {
			zero(p.Payload, false)
		}
	}
	return reason, end, stop
}

// transportPayload zeroes a TCP or UDP payload (adding the change to *d),
// or, when payloads are kept, maps the addresses of DNS A and AAAA records.
func (a *Anonymizer) transportPayload(p *decode.Packet, pl []byte, d *uint64, quoted bool) Reason {
	switch {
	case quoted:
		return ReasonNone
	case a.opt.Payload != PayloadKeep:
		*d += zero(pl, false)
		return ReasonNone
	case p.Layers&decode.LayerDNS == 0:
		return ReasonNone
	}
	m := &p.DNS
	for i := 0; i < m.NumRecords; i++ {
		r := &m.Records[i]
		if r.Section == decode.DNSQuestion || r.Class&0x7fff != 1 ||
			!(r.Type == 1 && len(r.Data) == 4 || r.Type == 28 && len(r.Data) == 16) {
			continue
		}
		var old [16]byte
		n := copy(old[:], r.Data)
		a.addr(r.Data)
		// The message starts at an even offset of the segment (after 8
		// bytes of UDP, or a TCP header and a 2-byte length).
		*d += delta(old[:n], r.Data, r.DataOff%2 == 1)
	}
	total := int(m.QDCount) + int(m.ANCount) + int(m.NSCount) + int(m.ARCount)
	if m.NumRecords < total || p.Problem.Layer == decode.ProblemDNS {
		return ReasonDNS
	}
	return ReasonNone
}

// isError reports whether an ICMP message quotes a datagram whose
// addresses must be mapped too: the four ICMPv6 error types RFC 4443
// defines (the unassigned ones below 128 are left as payload), or an
// ICMPv4 error.
func isError(t uint8, v6 bool) bool {
	if v6 {
		return t >= 1 && t <= 4
	}
	return decode.ICMPIsError(t)
}

// quote rewrites the packet an ICMP error quotes; false when it holds no
// whole IP header.
func (a *Anonymizer) quote(body []byte, v6 bool) bool {
	q := &a.inner
	link := pcapio.LinkTypeIPv4
	if v6 {
		link = pcapio.LinkTypeIPv6
	}
	q.Decode(link, body)
	if q.Layers&(decode.LayerIPv4|decode.LayerIPv6) == 0 {
		return false
	}
	a.ip(q, body, q.Network(), true)
	return true
}
