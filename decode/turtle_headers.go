package decode

import "encoding/binary"

// The classroom decoders below fill reused structs and report only whether
// the bytes held the fixed part they unpack: the turtle format names the
// layer and the byte counts when they did not (see appendTruncated in
// turtle.go, and docs/turtle-format.md section 6). Lengths are checked first; every read after that is at a fixed
// offset inside the checked length, so no input can index out of range.

// swappedEtherType is the number the classroom code prints as the Ethernet
// protocol: socket.htons on a little-endian host swaps the two bytes, so
// IPv4 (0x0800) prints 8, ARP 1544, IPv6 56710.
func swappedEtherType(t uint16) uint16 { return t<<8 | t>>8 }

// turtleTCPHeaderLen is what the classroom code unpacks of a TCP header:
// only up to the flags.
const turtleTCPHeaderLen = 14

// swappedIPv4 is the swapped value the classroom code tests for IPv4.
const swappedIPv4 = 8

// turtleIPv4 is the part of an IPv4 header the classroom code prints. HeaderLength
// is IHL*4 used as is: below 20 or beyond the data, no check is made, and
// the payload is not trimmed to the Total Length, so padding stays in it.
type turtleIPv4 struct {
	Version      uint8
	HeaderLength int
	TTL          uint8
	Protocol     uint8
	Src, Dst     [4]byte
	Payload      []byte
}

// Decode reads b into ip and reports whether b held 20 bytes.
func (ip *turtleIPv4) Decode(b []byte) bool {
	if len(b) < ipv4HeaderLen {
		return false
	}
	ip.Version = b[0] >> 4
	ip.HeaderLength = int(b[0]&15) * 4
	ip.TTL = b[8]
	ip.Protocol = b[9]
	copy(ip.Src[:], b[12:16])
	copy(ip.Dst[:], b[16:20])
	ip.Payload = tail(b, ip.HeaderLength)
	return true
}

// turtleICMP is the fixed part of an ICMP header.
type turtleICMP struct {
	Type, Code uint8
	Checksum   uint16
	Payload    []byte
}

// Decode reads b into c and reports whether b held 4 bytes.
func (c *turtleICMP) Decode(b []byte) bool {
	if len(b) < icmpHeaderLen {
		return false
	}
	c.Type, c.Code = b[0], b[1]
	c.Checksum = binary.BigEndian.Uint16(b[2:4])
	c.Payload = b[4:]
	return true
}

// turtleTCP is the part of a TCP header the classroom code unpacks. Offset is the
// data offset in bytes, used as is (it may be below 14 or beyond the data).
type turtleTCP struct {
	SrcPort, DstPort uint16
	Sequence, Ack    uint32
	Offset           int
	Flags            uint16 // the low six bits: URG ACK PSH RST SYN FIN
	Payload          []byte
}

// Decode reads b into s and reports whether b held 14 bytes.
func (s *turtleTCP) Decode(b []byte) bool {
	if len(b) < turtleTCPHeaderLen {
		return false
	}
	s.SrcPort = binary.BigEndian.Uint16(b[0:2])
	s.DstPort = binary.BigEndian.Uint16(b[2:4])
	s.Sequence = binary.BigEndian.Uint32(b[4:8])
	s.Ack = binary.BigEndian.Uint32(b[8:12])
	orf := binary.BigEndian.Uint16(b[12:14])
	s.Offset = int(orf>>12) * 4
	s.Flags = orf & 0x3f
	s.Payload = tail(b, s.Offset)
	return true
}

// turtleUDP is a UDP header; Length is the header's own length field.
type turtleUDP struct {
	SrcPort, DstPort uint16
	Length           uint16
	Payload          []byte
}

// Decode reads b into u and reports whether b held 8 bytes.
func (u *turtleUDP) Decode(b []byte) bool {
	if len(b) < udpHeaderLen {
		return false
	}
	u.SrcPort = binary.BigEndian.Uint16(b[0:2])
	u.DstPort = binary.BigEndian.Uint16(b[2:4])
	u.Length = binary.BigEndian.Uint16(b[4:6])
	u.Payload = b[8:]
	return true
}

// tail is Python's b[n:]: empty, not an error, when n is beyond the end.
func tail(b []byte, n int) []byte {
	if n >= len(b) {
		return b[len(b):]
	}
	return b[n:]
}
