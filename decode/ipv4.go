package decode

import (
	"encoding/binary"
	"net/netip"
)

// IPv4Header is an IPv4 header with every field, its options and its
// verified checksum.
type IPv4Header struct {
	Version     uint8
	IHL         uint8 // header length in 32-bit words
	TOS         uint8 // DSCP (high 6 bits) and ECN (low 2)
	TotalLength uint16
	ID          uint16
	Flags       uint8  // 3 bits: reserved, DF, MF
	FragOffset  uint16 // in 8-byte units
	TTL         uint8
	Protocol    uint8
	Checksum    Checksum
	Src, Dst    netip.Addr
	Options     []byte
	Payload     []byte
	// Header is the whole header, options included, as captured: set
	// when Options is (the header fits the data and IHL is at least 5),
	// so that a caller can rewrite fields in place.
	Header []byte
	// Missing is how many bytes of the datagram (per its total length)
	// are not in the frame.
	Missing int
}

// IPv4 flag bits in IPv4Header.Flags.
const (
	IPv4MoreFragments = 1
	IPv4DontFragment  = 2
	IPv4Reserved      = 4
)

func (p *Packet) decodeIPv4(b []byte) {
	ip := &p.IPv4
	if len(b) < ipv4HeaderLen {
		p.Payload = b
		p.truncated(ProblemIPv4, "", len(b), ipv4HeaderLen)
		return
	}
	ip.Version = b[0] >> 4
	ip.IHL = b[0] & 15
	ip.TOS = b[1]
	ip.TotalLength = binary.BigEndian.Uint16(b[2:4])
	ip.ID = binary.BigEndian.Uint16(b[4:6])
	ff := binary.BigEndian.Uint16(b[6:8])
	ip.Flags = uint8(ff >> 13)
	ip.FragOffset = ff & 0x1fff
	ip.TTL = b[8]
	ip.Protocol = b[9]
	ip.Checksum = Checksum{Value: binary.BigEndian.Uint16(b[10:12])}
	ip.Src = netip.AddrFrom4([4]byte(b[12:16]))
	ip.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	ip.Options, ip.Payload, ip.Header, ip.Missing = nil, nil, nil, 0
	p.Layers |= LayerIPv4

	hl := int(ip.IHL) * 4
	switch {
	case ip.Version != 4:
		p.Payload = b[ipv4HeaderLen:]
		p.invalid(ProblemIPv4, "version", int(ip.Version), "want 4")
		return
	case ip.IHL < 5:
		p.Payload = b[ipv4HeaderLen:]
		p.invalid(ProblemIPv4, "ihl", int(ip.IHL), "below 5")
		return
	case len(b) < hl:
		p.Payload = b[ipv4HeaderLen:]
		p.truncated(ProblemIPv4, "options", len(b), hl)
		return
	}
	ip.Options = b[ipv4HeaderLen:hl]
	ip.Header = b[:hl]
	if !p.noVerify {
		ip.Checksum.verify(b[:hl], 10, 0)
	}
	total := int(ip.TotalLength)
	if total < hl {
		p.Payload = b[hl:]
		p.invalid(ProblemIPv4, "total length", total, "below the header length")
		return
	}
	end := min(total, len(b))
	ip.Missing = total - end
	ip.Payload = b[hl:end]
	if end < len(b) {
		p.Trailer = b[end:]
	}
	if ip.FragOffset != 0 {
		p.Payload = ip.Payload
		p.Fragment = true
		return
	}
	// UDP's checksum covers the bytes its own length field names, so a
	// datagram captured whole is judged even when the total length claims
	// more (tcpdump and tshark do too); TCP's and ICMP's cover what the
	// total length says.
	whole := (ip.Missing == 0 || ip.Protocol == 17) && ip.Flags&IPv4MoreFragments == 0
	p.transport(ip.Protocol, ip.Payload, whole)
}

// ipv4Option is one option of an IPv4 header: kind, and for options
// other than EOL and NOP the data after the kind and length bytes.
// nextIPv4Option returns ok false at the end; bad is set when the length
// byte is missing or does not fit (the rest is then not parsed).
func nextIPv4Option(b []byte) (kind uint8, data, rest []byte, ok, bad bool) {
	if len(b) == 0 {
		return 0, nil, nil, false, false
	}
	kind = b[0]
	if kind == 0 || kind == 1 {
		if kind == 0 { // end of options list: the rest is padding
			return kind, nil, nil, true, false
		}
		return kind, nil, b[1:], true, false
	}
	if len(b) < 2 || b[1] < 2 || int(b[1]) > len(b) {
		return kind, b[1:], nil, true, true
	}
	return kind, b[2:b[1]], b[b[1]:], true, false
}
