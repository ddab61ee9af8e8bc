package decode

import (
	"encoding/binary"
	"net/netip"
)

// IPv6Header is an IPv6 header and its extension headers.
type IPv6Header struct {
	Version       uint8
	TrafficClass  uint8
	FlowLabel     uint32
	PayloadLength uint16
	NextHeader    uint8
	HopLimit      uint8
	Src, Dst      netip.Addr
	Ext           [MaxIPv6Ext]IPv6Ext
	NumExt        int
	Protocol      uint8 // the upper-layer protocol after the extension headers
	Payload       []byte
	Missing       int // bytes of the packet (per its payload length) not in the frame
}

// MaxIPv6Ext is how many extension headers a Packet keeps; a packet with
// more is marked invalid.
const MaxIPv6Ext = 8

// IPv6Ext is one extension header: its type (the Next Header value that
// introduced it), the header after it, and all its bytes.
type IPv6Ext struct {
	Type uint8
	Next uint8
	Data []byte // the whole extension header
}

// Fragment returns the fields of a Fragment header (Type 44).
func (e *IPv6Ext) Fragment() (offset uint16, more bool, id uint32) {
	fo := binary.BigEndian.Uint16(e.Data[2:4])
	return fo >> 3, fo&1 != 0, binary.BigEndian.Uint32(e.Data[4:8])
}

const ipv6HeaderLen = 40

// isIPv6Ext reports whether a Next Header value names an extension header
// turtle steps over.
func isIPv6Ext(t uint8) bool {
	switch t {
	case 0, 43, 44, 51, 60, 135, 139, 140:
		return true
	}
	return false
}

func (p *Packet) decodeIPv6(b []byte) {
	ip := &p.IPv6
	if len(b) < ipv6HeaderLen {
		p.Payload = b
		p.truncated(ProblemIPv6, "", len(b), ipv6HeaderLen)
		return
	}
	vtf := binary.BigEndian.Uint32(b[0:4])
	ip.Version = uint8(vtf >> 28)
	ip.TrafficClass = uint8(vtf >> 20)
	ip.FlowLabel = vtf & 0xfffff
	ip.PayloadLength = binary.BigEndian.Uint16(b[4:6])
	ip.NextHeader = b[6]
	ip.HopLimit = b[7]
	ip.Src = netip.AddrFrom16([16]byte(b[8:24]))
	ip.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	ip.NumExt, ip.Payload, ip.Missing = 0, nil, 0
	ip.Protocol = ip.NextHeader
	p.Layers |= LayerIPv6
	if ip.Version != 6 {
		p.Payload = b[ipv6HeaderLen:]
		p.invalid(ProblemIPv6, "version", int(ip.Version), "want 6")
		return
	}
	body := b[ipv6HeaderLen:]
	// A payload length of 0 with a Hop-by-Hop header may be a jumbogram:
	// then the frame's length is all there is to go by.
	if n := int(ip.PayloadLength); n != 0 || ip.NextHeader != 0 {
		if n < len(body) {
			p.Trailer = body[n:]
			body = body[:n]
		} else {
			ip.Missing = n - len(body)
		}
	}
	whole := ip.Missing == 0
	fragment := false // a first fragment with more to come
	next := ip.NextHeader
	for isIPv6Ext(next) {
		if ip.NumExt == MaxIPv6Ext {
			p.Payload = body
			p.invalid(ProblemIPv6, "extension headers", ip.NumExt+1, "at most 8 are decoded")
			return
		}
		n := 8
		if len(body) >= 2 {
			switch next {
			case 44:
				n = 8
			case 51: // AH counts 32-bit words, less 2
				n = (int(body[1]) + 2) * 4
			default:
				n = (int(body[1]) + 1) * 8
			}
		}
		if len(body) < n {
			p.Payload = body
			p.truncated(ProblemIPv6, "extension header", len(body), n)
			return
		}
		e := &ip.Ext[ip.NumExt]
		ip.NumExt++
		e.Type, e.Next, e.Data = next, body[0], body[:n]
		body = body[n:]
		next = e.Next
		if e.Type == 44 {
			off, more, _ := e.Fragment()
			if off != 0 {
				ip.Protocol, ip.Payload = next, body
				p.Payload = body
				p.Fragment = true
				return
			}
			whole = whole && !more
			fragment = fragment || more
		}
	}
	ip.Protocol, ip.Payload = next, body
	if next == 59 {
		p.Payload = body
		return
	}
	// As for IPv4: UDP's checksum covers what its own length names.
	p.transport(next, body, whole || next == 17 && !fragment)
}

// nextIPv6Option steps through the TLV options of a Hop-by-Hop or
// Destination Options header (the bytes after its first two). Pad1 has no
// length. bad is set when an option does not fit.
func nextIPv6Option(b []byte) (kind uint8, data, rest []byte, ok, bad bool) {
	if len(b) == 0 {
		return 0, nil, nil, false, false
	}
	kind = b[0]
	if kind == 0 {
		return 0, nil, b[1:], true, false
	}
	if len(b) < 2 || 2+int(b[1]) > len(b) {
		return kind, b[1:], nil, true, true
	}
	return kind, b[2 : 2+b[1]], b[2+b[1]:], true, false
}
