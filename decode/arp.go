package decode

import "encoding/binary"

// ARP is an ARP or RARP message of any hardware and protocol type; the
// addresses are as long as the header says.
type ARP struct {
	HType, PType uint16
	HLen, PLen   uint8
	Op           uint16
	SenderHW     []byte
	SenderProto  []byte
	TargetHW     []byte
	TargetProto  []byte
}

const arpFixedLen = 8

func (p *Packet) decodeARP(b []byte) {
	a := &p.ARP
	if len(b) < arpFixedLen {
		p.Payload = b
		p.truncated(ProblemARP, "", len(b), arpFixedLen)
		return
	}
	a.HType = binary.BigEndian.Uint16(b[0:2])
	a.PType = binary.BigEndian.Uint16(b[2:4])
	a.HLen, a.PLen = b[4], b[5]
	a.Op = binary.BigEndian.Uint16(b[6:8])
	h, pl := int(a.HLen), int(a.PLen)
	need := arpFixedLen + 2*(h+pl)
	if len(b) < need {
		p.Payload = b[arpFixedLen:]
		p.truncated(ProblemARP, "addresses", len(b), need)
		return
	}
	off := arpFixedLen
	a.SenderHW, off = b[off:off+h], off+h
	a.SenderProto, off = b[off:off+pl], off+pl
	a.TargetHW, off = b[off:off+h], off+h
	a.TargetProto, off = b[off:off+pl], off+pl
	p.Layers |= LayerARP
	p.Trailer = b[off:]
}

// appendARPProto appends a protocol address: dotted IPv4 when it is one.
func appendARPProto(dst []byte, a *ARP, addr []byte) []byte {
	if a.PType == 0x0800 && len(addr) == 4 {
		return appendIPv4(dst, [4]byte(addr))
	}
	return appendMAC(dst, addr, lowerHex)
}
