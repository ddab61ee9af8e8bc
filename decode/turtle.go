package decode

import (
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
	sll  LinuxSLL
	sll2 LinuxSLL2
	loop Loopback
	ip   turtleIPv4
	icmp turtleICMP
	tcp  turtleTCP
	udp  turtleUDP
}

var _ Format = (*Turtle)(nil)

// AppendFrame appends the turtle text of f to dst.
func (t *Turtle) AppendFrame(dst []byte, f *Frame) []byte {
	return t.Append(dst, f.Info.LinkType, f.Data)
}

// Append appends the turtle text of one frame of the given link type.
func (t *Turtle) Append(dst []byte, link pcapio.LinkType, b []byte) []byte {
	switch link {
	case pcapio.LinkTypeEthernet:
		dst = append(dst, "\nEthernet Frame:\n"...)
		e := &t.eth
		if !e.Decode(b) {
			return appendTruncated(dst, tab1, "Ethernet Frame", len(b), EthernetHeaderLen)
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
			return appendTruncated(dst, tab1, "Linux Cooked Capture", len(b), LinuxSLLHeaderLen)
		}
		dst = append(dst, tab1+"Packet Type: "...)
		dst = strconv.AppendUint(dst, uint64(s.PacketType), 10)
		dst = append(dst, ", Hardware Type: "...)
		dst = strconv.AppendUint(dst, uint64(s.HardwareType), 10)
		dst = append(dst, ", Source: "...)
		dst = appendMAC(dst, s.Addr, upperHex)
		return t.appendNetwork(dst, s.Protocol, s.Payload)

	case pcapio.LinkTypeLinuxSLL2:
		dst = append(dst, "\nLinux Cooked Capture v2:\n"...)
		s := &t.sll2
		if !s.Decode(b) {
			return appendTruncated(dst, tab1, "Linux Cooked Capture v2", len(b), LinuxSLL2HeaderLen)
		}
		dst = append(dst, tab1+"Interface Index: "...)
		dst = strconv.AppendUint(dst, uint64(s.InterfaceIndex), 10)
		dst = append(dst, ", Packet Type: "...)
		dst = strconv.AppendUint(dst, uint64(s.PacketType), 10)
		dst = append(dst, ", Hardware Type: "...)
		dst = strconv.AppendUint(dst, uint64(s.HardwareType), 10)
		dst = append(dst, ", Source: "...)
		dst = appendMAC(dst, s.Addr, upperHex)
		return t.appendNetwork(dst, s.Protocol, s.Payload)

	case pcapio.LinkTypeNull, pcapio.LinkTypeLoop:
		dst = append(dst, "\nLoopback Frame:\n"...)
		l := &t.loop
		if !l.Decode(b, link == pcapio.LinkTypeLoop) {
			return appendTruncated(dst, tab1, "Loopback Frame", len(b), LoopbackHeaderLen)
		}
		dst = append(dst, tab1+"Family: "...)
		dst = strconv.AppendUint(dst, uint64(l.Family), 10)
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
			dst = strconv.AppendUint(dst, uint64(b[0]>>4), 10)
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
	dst = strconv.AppendUint(dst, uint64(proto), 10)
	dst = append(dst, '\n')
	if proto != swappedIPv4 {
		return dst
	}
	ip := &t.ip
	if !ip.Decode(b) {
		return appendTruncated(dst, tab1, "IPv4 Packet", len(b), IPv4HeaderLen)
	}
	dst = append(dst, tab1+"IPv4 Packet:\n"+tab2+"Version: "...)
	dst = strconv.AppendUint(dst, uint64(ip.Version), 10)
	dst = append(dst, ", Header Length: "...)
	dst = strconv.AppendUint(dst, uint64(ip.HeaderLength), 10)
	dst = append(dst, ", TTL: "...)
	dst = strconv.AppendUint(dst, uint64(ip.TTL), 10)
	dst = append(dst, "\n"+tab2+"Protocol: "...)
	dst = strconv.AppendUint(dst, uint64(ip.Protocol), 10)
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
			return appendTruncated(dst, tab1, "ICMP Packet", len(b), ICMPHeaderLen)
		}
		dst = append(dst, tab1+"ICMP Packet:\n"+tab2+"Type: "...)
		dst = strconv.AppendUint(dst, uint64(c.Type), 10)
		dst = append(dst, ", Code: "...)
		dst = strconv.AppendUint(dst, uint64(c.Code), 10)
		dst = append(dst, ", Checksum: "...)
		dst = strconv.AppendUint(dst, uint64(c.Checksum), 10)
		dst = append(dst, "\n"+tab2+"Data:\n"...)
		return appendDataBlock(dst, dataTab3, c.Payload)
	case 6:
		s := &t.tcp
		if !s.Decode(b) {
			return appendTruncated(dst, tab1, "TCP Segment", len(b), turtleTCPHeaderLen)
		}
		dst = append(dst, tab1+"TCP Segment:\n"+tab2+"Source Port: "...)
		dst = strconv.AppendUint(dst, uint64(s.SrcPort), 10)
		dst = append(dst, ", Destination Port: "...)
		dst = strconv.AppendUint(dst, uint64(s.DstPort), 10)
		dst = append(dst, "\n"+tab2+"Sequence: "...)
		dst = strconv.AppendUint(dst, uint64(s.Sequence), 10)
		dst = append(dst, ", Acknowledgment: "...)
		dst = strconv.AppendUint(dst, uint64(s.Ack), 10)
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
			return appendTruncated(dst, tab1, "UDP Segment", len(b), UDPHeaderLen)
		}
		dst = append(dst, tab1+"UDP Segment:\n"+tab2+"Source Port: "...)
		dst = strconv.AppendUint(dst, uint64(u.SrcPort), 10)
		dst = append(dst, ", Destination Port: "...)
		dst = strconv.AppendUint(dst, uint64(u.DstPort), 10)
		dst = append(dst, ", Length: "...)
		dst = strconv.AppendUint(dst, uint64(u.Length), 10)
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
	dst = strconv.AppendUint(dst, uint64(have), 10)
	dst = append(dst, " of "...)
	dst = strconv.AppendUint(dst, uint64(need), 10)
	return append(dst, " bytes)\n"...)
}

// appendUndecodedLink is the whole block of a frame whose link type turtle
// does not decode: its name and size, so frame counts stay right.
func appendUndecodedLink(dst []byte, link pcapio.LinkType, n int) []byte {
	dst = append(dst, '\n')
	dst = append(dst, linkTypeName(link)...)
	dst = append(dst, " Frame:\n"+tab1+"Link Type: "...)
	dst = strconv.AppendUint(dst, uint64(link), 10)
	dst = append(dst, ", not decoded ("...)
	dst = strconv.AppendUint(dst, uint64(n), 10)
	return append(dst, " bytes)\n"...)
}

func appendFlag(dst []byte, flags, bit uint16) []byte {
	if flags&bit != 0 {
		return append(dst, '1')
	}
	return append(dst, '0')
}

func appendIPv4(dst []byte, a [4]byte) []byte {
	for i, c := range a {
		if i > 0 {
			dst = append(dst, '.')
		}
		dst = strconv.AppendUint(dst, uint64(c), 10)
	}
	return dst
}
