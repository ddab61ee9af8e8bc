package decode

import "encoding/binary"

// Ethernet is an Ethernet II header as the classroom code reads it: no VLAN
// unwrapping, no FCS, everything after the EtherType is payload.
type Ethernet struct {
	Dst, Src  [6]byte
	EtherType uint16 // as on the wire (0x0800 for IPv4)
	Payload   []byte
}

// Decode reads b into e and reports whether b held a whole header.
func (e *Ethernet) Decode(b []byte) bool {
	if len(b) < ethernetHeaderLen {
		return false
	}
	copy(e.Dst[:], b[0:6])
	copy(e.Src[:], b[6:12])
	e.EtherType = binary.BigEndian.Uint16(b[12:14])
	e.Payload = b[14:]
	return true
}

// LLC is the IEEE 802.2 header of an 802.3 frame (length instead of an
// EtherType), with the SNAP extension when DSAP and SSAP are 0xaa.
type LLC struct {
	Length     uint16 // the 802.3 length field
	DSAP, SSAP uint8
	Control    uint16 // one byte, or two for I and S frames
	SNAP       bool
	OUI        [3]byte
	SNAPType   uint16 // the EtherType a SNAP header names when OUI is 0
}

// decodeEthernet reads an Ethernet II or 802.3 frame. The frame check
// sequence is not recognised (nothing in a capture says whether it is
// there); it ends up in the trailer.
func (p *Packet) decodeEthernet(b []byte) {
	if !p.Eth.Decode(b) {
		p.Payload = b
		p.truncated(ProblemEthernet, "", len(b), ethernetHeaderLen)
		return
	}
	p.Layers |= LayerEthernet
	if p.Eth.EtherType >= 0x0600 {
		p.network(p.Eth.EtherType, p.Eth.Payload)
		return
	}
	// 802.3: the field is the length of the LLC data; the rest is padding.
	l := &p.LLC
	l.Length = p.Eth.EtherType
	body := p.Eth.Payload
	if int(l.Length) < len(body) {
		p.Trailer = body[l.Length:]
		body = body[:l.Length]
	}
	if len(body) < 3 {
		p.Payload = body
		p.truncated(ProblemLLC, "", len(body), 3)
		return
	}
	l.DSAP, l.SSAP = body[0], body[1]
	l.Control = uint16(body[2])
	n := 3
	if body[2]&3 != 3 { // I and S frames have a 2-byte control field
		if len(body) < 4 {
			p.Payload = body
			p.truncated(ProblemLLC, "", len(body), 4)
			return
		}
		l.Control = binary.BigEndian.Uint16(body[2:4])
		n = 4
	}
	l.SNAP = l.DSAP == 0xaa && l.SSAP == 0xaa && n == 3
	p.Layers |= LayerLLC
	if !l.SNAP {
		p.Payload = body[n:]
		return
	}
	if len(body) < 8 {
		p.Payload = body[n:]
		p.truncated(ProblemLLC, "snap", len(body), 8)
		return
	}
	copy(l.OUI[:], body[3:6])
	l.SNAPType = binary.BigEndian.Uint16(body[6:8])
	if l.OUI != [3]byte{} {
		p.Payload = body[8:]
		return
	}
	p.network(l.SNAPType, body[8:])
}
