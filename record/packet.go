package record

import (
	"encoding/binary"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Packet is one captured frame: its capture metadata and its bytes.
type Packet struct {
	Info pcapio.CaptureInfo
	Data []byte
}

// IP protocol numbers the recorder looks into.
const (
	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17
)

// TCP flag bits (the 13th byte of the header).
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagACK = 0x10
)

// network says what a frame carries above its link layer.
type network uint8

const (
	netOther network = iota // not IP, or a link type the recorder does not know
	netIPv4
	netIPv6
)

// networkOffset finds the network header in a frame of link type lt: its
// offset and whether it is IPv4 or IPv6. It knows the link types a Linux
// capture produces (Ethernet, with 802.1Q tags, cooked v1 and v2, raw IP)
// and the BSD loopback headers.
func networkOffset(lt pcapio.LinkType, b []byte) (int, network) {
	etherType := func(t uint16, off int) (int, network) {
		switch t {
		case 0x0800:
			return off, netIPv4
		case 0x86dd:
			return off, netIPv6
		}
		return 0, netOther
	}
	switch lt {
	case pcapio.LinkTypeEthernet:
		off := 12
		for len(b) >= off+2 {
			t := binary.BigEndian.Uint16(b[off:])
			if t != 0x8100 && t != 0x88a8 {
				return etherType(t, off+2)
			}
			off += 4
		}
	case pcapio.LinkTypeRaw, 228, 229:
		if len(b) == 0 {
			return 0, netOther
		}
		switch {
		case lt == 228 || lt == pcapio.LinkTypeRaw && b[0]>>4 == 4:
			return 0, netIPv4
		case lt == 229 || lt == pcapio.LinkTypeRaw && b[0]>>4 == 6:
			return 0, netIPv6
		}
	case pcapio.LinkTypeLinuxSLL:
		if len(b) >= 16 {
			return etherType(binary.BigEndian.Uint16(b[14:]), 16)
		}
	case pcapio.LinkTypeLinuxSLL2:
		if len(b) >= 20 {
			return etherType(binary.BigEndian.Uint16(b[0:]), 20)
		}
	case pcapio.LinkTypeNull, pcapio.LinkTypeLoop:
		if len(b) >= 4 {
			fam := binary.LittleEndian.Uint32(b)
			if lt == pcapio.LinkTypeLoop || fam&0xffff == 0 {
				fam = binary.BigEndian.Uint32(b)
			}
			switch fam {
			case 2:
				return 4, netIPv4
			case 10, 24, 28, 30:
				return 4, netIPv6
			}
		}
	}
	return 0, netOther
}

// summary is what the recorder's bookkeeping needs of one IPv4 packet.
type summary struct {
	proto        uint8
	src, dst     [4]byte
	sport, dport uint16 // TCP and UDP
	flags        uint8  // TCP
	seq, ack     uint32 // TCP
	payload      int    // TCP or UDP payload bytes, ICMP bytes after the 8-byte header
	icmpType     uint8
	icmpCode     uint8
	echoID       uint16 // ICMP echo request or reply
	echoSeq      uint16

	// For ICMP errors: the datagram they quote.
	quoted         bool
	qproto         uint8
	qsrc, qdst     [4]byte
	qsport, qdport uint16
}

// summarize parses the IPv4 packet in a frame of link type lt. ok is false
// for anything else and for packets too short to tell.
func summarize(lt pcapio.LinkType, b []byte) (s summary, ok bool) {
	off, nw := networkOffset(lt, b)
	if nw != netIPv4 {
		return s, false
	}
	ip := b[off:]
	if len(ip) < 20 || ip[0]>>4 != 4 {
		return s, false
	}
	ihl := int(ip[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if ihl < 20 || total < ihl || len(ip) < ihl {
		return s, false
	}
	if total < len(ip) {
		ip = ip[:total] // Ethernet padding
	}
	s.proto = ip[9]
	copy(s.src[:], ip[12:16])
	copy(s.dst[:], ip[16:20])
	if binary.BigEndian.Uint16(ip[6:])&0x1fff != 0 {
		return s, true // a later fragment: no transport header
	}
	t := ip[ihl:]
	switch s.proto {
	case protoTCP:
		if len(t) < 20 {
			return s, false
		}
		s.sport, s.dport = binary.BigEndian.Uint16(t), binary.BigEndian.Uint16(t[2:])
		s.seq, s.ack = binary.BigEndian.Uint32(t[4:]), binary.BigEndian.Uint32(t[8:])
		s.flags = t[13]
		doff := int(t[12]>>4) * 4
		s.payload = max(total-ihl-doff, 0)
	case protoUDP:
		if len(t) < 8 {
			return s, false
		}
		s.sport, s.dport = binary.BigEndian.Uint16(t), binary.BigEndian.Uint16(t[2:])
		s.payload = max(total-ihl-8, 0)
	case protoICMP:
		if len(t) < 8 {
			return s, false
		}
		s.icmpType, s.icmpCode = t[0], t[1]
		s.payload = max(total-ihl-8, 0)
		switch {
		case isEcho(t[0]):
			s.echoID, s.echoSeq = binary.BigEndian.Uint16(t[4:]), binary.BigEndian.Uint16(t[6:])
		case isICMPError(t[0]):
			q := t[8:]
			if len(q) >= 20 && q[0]>>4 == 4 {
				qihl := int(q[0]&0x0f) * 4
				s.quoted = true
				s.qproto = q[9]
				copy(s.qsrc[:], q[12:16])
				copy(s.qdst[:], q[16:20])
				if qihl >= 20 && len(q) >= qihl+4 && (s.qproto == protoTCP || s.qproto == protoUDP) {
					s.qsport = binary.BigEndian.Uint16(q[qihl:])
					s.qdport = binary.BigEndian.Uint16(q[qihl+2:])
				}
			}
		}
	}
	return s, true
}

// isEcho reports whether an ICMP type is an echo request (8) or reply (0).
func isEcho(typ uint8) bool { return typ == 0 || typ == 8 }

// isICMPError reports whether an ICMP type quotes the datagram it is about:
// destination unreachable, source quench, redirect, time exceeded,
// parameter problem.
func isICMPError(typ uint8) bool {
	switch typ {
	case 3, 4, 5, 11, 12:
		return true
	}
	return false
}

// checksum is the Internet checksum of b, whose checksum field must be
// zero, plus the partial sum of a pseudo-header (gopacket's RFC 1071 code).
func checksum(b []byte, pseudo uint32) uint16 {
	return gopacket.FoldChecksum(gopacket.ComputeChecksum(b, pseudo))
}

// pseudoSum is the sum of the IPv4 pseudo-header of a TCP or UDP segment
// of n bytes.
func pseudoSum(src, dst []byte, proto uint8, n int) uint32 {
	var ph [12]byte
	copy(ph[0:4], src)
	copy(ph[4:8], dst)
	ph[9] = proto
	binary.BigEndian.PutUint16(ph[10:], uint16(n))
	return gopacket.ComputeChecksum(ph[:], 0)
}

// DefaultEpoch is where normalized timestamps begin: the first frame of a
// normalized recording is stamped 2000-01-01 00:00:00 UTC.
var DefaultEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
