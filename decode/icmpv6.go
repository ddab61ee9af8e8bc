package decode

import "encoding/binary"

// ICMPv6Header is an ICMPv6 message: type, code, checksum (over the IPv6
// pseudo-header), the 4 bytes after them and the body.
type ICMPv6Header struct {
	Type, Code uint8
	Checksum   Checksum
	Rest       [4]byte // identifier and sequence, MTU, pointer, flags...
	HasRest    bool
	Body       []byte // after the first 8 bytes
}

func (p *Packet) decodeICMPv6(b []byte, verify bool) {
	c := &p.ICMPv6
	if len(b) < icmpHeaderLen {
		p.Payload = b
		p.truncated(ProblemICMPv6, "", len(b), icmpHeaderLen)
		return
	}
	p.Layers |= LayerICMPv6
	c.Type, c.Code = b[0], b[1]
	c.Checksum = Checksum{Value: binary.BigEndian.Uint16(b[2:4])}
	if verify && p.Layers&LayerIPv6 != 0 {
		c.Checksum.verify(b, 2, p.pseudoSum(58, len(b)))
	}
	c.HasRest = len(b) >= 8
	c.Body = nil
	if !c.HasRest {
		p.Payload = b[4:]
		return
	}
	copy(c.Rest[:], b[4:8])
	c.Body = b[8:]
	p.Payload = c.Body
}

// icmpv6NDTarget reports whether the body starts with a target address
// (neighbor solicitation and advertisement, redirect).
func icmpv6NDTarget(t uint8) bool { return t == 135 || t == 136 || t == 137 }

// icmpv6Options returns the Neighbor Discovery options of a message, or
// nil for types that carry none.
func icmpv6Options(c *ICMPv6Header) []byte {
	switch c.Type {
	case 133: // router solicitation: reserved, then options
		return c.Body
	case 134: // router advertisement: reachable and retrans timers
		return tail(c.Body, 8)
	case 135, 136:
		return tail(c.Body, 16)
	case 137:
		return tail(c.Body, 32)
	}
	return nil
}

// nextNDOption steps through Neighbor Discovery options (type, length in
// 8-byte units, data). bad is set on a zero length or one that does not fit.
func nextNDOption(b []byte) (kind uint8, data, rest []byte, ok, bad bool) {
	if len(b) == 0 {
		return 0, nil, nil, false, false
	}
	kind = b[0]
	if len(b) < 2 || b[1] == 0 || int(b[1])*8 > len(b) {
		return kind, b[1:], nil, true, true
	}
	n := int(b[1]) * 8
	return kind, b[2:n], b[n:], true, false
}

func icmpv6TypeName(t uint8) string {
	switch t {
	case 1:
		return "destination unreachable"
	case 2:
		return "packet too big"
	case 3:
		return "time exceeded"
	case 4:
		return "parameter problem"
	case 128:
		return "echo request"
	case 129:
		return "echo reply"
	case 130:
		return "multicast listener query"
	case 131:
		return "multicast listener report"
	case 132:
		return "multicast listener done"
	case 133:
		return "router solicitation"
	case 134:
		return "router advertisement"
	case 135:
		return "neighbor solicitation"
	case 136:
		return "neighbor advertisement"
	case 137:
		return "redirect"
	case 143:
		return "multicast listener report v2"
	}
	return ""
}

func icmpv6CodeName(t, c uint8) string {
	switch t {
	case 1:
		switch c {
		case 0:
			return "no route to destination"
		case 1:
			return "administratively prohibited"
		case 2:
			return "beyond scope of source address"
		case 3:
			return "address unreachable"
		case 4:
			return "port unreachable"
		case 5:
			return "source address failed policy"
		case 6:
			return "reject route to destination"
		}
	case 3:
		switch c {
		case 0:
			return "hop limit exceeded in transit"
		case 1:
			return "fragment reassembly time exceeded"
		}
	case 4:
		switch c {
		case 0:
			return "erroneous header field"
		case 1:
			return "unrecognized next header"
		case 2:
			return "unrecognized IPv6 option"
		}
	}
	return ""
}

func ndOptionName(t uint8) string {
	switch t {
	case 1:
		return "source link-layer address"
	case 2:
		return "target link-layer address"
	case 3:
		return "prefix information"
	case 4:
		return "redirected header"
	case 5:
		return "MTU"
	case 25:
		return "recursive DNS server"
	}
	return ""
}
