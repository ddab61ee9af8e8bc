package decode

import (
	"encoding/binary"
	"slices"
	"strconv"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Indentation of the classroom code (docs/turtle-format.md, section 1).
const (
	tab1     = "\t - "
	tab2     = "\t\t - "
	tab3     = "\t\t\t - "
	dataTab2 = "\t\t   "
	dataTab3 = "\t\t\t   "
)

// Turtle is the turtle text format: the classic Python Turtle Sniffer's
// output byte for byte for every Ethernet frame it can decode, with one
// documented truncation line where it would raise, and a first block naming
// the real link layer for other link types. The zero value is ready to use;
// a Turtle reuses its header structs, so use one per goroutine.
type Turtle struct {
	eth  Ethernet
	sll  pcapio.LinuxSLL
	sll2 pcapio.LinuxSLL2
	loop pcapio.Loopback
	ip   turtleIPv4
	icmp turtleICMP
	tcp  turtleTCP
	udp  turtleUDP
}

var _ Format = (*Turtle)(nil)

// AppendFrame appends the turtle text of f to dst.
func (t *Turtle) AppendFrame(dst []byte, f *pcapio.Frame) []byte {
	return t.Append(dst, f.Info.LinkType, f.Data)
}

// Append appends the turtle text of one frame of the given link type.
func (t *Turtle) Append(dst []byte, link pcapio.LinkType, b []byte) []byte {
	switch link {
	case pcapio.LinkTypeEthernet:
		dst = append(dst, "\nEthernet Frame:\n"...)
		e := &t.eth
		if !e.Decode(b) {
			return appendTruncated(dst, tab1, "Ethernet Frame", len(b), ethernetHeaderLen)
		}
		dst = append(dst, tab1+"Destination: "...)
		dst = appendMAC(dst, e.Dst[:], upperHex)
		dst = append(dst, ", Source: "...)
		dst = appendMAC(dst, e.Src[:], upperHex)
		return t.appendNetwork(dst, e.EtherType, e.Payload)

	case pcapio.LinkTypeLinuxSLL:
		dst = append(dst, "\nLinux Cooked Capture:\n"...)
		s := &t.sll
		if !s.Decode(b) {
			return appendTruncated(dst, tab1, "Linux Cooked Capture", len(b), pcapio.LinuxSLLLen)
		}
		dst = append(dst, tab1+"Packet Type: "...)
		dst = appendUint(dst, uint64(s.PacketType))
		dst = append(dst, ", Hardware Type: "...)
		dst = appendUint(dst, uint64(s.HardwareType))
		dst = append(dst, ", Source: "...)
		dst = appendMAC(dst, s.Addr, upperHex)
		return t.appendNetwork(dst, s.Protocol, s.Payload)

	case pcapio.LinkTypeLinuxSLL2:
		dst = append(dst, "\nLinux Cooked Capture v2:\n"...)
		s := &t.sll2
		if !s.Decode(b) {
			return appendTruncated(dst, tab1, "Linux Cooked Capture v2", len(b), pcapio.LinuxSLL2Len)
		}
		dst = append(dst, tab1+"Interface Index: "...)
		dst = appendUint(dst, uint64(s.InterfaceIndex))
		dst = append(dst, ", Packet Type: "...)
		dst = appendUint(dst, uint64(s.PacketType))
		dst = append(dst, ", Hardware Type: "...)
		dst = appendUint(dst, uint64(s.HardwareType))
		dst = append(dst, ", Source: "...)
		dst = appendMAC(dst, s.Addr, upperHex)
		return t.appendNetwork(dst, s.Protocol, s.Payload)

	case pcapio.LinkTypeNull, pcapio.LinkTypeLoop:
		dst = append(dst, "\nLoopback Frame:\n"...)
		l := &t.loop
		if !l.Decode(b, link == pcapio.LinkTypeLoop) {
			return appendTruncated(dst, tab1, "Loopback Frame", len(b), pcapio.LoopbackLen)
		}
		dst = append(dst, tab1+"Family: "...)
		dst = appendUint(dst, uint64(l.Family))
		return t.appendNetwork(dst, loopbackEtherType(l.Family), l.Payload)

	case pcapio.LinkTypeRaw, pcapio.LinkTypeIPv4, pcapio.LinkTypeIPv6:
		dst = append(dst, "\nRaw IP Frame:\n"...)
		etherType := rawEtherType(b)
		switch link {
		case pcapio.LinkTypeIPv4:
			etherType = 0x0800
		case pcapio.LinkTypeIPv6:
			etherType = 0x86dd
		}
		dst = append(dst, tab1+"Version: "...)
		if len(b) > 0 {
			dst = appendUint(dst, uint64(b[0]>>4))
		} else {
			dst = append(dst, '-')
		}
		return t.appendNetwork(dst, etherType, b)
	}
	return appendUndecodedLink(dst, link, len(b))
}

// appendNetwork ends the first block's line with the byte-swapped protocol
// and, for IPv4 only, decodes the network layer by the classroom rules.
func (t *Turtle) appendNetwork(dst []byte, etherType uint16, b []byte) []byte {
	dst = append(dst, ", Protocol: "...)
	proto := swappedEtherType(etherType)
	dst = appendUint(dst, uint64(proto))
	dst = append(dst, '\n')
	if proto != swappedIPv4 {
		return dst
	}
	ip := &t.ip
	if !ip.Decode(b) {
		return appendTruncated(dst, tab1, "IPv4 Packet", len(b), ipv4HeaderLen)
	}
	dst = append(dst, tab1+"IPv4 Packet:\n"+tab2+"Version: "...)
	dst = appendUint(dst, uint64(ip.Version))
	dst = append(dst, ", Header Length: "...)
	dst = appendUint(dst, uint64(ip.HeaderLength))
	dst = append(dst, ", TTL: "...)
	dst = appendUint(dst, uint64(ip.TTL))
	dst = append(dst, "\n"+tab2+"Protocol: "...)
	dst = appendUint(dst, uint64(ip.Protocol))
	dst = append(dst, ", Source: "...)
	dst = appendIPv4(dst, ip.Src)
	dst = append(dst, ", Target: "...)
	dst = appendIPv4(dst, ip.Dst)
	dst = append(dst, '\n')
	return t.appendTransport(dst, ip.Protocol, ip.Payload)
}

// appendTransport prints ICMP, TCP and UDP; any other protocol's bytes
// follow as data.
func (t *Turtle) appendTransport(dst []byte, proto uint8, b []byte) []byte {
	switch proto {
	case 1:
		c := &t.icmp
		if !c.Decode(b) {
			return appendTruncated(dst, tab1, "ICMP Packet", len(b), icmpHeaderLen)
		}
		dst = append(dst, tab1+"ICMP Packet:\n"+tab2+"Type: "...)
		dst = appendUint(dst, uint64(c.Type))
		dst = append(dst, ", Code: "...)
		dst = appendUint(dst, uint64(c.Code))
		dst = append(dst, ", Checksum: "...)
		dst = appendUint(dst, uint64(c.Checksum))
		dst = append(dst, "\n"+tab2+"Data:\n"...)
		return appendDataBlock(dst, dataTab3, c.Payload)
	case 6:
		s := &t.tcp
		if !s.Decode(b) {
			return appendTruncated(dst, tab1, "TCP Segment", len(b), turtleTCPHeaderLen)
		}
		dst = append(dst, tab1+"TCP Segment:\n"+tab2+"Source Port: "...)
		dst = appendUint(dst, uint64(s.SrcPort))
		dst = append(dst, ", Destination Port: "...)
		dst = appendUint(dst, uint64(s.DstPort))
		dst = append(dst, "\n"+tab2+"Sequence: "...)
		dst = appendUint(dst, uint64(s.Sequence))
		dst = append(dst, ", Acknowledgment: "...)
		dst = appendUint(dst, uint64(s.Ack))
		dst = append(dst, "\n"+tab2+"Flags:\n"+tab3+"URG: "...)
		dst = appendFlag(dst, s.Flags, TCPFlagURG)
		dst = append(dst, ", ACK: "...)
		dst = appendFlag(dst, s.Flags, TCPFlagACK)
		dst = append(dst, ", PSH: "...)
		dst = appendFlag(dst, s.Flags, TCPFlagPSH)
		dst = append(dst, ", RST: "...)
		dst = appendFlag(dst, s.Flags, TCPFlagRST)
		dst = append(dst, ", SYN: "...)
		dst = appendFlag(dst, s.Flags, TCPFlagSYN)
		dst = append(dst, ", FIN: "...)
		dst = appendFlag(dst, s.Flags, TCPFlagFIN)
		dst = append(dst, "\n"+tab2+"Data:\n"...)
		return appendDataBlock(dst, dataTab3, s.Payload)
	case 17:
		u := &t.udp
		if !u.Decode(b) {
			return appendTruncated(dst, tab1, "UDP Segment", len(b), udpHeaderLen)
		}
		dst = append(dst, tab1+"UDP Segment:\n"+tab2+"Source Port: "...)
		dst = appendUint(dst, uint64(u.SrcPort))
		dst = append(dst, ", Destination Port: "...)
		dst = appendUint(dst, uint64(u.DstPort))
		dst = append(dst, ", Length: "...)
		dst = appendUint(dst, uint64(u.Length))
		dst = append(dst, "\n"+tab2+"Data:\n"...)
		return appendDataBlock(dst, dataTab3, u.Payload)
	}
	dst = append(dst, tab1+"Data:\n"...)
	return appendDataBlock(dst, dataTab2, b)
}

// appendTruncated appends the line that stands where the classroom code
// would raise: "<tab><Layer>: truncated (<have> of <need> bytes)".
func appendTruncated(dst []byte, tab, layer string, have, need int) []byte {
	dst = append(dst, tab...)
	dst = append(dst, layer...)
	dst = append(dst, ": truncated ("...)
	dst = appendUint(dst, uint64(have))
	dst = append(dst, " of "...)
	dst = appendUint(dst, uint64(need))
	return append(dst, " bytes)\n"...)
}

// appendUndecodedLink is the whole block of a frame whose link type turtle
// does not decode: its name and size, so frame counts stay right.
func appendUndecodedLink(dst []byte, link pcapio.LinkType, n int) []byte {
	dst = append(dst, '\n')
	dst = append(dst, linkTypeName(link)...)
	dst = append(dst, " Frame:\n"+tab1+"Link Type: "...)
	dst = appendUint(dst, uint64(link))
	dst = append(dst, ", not decoded ("...)
	dst = appendUint(dst, uint64(n))
	return append(dst, " bytes)\n"...)
}

func appendFlag(dst []byte, flags, bit uint16) []byte {
	if flags&bit != 0 {
		return append(dst, '1')
	}
	return append(dst, '0')
}

// appendIPv4 appends a in dotted decimal: each byte's digits and dot are
// one 4-byte store from a table (the store may write past them; the next
// one overwrites that), so there is no division and no copy call.
func appendIPv4(dst []byte, a [4]byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 32)
	b := (*[32]byte)(dst[n : n+32])
	// Unrolled, the offsets masked so that no store needs a bounds check
	// (the mask changes nothing: an offset is at most 12).
	le := binary.LittleEndian
	o1 := int(octetLens[a[0]])
	o2 := o1 + int(octetLens[a[1]])
	o3 := o2 + int(octetLens[a[2]])
	le.PutUint32(b[0:], octetWords[a[0]])
	le.PutUint32(b[o1&15:], octetWords[a[1]])
	le.PutUint32(b[o2&15:], octetWords[a[2]])
	le.PutUint32(b[o3&15:], octetWords[a[3]])
	return dst[:n+o3+int(octetLens[a[3]])-1] // without the last dot
}

// octetWords holds the decimal digits of every byte followed by a dot,
// little-endian; octetLens how many of its bytes those are.
var octetWords, octetLens = func() (w [256]uint32, l [256]uint8) {
	for i := range w {
		var t [4]byte
		k := copy(t[:], strconv.Itoa(i)+".")
		w[i], l[i] = binary.LittleEndian.Uint32(t[:]), uint8(k)
	}
	return w, l
}()
