package anonymize

import (
	"encoding/binary"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
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
		if len(tr) < 8 { // cut inside the header: its second word may hold an address
			if !quoted && reason == ReasonNone {
				reason, stop = ReasonTruncated, trOff
			}
			break
		}
		var typ uint8
		var body []byte
		if v6 {
			typ, body = p.ICMPv6.Type, p.ICMPv6.Body
		} else {
			typ, body = p.ICMP.Type, p.ICMP.Body
		}
		if !v6 && typ == 5 && !quoted && len(tr) >= 8 { // redirect: the gateway, then the quote below
			a.addrSum(tr[4:8], &d, false)
		}
		switch {
		case quoted:
		case !v6 && typ == 9: // router advertisement (RFC 1256): the routers' addresses
			if n, size := int(tr[4]), int(tr[5])*4; size >= 4 {
				for i := 0; i < n && (i+1)*size <= len(body); i++ {
					a.addrSum(body[i*size:i*size+4], &d, false)
				}
				if n*size > len(body) && reason == ReasonNone {
					reason, stop = ReasonTruncated, end
				}
			}
			end = len(b) - len(p.Trailer)
		case v6 && (typ >= 130 && typ <= 134 || typ == 137 || typ == 143):
			if r := a.icmpv6Addrs(typ, tr, body, &d); r != ReasonNone && reason == ReasonNone {
				reason, stop = r, end
			}
			end = len(b) - len(p.Trailer)
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
			end += 16
			if r := a.ndOptions(body[16:], &d); r != ReasonNone && reason == ReasonNone {
				reason, stop = r, end
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
	case p.Layers&decode.LayerUDP != 0 && isDHCP(p.UDP.SrcPort, p.UDP.DstPort):
		return a.dhcp(pl, d)
	case p.Layers&decode.LayerDNS == 0:
		return ReasonNone
	}
	m := &p.DNS
	for i := 0; i < m.NumRecords; i++ {
		r := &m.Records[i]
		// Class IN, and NONE and ANY, which UPDATE uses to delete records
		// (RFC 2136 §2.5) and which still name the address.
		if class := r.Class & 0x7fff; r.Section == decode.DNSQuestion || class != 1 && class != 254 && class != 255 ||
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
// addresses must be mapped too: flow.IsICMPError, the one definition (for
// ICMPv6 the four types RFC 4443 defines to quote the invoking packet; the
// unassigned ones below 128 are left as payload).
func isError(t uint8, v6 bool) bool { return flow.IsICMPError(t, v6) }

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

// addrSum rewrites an address in place and adds the change to *d (odd: the
// address starts at an odd offset of what the checksum covers).
func (a *Anonymizer) addrSum(b []byte, d *uint64, odd bool) {
	var old [16]byte
	n := copy(old[:], b)
	a.addr(b)
	*d += delta(old[:n], b, odd)
}

// prefixSum rewrites a prefix of plen bits held in b (up to 16 bytes, the
// bits past plen zero) as the addresses in it are mapped: Crypto-PAn keeps
// the first plen bits of every address of the prefix, so the mapped prefix
// is the mapped address with the bits past plen cleared.
func (a *Anonymizer) prefixSum(b []byte, plen int, d *uint64) {
	var old, full [16]byte
	n := copy(old[:], b)
	copy(full[:], b)
	a.addr(full[:])
	for i := range full {
		switch {
		case i*8 >= plen:
			full[i] = 0
		case i*8+8 > plen:
			full[i] &^= 0xff >> (plen - i*8)
		}
	}
	copy(b, full[:n])
	*d += delta(old[:n], b, false)
}

// icmpv6Addrs rewrites the addresses of MLD messages (130-132, 143),
// router solicitations and advertisements (133, 134) and redirects (137):
// group and source addresses, targets, and neighbour discovery options.
// The unspecified address (a general query's group) says nothing and stays.
func (a *Anonymizer) icmpv6Addrs(typ uint8, tr, body []byte, d *uint64) Reason {
	mapped := func(b []byte) {
		for _, c := range b {
			if c != 0 {
				a.addrSum(b, d, false)
				return
			}
		}
	}
	switch typ {
	case 130, 131, 132: // MLD query, report, done: the group; an MLDv2 query's sources
		if len(body) < 16 {
			return ReasonICMPv6Options
		}
		mapped(body[:16])
		if typ == 130 && len(body) >= 20 {
			n := int(binary.BigEndian.Uint16(body[18:20]))
			if 20+16*n > len(body) {
				return ReasonICMPv6Options
			}
			for i := 0; i < n; i++ {
				mapped(body[20+16*i : 36+16*i])
			}
		}
	case 143: // MLDv2 report: group records
		n := int(binary.BigEndian.Uint16(tr[6:8]))
		r := body
		for i := 0; i < n; i++ {
			if len(r) < 20 {
				return ReasonICMPv6Options
			}
			srcs, aux := int(binary.BigEndian.Uint16(r[2:4])), int(r[1])*4
			size := 20 + 16*srcs + aux
			if size > len(r) {
				return ReasonICMPv6Options
			}
			mapped(r[4:20])
			for j := 0; j < srcs; j++ {
				mapped(r[20+16*j : 36+16*j])
			}
			r = r[size:]
		}
	case 133: // router solicitation
		return a.ndOptions(body, d)
	case 134: // router advertisement: reachable time and retransmission timer, then options
		if len(body) < 8 {
			return ReasonICMPv6Options
		}
		return a.ndOptions(body[8:], d)
	case 137: // redirect: target, destination, options
		if len(body) < 32 {
			return ReasonICMPv6Options
		}
		a.addrSum(body[:16], d, false)
		a.addrSum(body[16:32], d, false)
		return a.ndOptions(body[32:], d)
	}
	return ReasonNone
}

// ndOptions rewrites what neighbour discovery options say about hosts:
// link-layer addresses (with --macs), prefix information, route
// information, recursive DNS servers, and the packet a redirected header
// quotes. Option offsets are multiples of 8, so every address lies at an
// even offset of the checksummed message.
func (a *Anonymizer) ndOptions(o []byte, d *uint64) Reason {
	reason := ReasonNone
	for len(o) > 0 {
		if len(o) < 8 || o[1] == 0 || int(o[1])*8 > len(o) {
			return ReasonICMPv6Options
		}
		l := int(o[1]) * 8
		switch typ := o[0]; {
		case (typ == 1 || typ == 2) && l == 8:
			if a.opt.MACs {
				var old [6]byte
				copy(old[:], o[2:8])
				a.mapMAC(o[2:8])
				*d += delta(old[:], o[2:8], false)
			}
		case typ == 3 && l == 32: // prefix information
			a.prefixSum(o[16:32], min(int(o[2]), 128), d)
		case typ == 24 && l <= 24: // route information: a prefix of 0, 8 or 16 bytes
			a.prefixSum(o[8:l], min(int(o[2]), 128), d)
		case typ == 25 && l >= 24 && (l-8)%16 == 0: // recursive DNS servers
			for i := 8; i < l; i += 16 {
				a.addrSum(o[i:i+16], d, false)
			}
		case typ == 4 && l > 8: // redirected header: the start of the packet redirected
			q := o[8:l]
			before := sum16(q, false)
			if !a.quote(q, true) && reason == ReasonNone {
				reason = ReasonQuote
			}
			*d += uint64(fold(sum16(q, false))) + uint64(^fold(before))
		}
		o = o[l:]
	}
	return reason
}

func isDHCP(src, dst uint16) bool {
	return src == 67 || src == 68 || dst == 67 || dst == 68
}

// dhcpAddrOptions are the DHCP options (RFC 2132) whose value is a list of
// IPv4 addresses: routers, time, name, DNS, log, cookie, LPR, impress and
// resource location servers, NIS, NTP, NetBIOS name and datagram servers, X
// font and display servers, requested address, server identifier, NIS+,
// mobile IP home agents, SMTP, POP3, NNTP, WWW, finger, IRC, StreetTalk and
// STDA servers, TFTP server addresses (RFC 5859).
var dhcpAddrOptions = func() (m [256]bool) {
	for _, c := range []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 41, 42, 44, 45, 48, 49, 50, 54, 65, 68, 69, 70, 71, 72, 73,
		74, 75, 76, 150} {
		m[c] = true
	}
	return m
}()

// dhcp rewrites a DHCP or BOOTP message (RFC 2131): ciaddr, yiaddr,
// siaddr, giaddr, chaddr with --macs, and the address options, in the
// options field and in sname and file when option 52 says they hold
// options. The message starts at an even offset (after 8 bytes of UDP).
func (a *Anonymizer) dhcp(m []byte, d *uint64) Reason {
	if len(m) < 236 {
		return ReasonDHCP
	}
	for off := 12; off < 28; off += 4 {
		a.addrSum(m[off:off+4], d, false)
	}
	if a.opt.MACs && m[1] == 1 && m[2] == 6 {
		var old [6]byte
		copy(old[:], m[28:34])
		a.mapMAC(m[28:34])
		*d += delta(old[:], m[28:34], false)
	}
	if len(m) < 240 || binary.BigEndian.Uint32(m[236:240]) != 0x63825363 {
		return ReasonNone // BOOTP: a vendor area of no known layout
	}
	overload, ok := a.dhcpOptions(m, 240, len(m), d)
	if ok && overload&1 != 0 {
		_, ok = a.dhcpOptions(m, 108, 236, d) // file
	}
	if ok && overload&2 != 0 {
		_, ok = a.dhcpOptions(m, 44, 108, d) // sname
	}
	if !ok {
		return ReasonDHCP
	}
	return ReasonNone
}

// dhcpOptions rewrites the address options of m[start:end] and returns the
// value of option 52 (overload); false when the list is cut or invalid.
func (a *Anonymizer) dhcpOptions(m []byte, start, end int, d *uint64) (overload byte, ok bool) {
	for i := start; i < end; {
		switch code := m[i]; code {
		case 0:
			i++
			continue
		case 255:
			return overload, true
		}
		if i+2 > end || i+2+int(m[i+1]) > end {
			return overload, false
		}
		code, l, v := m[i], int(m[i+1]), i+2
		switch {
		case code == 52 && l == 1:
			overload = m[v]
		case dhcpAddrOptions[code]:
			if l%4 != 0 {
				return overload, false
			}
			for k := v; k < v+l; k += 4 {
				a.addrSum(m[k:k+4], d, k%2 == 1)
			}
		}
		i = v + l
	}
	return overload, true // a list may end with its field, without option 255
}
