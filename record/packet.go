package record

import (
	"encoding/binary"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Frame is one captured frame: its capture metadata and its bytes.
type Frame struct {
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
	flagFIN = decode.TCPFlagFIN
	flagSYN = decode.TCPFlagSYN
	flagRST = decode.TCPFlagRST
	flagACK = decode.TCPFlagACK
)

// dissector finds the layers of a frame with the project's decoder: the
// frame itself, and the datagram an ICMP error quotes. The recorder reads
// fields from the decoded headers and rewrites them through the slices
// the decoder points into the frame. Keep one per goroutine: decoding
// reuses the two packets.
type dissector struct {
	pkt, quoted decode.Packet
}

// decodeQuoted decodes the IPv4 datagram an ICMP error quotes, cut short
// or not, and reports whether its header is there whole.
func (d *dissector) decodeQuoted(q []byte) bool {
	d.quoted.Decode(pcapio.LinkTypeIPv4, q)
	return d.quoted.IPv4.Header != nil && d.quoted.Layers&decode.LayerIPv4 != 0
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

// summarize decodes the IPv4 packet in a frame of link type lt. ok is
// false for anything else and for packets too short to tell: an IPv4
// header the decoder finds cut or invalid, or a TCP, UDP or ICMP header
// shorter than 20, 8 and 8 bytes.
func (d *dissector) summarize(lt pcapio.LinkType, b []byte) (s summary, ok bool) {
	p := &d.pkt
	p.Decode(lt, b)
	if p.Layers&decode.LayerIPv4 == 0 || p.Problem.Layer == decode.ProblemIPv4 {
		return s, false
	}
	ip := &p.IPv4
	s.proto = ip.Protocol
	s.src, s.dst = ip.Src.As4(), ip.Dst.As4()
	if p.Fragment {
		return s, true // a later fragment: no transport header
	}
	// The payload sizes follow the IPv4 total length, as the sender meant
	// them, whatever the capture kept.
	transport := int(ip.TotalLength) - int(ip.IHL)*4
	switch s.proto {
	case protoTCP:
		if p.Layers&decode.LayerTCP == 0 {
			return s, false
		}
		t := &p.TCP
		s.sport, s.dport = t.SrcPort, t.DstPort
		s.seq, s.ack = t.Seq, t.Ack
		s.flags = uint8(t.Flags)
		s.payload = max(transport-int(t.DataOffset)*4, 0)
	case protoUDP:
		if p.Layers&decode.LayerUDP == 0 {
			return s, false
		}
		s.sport, s.dport = p.UDP.SrcPort, p.UDP.DstPort
		s.payload = max(transport-8, 0)
	case protoICMP:
		c := &p.ICMP
		if p.Layers&decode.LayerICMP == 0 || !c.HasRest {
			return s, false
		}
		s.icmpType, s.icmpCode = c.Type, c.Code
		s.payload = max(transport-8, 0)
		switch {
		case isEcho(c.Type):
			s.echoID, s.echoSeq = binary.BigEndian.Uint16(c.Rest[0:2]), binary.BigEndian.Uint16(c.Rest[2:4])
		case decode.ICMPIsError(c.Type):
			d.quoted.Decode(pcapio.LinkTypeIPv4, c.Body)
			q := &d.quoted
			if q.Layers&decode.LayerIPv4 == 0 || q.IPv4.Version != 4 {
				break
			}
			s.quoted = true
			s.qproto = q.IPv4.Protocol
			s.qsrc, s.qdst = q.IPv4.Src.As4(), q.IPv4.Dst.As4()
			// A quote holds at least 8 bytes of the transport header,
			// enough for the ports; the decoder names TCP's only when
			// its 20 bytes are all there, which Linux's quotes (up to
			// 576 bytes) always are.
			switch {
			case q.Layers&decode.LayerTCP != 0:
				s.qsport, s.qdport = q.TCP.SrcPort, q.TCP.DstPort
			case q.Layers&decode.LayerUDP != 0:
				s.qsport, s.qdport = q.UDP.SrcPort, q.UDP.DstPort
			}
		}
	}
	return s, true
}

// isEcho reports whether an ICMP type is an echo request (8) or reply (0).
func isEcho(typ uint8) bool { return typ == 0 || typ == 8 }

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

// DefaultEpoch returns where normalized timestamps begin: the first frame
// of a normalized recording is stamped 2000-01-01 00:00:00 UTC.
func DefaultEpoch() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }
