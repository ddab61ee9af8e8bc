package decode

import "encoding/binary"

// UDPHeader is a UDP header with its verified checksum.
type UDPHeader struct {
	SrcPort, DstPort uint16
	Length           uint16
	Checksum         Checksum
	Payload          []byte
	Missing          int // bytes of the datagram (per its length) not captured
}

func (p *Packet) decodeUDP(b []byte, verify bool) {
	u := &p.UDP
	if len(b) < udpHeaderLen {
		p.Payload = b
		p.truncated(ProblemUDP, "", len(b), udpHeaderLen)
		return
	}
	u.SrcPort = binary.BigEndian.Uint16(b[0:2])
	u.DstPort = binary.BigEndian.Uint16(b[2:4])
	u.Length = binary.BigEndian.Uint16(b[4:6])
	u.Checksum = Checksum{Value: binary.BigEndian.Uint16(b[6:8])}
	u.Payload, u.Missing = nil, 0
	p.Layers |= LayerUDP
	n := int(u.Length)
	if n < udpHeaderLen {
		p.Payload = b[udpHeaderLen:]
		p.invalid(ProblemUDP, "length", n, "below 8")
		return
	}
	if n > len(b) {
		u.Missing = n - len(b)
		n = len(b)
		verify = false
	}
	seg := b[:n]
	switch {
	case u.Checksum.Value == 0 && p.Layers&LayerIPv6 == 0:
		u.Checksum.Status = ChecksumNone
	case verify:
		u.Checksum.verify(seg, 6, p.pseudoSum(17, len(seg)))
		// A sum of 0 is sent as 0xffff (RFC 768); 0 itself never fits.
		if u.Checksum.Status == ChecksumBad && u.Checksum.Want == 0 {
			u.Checksum.Want = 0xffff
		}
	}
	u.Payload = seg[udpHeaderLen:]
	p.Payload = u.Payload
	p.application(u.SrcPort, u.DstPort, u.Payload, false)
}

// application decodes the protocols turtle knows above TCP and UDP: DNS
// by port (53, 5353 mDNS, 5355 LLMNR), HTTP/1.x by its first line.
func (p *Packet) application(sport, dport uint16, b []byte, tcp bool) {
	if len(b) == 0 {
		return
	}
	if isDNSPort(sport) || isDNSPort(dport) {
		if !tcp {
			p.decodeDNS(b, false)
			return
		}
		// DNS over TCP: a 2-byte length, then the message; only a
		// message whole in this segment is decoded.
		if len(b) >= 2 && int(binary.BigEndian.Uint16(b)) == len(b)-2 {
			p.decodeDNS(b[2:], true)
		}
		return
	}
	if tcp {
		p.decodeHTTP(b)
	}
}

func isDNSPort(port uint16) bool { return port == 53 || port == 5353 || port == 5355 }
