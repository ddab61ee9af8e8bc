package decode

import "encoding/binary"

// ICMPHeader is an ICMP (v4) message: type, code, checksum, the 4 bytes
// after them whose meaning depends on the type, and the body.
type ICMPHeader struct {
	Type, Code uint8
	Checksum   Checksum
	Rest       [4]byte // identifier and sequence, gateway, pointer, MTU...
	HasRest    bool    // the message held the 4 bytes of Rest
	Body       []byte  // after the first 8 bytes
}

func (p *Packet) decodeICMP(b []byte, verify bool) {
	c := &p.ICMP
	if len(b) < icmpHeaderLen {
		p.Payload = b
		p.truncated(ProblemICMP, "", len(b), icmpHeaderLen)
		return
	}
	p.Layers |= LayerICMP
	c.Type, c.Code = b[0], b[1]
	c.Checksum = Checksum{Value: binary.BigEndian.Uint16(b[2:4])}
	if verify {
		c.Checksum.verify(b, 2, 0)
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

// icmpHasIDSeq reports whether Rest holds an identifier and a sequence
// number: echo, timestamp, information and address mask messages.
func icmpHasIDSeq(t uint8) bool {
	switch t {
	case 0, 8, 13, 14, 15, 16, 17, 18:
		return true
	}
	return false
}

// ICMPIsError reports whether an ICMP (v4) message of type t is an error
// whose body quotes the datagram in error: destination unreachable, source
// quench, redirect, time exceeded, parameter problem.
func ICMPIsError(t uint8) bool {
	switch t {
	case 3, 4, 5, 11, 12:
		return true
	}
	return false
}

// ICMPv6IsError reports whether an ICMPv6 message of type t is an error
// whose body quotes the invoking packet: destination unreachable, packet
// too big, time exceeded, parameter problem (RFC 4443 3.1 to 3.4). RFC
// 4443 2.1 makes every type below 128 an error message, but only these four
// are defined to carry "as much of invoking packet as possible"; the others
// (0, 100 and 101 for private experiments, 127 reserved, the unassigned
// rest) have bodies of no known format, so reading one as a quoted packet
// would invent a conversation. This is the one definition draw, the
// verbose view, flow and anonymize share.
func ICMPv6IsError(t uint8) bool { return t >= 1 && t <= 4 }

// icmpTypeName names the ICMP types of the IANA registry still in use.
func icmpTypeName(t uint8) string {
	switch t {
	case 0:
		return "echo reply"
	case 3:
		return "destination unreachable"
	case 4:
		return "source quench"
	case 5:
		return "redirect"
	case 8:
		return "echo request"
	case 9:
		return "router advertisement"
	case 10:
		return "router solicitation"
	case 11:
		return "time exceeded"
	case 12:
		return "parameter problem"
	case 13:
		return "timestamp request"
	case 14:
		return "timestamp reply"
	case 15:
		return "information request"
	case 16:
		return "information reply"
	case 17:
		return "address mask request"
	case 18:
		return "address mask reply"
	case 42:
		return "extended echo request"
	case 43:
		return "extended echo reply"
	}
	return ""
}

// icmpCodeName names the codes of the types that have several.
func icmpCodeName(t, c uint8) string {
	switch t {
	case 3:
		switch c {
		case 0:
			return "net unreachable"
		case 1:
			return "host unreachable"
		case 2:
			return "protocol unreachable"
		case 3:
			return "port unreachable"
		case 4:
			return "fragmentation needed"
		case 5:
			return "source route failed"
		case 6:
			return "destination network unknown"
		case 7:
			return "destination host unknown"
		case 8:
			return "source host isolated"
		case 9:
			return "network administratively prohibited"
		case 10:
			return "host administratively prohibited"
		case 11:
			return "network unreachable for TOS"
		case 12:
			return "host unreachable for TOS"
		case 13:
			return "communication administratively prohibited"
		case 14:
			return "host precedence violation"
		case 15:
			return "precedence cutoff in effect"
		}
	case 5:
		switch c {
		case 0:
			return "redirect for network"
		case 1:
			return "redirect for host"
		case 2:
			return "redirect for TOS and network"
		case 3:
			return "redirect for TOS and host"
		}
	case 11:
		switch c {
		case 0:
			return "TTL exceeded in transit"
		case 1:
			return "fragment reassembly time exceeded"
		}
	case 12:
		switch c {
		case 0:
			return "pointer indicates the error"
		case 1:
			return "missing a required option"
		case 2:
			return "bad length"
		}
	}
	return ""
}
