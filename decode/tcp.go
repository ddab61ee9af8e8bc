package decode

import "encoding/binary"

// TCP flag bits as the classroom code reads them from the offset/flags word.
const (
	TCPFlagFIN = 1 << iota
	TCPFlagSYN
	TCPFlagRST
	TCPFlagPSH
	TCPFlagACK
	TCPFlagURG
)

// TCPHeader is a TCP header with its options and verified checksum.
type TCPHeader struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	DataOffset       uint8  // header length in 32-bit words
	Flags            uint16 // TCPFlag* bits
	Window           uint16
	Checksum         Checksum
	Urgent           uint16
	Options          []byte
	Payload          []byte
	// Segment is the whole segment, header and payload, as captured.
	Segment []byte
}

// TCP flag bits beyond the six the classroom format prints (TCPFlagFIN to
// TCPFlagURG, above): ECN echo, congestion window reduced, and
// the accurate-ECN bit (formerly NS).
const (
	TCPFlagECE = 1 << (iota + 6)
	TCPFlagCWR
	TCPFlagAE
)

// tcpFlagNames are the flag names from the highest bit to the lowest.
var tcpFlagNames = [...]struct {
	bit  uint16
	name string
}{
	{TCPFlagAE, "AE"}, {TCPFlagCWR, "CWR"}, {TCPFlagECE, "ECE"},
	{TCPFlagURG, "URG"}, {TCPFlagACK, "ACK"}, {TCPFlagPSH, "PSH"},
	{TCPFlagRST, "RST"}, {TCPFlagSYN, "SYN"}, {TCPFlagFIN, "FIN"},
}

// tcpFlagLetters are tcpdump's letters for the flags, in its order
// ("S.", "P.", "FP.").
var tcpFlagLetters = [...]struct {
	bit    uint16
	letter byte
}{
	{TCPFlagFIN, 'F'}, {TCPFlagSYN, 'S'}, {TCPFlagRST, 'R'}, {TCPFlagPSH, 'P'},
	{TCPFlagACK, '.'}, {TCPFlagURG, 'U'}, {TCPFlagECE, 'E'}, {TCPFlagCWR, 'W'}, {TCPFlagAE, 'e'},
}

const tcpMinLen = 20

func (p *Packet) decodeTCP(b []byte, verify bool) {
	t := &p.TCP
	if len(b) < tcpMinLen {
		p.Payload = b
		p.truncated(ProblemTCP, "", len(b), tcpMinLen)
		return
	}
	t.SrcPort = binary.BigEndian.Uint16(b[0:2])
	t.DstPort = binary.BigEndian.Uint16(b[2:4])
	t.Seq = binary.BigEndian.Uint32(b[4:8])
	t.Ack = binary.BigEndian.Uint32(b[8:12])
	t.DataOffset = b[12] >> 4
	t.Flags = binary.BigEndian.Uint16(b[12:14]) & 0x1ff
	t.Window = binary.BigEndian.Uint16(b[14:16])
	t.Checksum = Checksum{Value: binary.BigEndian.Uint16(b[16:18])}
	t.Urgent = binary.BigEndian.Uint16(b[18:20])
	t.Options, t.Payload, t.Segment = nil, nil, b
	p.Layers |= LayerTCP
	hl := int(t.DataOffset) * 4
	if t.DataOffset < 5 {
		p.Payload = b[tcpMinLen:]
		p.invalid(ProblemTCP, "data offset", int(t.DataOffset), "below 5")
		return
	}
	if len(b) < hl {
		p.Payload = b[tcpMinLen:]
		p.truncated(ProblemTCP, "options", len(b), hl)
		return
	}
	if verify {
		t.Checksum.verify(b, 16, p.pseudoSum(6, len(b)))
	}
	t.Options = b[tcpMinLen:hl]
	t.Payload = b[hl:]
	p.Payload = t.Payload
	p.application(t.SrcPort, t.DstPort, t.Payload, true)
}

// TCP option kinds turtle names.
const (
	tcpOptEOL       = 0
	tcpOptNOP       = 1
	tcpOptMSS       = 2
	tcpOptWScale    = 3
	tcpOptSACKPerm  = 4
	tcpOptSACK      = 5
	tcpOptTimestamp = 8
)

// nextTCPOption steps through TCP options; bad is set when a length is
// missing, below 2, beyond the options, or wrong for a known kind.
func nextTCPOption(b []byte) (kind uint8, data, rest []byte, ok, bad bool) {
	if len(b) == 0 {
		return 0, nil, nil, false, false
	}
	kind = b[0]
	switch kind {
	case tcpOptEOL:
		return kind, nil, nil, true, false
	case tcpOptNOP:
		return kind, nil, b[1:], true, false
	}
	if len(b) < 2 || b[1] < 2 || int(b[1]) > len(b) {
		return kind, b[1:], nil, true, true
	}
	data, rest = b[2:b[1]], b[b[1]:]
	want := -1
	switch kind {
	case tcpOptMSS:
		want = 2
	case tcpOptWScale:
		want = 1
	case tcpOptSACKPerm:
		want = 0
	case tcpOptTimestamp:
		want = 8
	case tcpOptSACK:
		if len(data)%8 != 0 || len(data) == 0 {
			return kind, data, nil, true, true
		}
	}
	if want >= 0 && len(data) != want {
		return kind, data, nil, true, true
	}
	return kind, data, rest, true, false
}

func tcpOptionName(k uint8) string {
	switch k {
	case tcpOptEOL:
		return "EOL"
	case tcpOptNOP:
		return "NOP"
	case tcpOptMSS:
		return "MSS"
	case tcpOptWScale:
		return "window scale"
	case tcpOptSACKPerm:
		return "SACK permitted"
	case tcpOptSACK:
		return "SACK"
	case tcpOptTimestamp:
		return "timestamps"
	case 19:
		return "MD5 signature"
	case 28:
		return "user timeout"
	case 29:
		return "TCP-AO"
	case 30:
		return "MPTCP"
	case 34:
		return "TCP fast open"
	}
	return ""
}

// appendTCPFlags appends the set flags: names joined by ", " (long), or
// tcpdump's letters ("S.", "P.") when short; "none" when none is set.
func appendTCPFlags(dst []byte, flags uint16, long bool) []byte {
	if flags == 0 {
		return append(dst, "none"...)
	}
	if !long {
		for _, f := range tcpFlagLetters {
			if flags&f.bit != 0 {
				dst = append(dst, f.letter)
			}
		}
		return dst
	}
	first := true
	for _, f := range tcpFlagNames {
		if flags&f.bit != 0 {
			if !first {
				dst = append(dst, ", "...)
			}
			dst = append(dst, f.name...)
			first = false
		}
	}
	return dst
}
