package pcapio

import "encoding/binary"

// Lengths of the capture pseudo-headers below.
const (
	LinuxSLLLen  = 16 // LinuxSLL header
	LinuxSLL2Len = 20 // LinuxSLL2 header
	LoopbackLen  = 4  // Loopback header
)

// LinuxSLL is the Linux cooked capture header (link type 113) that
// tcpdump -i any wrote before libpcap 1.10.
type LinuxSLL struct {
	PacketType   uint16
	HardwareType uint16
	Addr         []byte // the first AddrLen bytes of the 8-byte field, at most 8
	AddrLen      uint16 // as recorded; may claim more than 8
	Protocol     uint16 // EtherType as on the wire
	Payload      []byte
}

// Decode reads b into s and reports whether b held 16 bytes.
func (s *LinuxSLL) Decode(b []byte) bool {
	if len(b) < LinuxSLLLen {
		return false
	}
	s.PacketType = binary.BigEndian.Uint16(b[0:2])
	s.HardwareType = binary.BigEndian.Uint16(b[2:4])
	s.AddrLen = binary.BigEndian.Uint16(b[4:6])
	s.Addr = b[6 : 6+min(int(s.AddrLen), 8)]
	s.Protocol = binary.BigEndian.Uint16(b[14:16])
	s.Payload = b[16:]
	return true
}

// LinuxSLL2 is the Linux cooked capture v2 header (link type 276) that
// tcpdump -i any writes with libpcap 1.10 and later.
type LinuxSLL2 struct {
	Protocol       uint16 // EtherType as on the wire
	InterfaceIndex uint32
	HardwareType   uint16
	PacketType     uint8
	AddrLen        uint8 // as recorded; may claim more than 8
	Addr           []byte
	Payload        []byte
}

// Decode reads b into s and reports whether b held 20 bytes.
func (s *LinuxSLL2) Decode(b []byte) bool {
	if len(b) < LinuxSLL2Len {
		return false
	}
	s.Protocol = binary.BigEndian.Uint16(b[0:2])
	s.InterfaceIndex = binary.BigEndian.Uint32(b[4:8])
	s.HardwareType = binary.BigEndian.Uint16(b[8:10])
	s.PacketType = b[10]
	s.AddrLen = b[11]
	s.Addr = b[12 : 12+min(int(s.AddrLen), 8)]
	s.Payload = b[20:]
	return true
}

// Loopback is the 4-byte address family header of BSD loopback captures:
// in the capturing host's byte order for link type 0 (NULL), big-endian for
// link type 108 (LOOP).
type Loopback struct {
	Family  uint32
	Payload []byte
}

// Decode reads b into l and reports whether b held 4 bytes. For host-order
// headers it does what libpcap does: the family is small, so a value whose
// low 16 bits are zero was written by a host of the other byte order.
func (l *Loopback) Decode(b []byte, bigEndian bool) bool {
	if len(b) < LoopbackLen {
		return false
	}
	if bigEndian {
		l.Family = binary.BigEndian.Uint32(b[0:4])
	} else {
		l.Family = binary.LittleEndian.Uint32(b[0:4])
		if l.Family&0xffff == 0 {
			l.Family = binary.BigEndian.Uint32(b[0:4])
		}
	}
	l.Payload = b[4:]
	return true
}
