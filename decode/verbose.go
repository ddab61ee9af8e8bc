package decode

import (
	"encoding/binary"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Verbose is the verbose format: the turtle tree made correct and complete.
// Each frame is a block: a frame line, one line per layer indented by two
// spaces with its details indented by four, the data as offset/hex/ASCII
// rows, and an empty line. A header cut by the capture shows as
// "[truncated LAYER: HAVE of NEED bytes]", a field with an impossible
// value as "[invalid LAYER FIELD: VALUE, NOTE]", a wrong checksum as
// "[incorrect, should be 0xNNNN]". docs/formats.md lists every word.
//
// With Color set, layer names are cyan, the frame line bold and problems
// red (ANSI escapes); the command sets it only for a terminal. The zero
// value is ready to use; use one per goroutine.
type Verbose struct {
	Color bool

	pkt Packet
	clk clock
	b   []byte
}

var _ Format = (*Verbose)(nil)

const (
	ansiBold  = "\x1b[1m"
	ansiCyan  = "\x1b[36m"
	ansiRed   = "\x1b[31m"
	ansiReset = "\x1b[0m"
)

// AppendFrame appends the verbose block of f to dst.
func (v *Verbose) AppendFrame(dst []byte, f *pcapio.Frame) []byte {
	p := &v.pkt
	p.Decode(f.Info.LinkType, f.Data)
	v.b = dst
	v.frameLine(f)
	v.link(p)
	if p.Layers&LayerARP != 0 {
		v.arp(&p.ARP)
	}
	if p.Layers&LayerIPv4 != 0 {
		v.ipv4(&p.IPv4)
	}
	if p.Layers&LayerIPv6 != 0 {
		v.ipv6(&p.IPv6)
	}
	if p.Layers&LayerICMP != 0 {
		v.icmp(&p.ICMP)
	}
	if p.Layers&LayerICMPv6 != 0 {
		v.icmpv6(&p.ICMPv6)
	}
	if p.Layers&LayerTCP != 0 {
		v.tcp(&p.TCP, len(p.TCP.Payload))
	}
	if p.Layers&LayerUDP != 0 {
		v.udp(&p.UDP)
	}
	if p.Layers&LayerDNS != 0 {
		v.dns(&p.DNS)
	}
	if p.Layers&LayerHTTP != 0 {
		v.http(&p.HTTP)
	}
	if p.Problem.Kind != ProblemNone {
		v.s("  ")
		v.problem(&p.Problem)
		v.nl()
	}
	if len(p.Payload) > 0 {
		v.s("  ")
		v.name("Data")
		v.bytes(len(p.Payload))
		if p.Fragment {
			v.s(" (a later fragment: its transport header is in an earlier frame)")
		}
		v.nl()
		v.b = AppendHexRows(v.b, "    ", 0, 0, p.Payload)
	}
	if len(p.Trailer) > 0 {
		v.s("  ")
		v.name("Trailer")
		v.bytes(len(p.Trailer))
		v.s(" after the packet (padding or frame check sequence)\n")
		v.b = AppendHexRows(v.b, "    ", 0, 0, p.Trailer)
	}
	v.nl()
	out := v.b
	v.b = nil
	return out
}

func (v *Verbose) s(s string)   { v.b = append(v.b, s...) }
func (v *Verbose) u(n uint64)   { v.b = appendUint(v.b, n) }
func (v *Verbose) nl()          { v.b = append(v.b, '\n') }
func (v *Verbose) hex(n uint64) { v.b = appendHexN(v.b, n, 4) }

// bytes appends "N bytes", or "1 byte".
func (v *Verbose) bytes(n int) {
	v.u(uint64(n))
	if n == 1 {
		v.s(" byte")
	} else {
		v.s(" bytes")
	}
}

// sep separates the items of a list: nothing before the first, ", " after.
func (v *Verbose) sep(i int) {
	if i > 0 {
		v.s(", ")
	}
}

// paint appends s, in the ANSI colour when colour is asked for.
func (v *Verbose) paint(color, s string) {
	if v.Color {
		v.s(color)
		v.s(s)
		v.s(ansiReset)
		return
	}
	v.s(s)
}

// name starts a layer line: "Name: ", coloured when asked.
func (v *Verbose) name(n string) {
	v.paint(ansiCyan, n)
	v.s(": ")
}

// paren appends " (name)", or nothing for an empty name.
func (v *Verbose) paren(name string) {
	if name != "" {
		v.s(" (")
		v.s(name)
		v.s(")")
	}
}

// named appends "N (name)", or just N when the number has no name.
func (v *Verbose) named(n uint64, name string) {
	v.u(n)
	v.paren(name)
}

// etherType appends "0x0800 (IPv4)".
func (v *Verbose) etherType(t uint16) {
	v.hex(uint64(t))
	v.paren(etherTypeName(t))
}

func (v *Verbose) red(s string) { v.paint(ansiRed, s) }

func (v *Verbose) problem(pr *Problem) {
	if v.Color {
		v.s(ansiRed)
	}
	if pr.Kind == ProblemTruncated {
		v.s("[truncated ")
		v.s(string(pr.Layer))
		if pr.Field != "" {
			v.s(" ")
			v.s(pr.Field)
		}
		v.s(": ")
		v.u(uint64(pr.Value))
		v.s(" of ")
		v.u(uint64(pr.Need))
		v.s(" bytes]")
	} else {
		v.s("[invalid ")
		v.s(string(pr.Layer))
		v.s(" ")
		v.s(pr.Field)
		v.s(": ")
		v.b = appendInt(v.b, pr.Value)
		v.s(", ")
		v.s(pr.Note)
		v.s("]")
	}
	if v.Color {
		v.s(ansiReset)
	}
}

// checksum appends "checksum 0x1234 [correct]" and its variants.
func (v *Verbose) checksum(c *Checksum) {
	v.s("checksum ")
	v.hex(uint64(c.Value))
	switch c.Status {
	case ChecksumGood:
		v.s(" [correct]")
	case ChecksumBad:
		if v.Color {
			v.s(ansiRed)
		}
		v.s(" [incorrect, should be ")
		v.hex(uint64(c.Want))
		v.s("]")
		if v.Color {
			v.s(ansiReset)
		}
	case ChecksumNone:
		v.s(" [none]")
	default:
		v.s(" [not verified]")
	}
}

func (v *Verbose) frameLine(f *pcapio.Frame) {
	if v.Color {
		v.s(ansiBold)
	}
	v.s("Frame ")
	v.b = appendInt(v.b, f.Number)
	v.s(": ")
	if f.Info.NoTimestamp {
		v.s("no timestamp")
	} else {
		v.b = v.clk.appendRFC3339(v.b, f.Info.Timestamp)
	}
	v.s(", ")
	v.b = appendInt(v.b, len(f.Data))
	v.s(" bytes captured, ")
	v.b = appendInt(v.b, wireLength(f))
	v.s(" on the wire, link type ")
	v.named(uint64(f.Info.LinkType), linkName(f.Info.LinkType))
	if name := interfaceName(f); name != "" || f.Info.InterfaceIndex != 0 {
		v.s(", interface ")
		v.b = appendInt(v.b, f.Info.InterfaceIndex)
		if name != "" {
			v.s(" (")
			v.b = appendPrintable(v.b, name)
			v.s(")")
		}
	}
	switch f.Info.Direction {
	case pcapio.DirectionInbound:
		v.s(", inbound")
	case pcapio.DirectionOutbound:
		v.s(", outbound")
	}
	if v.Color {
		v.s(ansiReset)
	}
	v.nl()
}

func (v *Verbose) link(p *Packet) {
	switch {
	case p.Layers&LayerEthernet != 0:
		e := &p.Eth
		v.s("  ")
		v.name("Ethernet")
		v.b = appendMAC(v.b, e.Src[:], lowerHex)
		v.s(" > ")
		v.b = appendMAC(v.b, e.Dst[:], lowerHex)
		if e.EtherType >= 0x0600 {
			v.s(", type ")
			v.etherType(e.EtherType)
		} else {
			v.s(", 802.3 length ")
			v.u(uint64(e.EtherType))
		}
		v.nl()
		if p.Layers&LayerLLC != 0 {
			l := &p.LLC
			v.s("  ")
			v.name("LLC")
			v.s("DSAP ")
			v.b = appendHexN(v.b, uint64(l.DSAP), 2)
			v.s(", SSAP ")
			v.b = appendHexN(v.b, uint64(l.SSAP), 2)
			v.s(", control ")
			v.b = appendHexN(v.b, uint64(l.Control), 2)
			if l.SNAP && p.Problem.Field != "snap" {
				v.s(", SNAP OUI ")
				v.b = appendMAC(v.b, l.OUI[:], lowerHex)
				v.s(", type ")
				v.etherType(l.SNAPType)
			}
			v.nl()
		}
	case p.Layers&LayerSLL != 0:
		s := &p.SLL
		v.s("  ")
		v.name("Linux cooked v1")
		v.s("packet type ")
		v.named(uint64(s.PacketType), sllPacketTypeName(s.PacketType))
		v.s(", hardware type ")
		v.u(uint64(s.HardwareType))
		v.s(", address ")
		v.b = appendMAC(v.b, s.Addr, lowerHex)
		v.s(", protocol ")
		v.etherType(s.Protocol)
		v.nl()
	case p.Layers&LayerSLL2 != 0:
		s := &p.SLL2
		v.s("  ")
		v.name("Linux cooked v2")
		v.s("interface ")
		v.u(uint64(s.InterfaceIndex))
		v.s(", packet type ")
		v.named(uint64(s.PacketType), sllPacketTypeName(uint16(s.PacketType)))
		v.s(", hardware type ")
		v.u(uint64(s.HardwareType))
		v.s(", address ")
		v.b = appendMAC(v.b, s.Addr, lowerHex)
		v.s(", protocol ")
		v.etherType(s.Protocol)
		v.nl()
	case p.Layers&LayerLoopback != 0:
		v.s("  ")
		v.name("Loopback")
		v.s("family ")
		v.named(uint64(p.Loopback.Family), loopbackFamilyName(p.Loopback.Family))
		v.nl()
	}
	for i := range p.NumVLAN {
		t := &p.VLAN[i]
		v.s("  ")
		v.name(vlanName(t.TPID))
		v.s("VLAN ")
		v.u(uint64(t.ID))
		v.s(", PCP ")
		v.u(uint64(t.PCP))
		v.s(", DEI ")
		if t.DEI {
			v.s("1")
		} else {
			v.s("0")
		}
		v.s(", type ")
		v.etherType(t.EtherType)
		v.nl()
	}
}

func (v *Verbose) arp(a *ARP) {
	v.s("  ")
	v.name("ARP")
	switch {
	case a.Op == 1 && a.PType == 0x0800:
		v.s("who has ")
		v.b = appendARPProto(v.b, a, a.TargetProto)
		v.s("? tell ")
		v.b = appendARPProto(v.b, a, a.SenderProto)
	case a.Op == 2 && a.PType == 0x0800:
		v.b = appendARPProto(v.b, a, a.SenderProto)
		v.s(" is at ")
		v.b = appendMAC(v.b, a.SenderHW, lowerHex)
	default:
		v.s("opcode ")
		v.named(uint64(a.Op), arpOpName(a.Op))
	}
	v.s("\n    hardware type ")
	v.u(uint64(a.HType))
	v.s(", protocol type ")
	v.etherType(a.PType)
	v.s(", hardware size ")
	v.u(uint64(a.HLen))
	v.s(", protocol size ")
	v.u(uint64(a.PLen))
	v.s(", opcode ")
	v.named(uint64(a.Op), arpOpName(a.Op))
	v.s("\n    sender ")
	v.b = appendMAC(v.b, a.SenderHW, lowerHex)
	v.s(" ")
	v.b = appendARPProto(v.b, a, a.SenderProto)
	v.s(", target ")
	v.b = appendMAC(v.b, a.TargetHW, lowerHex)
	v.s(" ")
	v.b = appendARPProto(v.b, a, a.TargetProto)
	v.nl()
}

func (v *Verbose) ipv4(ip *IPv4Header) {
	v.s("  ")
	v.name("IPv4")
	v.b = appendAddr(v.b, ip.Src)
	v.s(" > ")
	v.b = appendAddr(v.b, ip.Dst)
	v.s(", protocol ")
	v.named(uint64(ip.Protocol), ipProtoName(ip.Protocol))
	v.s("\n    version ")
	v.u(uint64(ip.Version))
	v.s(", header length ")
	v.u(uint64(ip.IHL) * 4)
	v.s(", DSCP ")
	v.u(uint64(ip.TOS >> 2))
	v.s(", ECN ")
	v.u(uint64(ip.TOS & 3))
	v.s(", total length ")
	v.u(uint64(ip.TotalLength))
	if ip.Missing > 0 {
		v.s(" (")
		v.u(uint64(ip.Missing))
		v.s(" bytes not captured)")
	}
	v.s("\n    id ")
	v.hex(uint64(ip.ID))
	v.s(", flags [")
	v.b = appendIPv4Flags(v.b, ip.Flags, " ")
	v.s("], fragment offset ")
	v.u(uint64(ip.FragOffset) * 8)
	v.s(", TTL ")
	v.u(uint64(ip.TTL))
	v.s(", ")
	v.checksum(&ip.Checksum)
	v.nl()
	if len(ip.Options) > 0 {
		v.s("    options: ")
		b := ip.Options
		for i := 0; ; i++ {
			kind, data, rest, ok, bad := nextIPv4Option(b)
			if !ok {
				break
			}
			v.sep(i)
			v.option(kind, ipv4OptionName(kind), data, bad)
			b = rest
		}
		v.nl()
	}
}

// option appends "name (kind[, N bytes: hex])" or an invalid mark.
func (v *Verbose) option(kind uint8, name string, data []byte, bad bool) {
	if name != "" {
		v.s(name)
		v.s(" (")
		v.u(uint64(kind))
	} else {
		v.s("(kind ")
		v.u(uint64(kind))
	}
	if bad {
		v.s(") ")
		v.red("[invalid option length]")
		return
	}
	if len(data) > 0 {
		v.s(", ")
		v.u(uint64(len(data)))
		v.s(" bytes: ")
		v.b = appendHex(v.b, data)
	}
	v.s(")")
}

// appendIPv4Flags appends the names of the set flags joined by sep, or
// "none".
func appendIPv4Flags(dst []byte, flags uint8, sep string) []byte {
	if flags == 0 {
		return append(dst, "none"...)
	}
	first := true
	for _, f := range [...]struct {
		bit  uint8
		name string
	}{{IPv4Reserved, "RF"}, {IPv4DontFragment, "DF"}, {IPv4MoreFragments, "MF"}} {
		if flags&f.bit != 0 {
			if !first {
				dst = append(dst, sep...)
			}
			dst = append(dst, f.name...)
			first = false
		}
	}
	return dst
}

func (v *Verbose) ipv6(ip *IPv6Header) {
	v.s("  ")
	v.name("IPv6")
	v.b = appendAddr(v.b, ip.Src)
	v.s(" > ")
	v.b = appendAddr(v.b, ip.Dst)
	v.s(", protocol ")
	v.named(uint64(ip.Protocol), ipProtoName(ip.Protocol))
	v.s("\n    version ")
	v.u(uint64(ip.Version))
	v.s(", traffic class ")
	v.b = appendHexN(v.b, uint64(ip.TrafficClass), 2)
	v.s(" (DSCP ")
	v.u(uint64(ip.TrafficClass >> 2))
	v.s(", ECN ")
	v.u(uint64(ip.TrafficClass & 3))
	v.s("), flow label ")
	v.b = appendHexN(v.b, uint64(ip.FlowLabel), 5)
	v.s("\n    payload length ")
	v.u(uint64(ip.PayloadLength))
	if ip.Missing > 0 {
		v.s(" (")
		v.u(uint64(ip.Missing))
		v.s(" bytes not captured)")
	}
	v.s(", next header ")
	v.named(uint64(ip.NextHeader), ipProtoName(ip.NextHeader))
	v.s(", hop limit ")
	v.u(uint64(ip.HopLimit))
	v.nl()
	for i := range ip.NumExt {
		e := &ip.Ext[i]
		v.s("    ")
		v.s(ipProtoName(e.Type))
		v.s(" header: next header ")
		v.named(uint64(e.Next), ipProtoName(e.Next))
		v.s(", ")
		v.u(uint64(len(e.Data)))
		v.s(" bytes")
		switch e.Type {
		case 44:
			off, more, id := e.Fragment()
			v.s(", offset ")
			v.u(uint64(off) * 8)
			if more {
				v.s(", more fragments")
			}
			v.s(", id ")
			v.b = appendHexN(v.b, uint64(id), 8)
		case 0, 60:
			v.s(", options: ")
			b := e.Data[2:]
			for i := 0; ; i++ {
				kind, data, rest, ok, bad := nextIPv6Option(b)
				if !ok {
					break
				}
				v.sep(i)
				v.option(kind, ipv6OptionName(kind), data, bad)
				b = rest
			}
		case 43:
			v.s(", routing type ")
			v.u(uint64(e.Data[2]))
			v.s(", segments left ")
			v.u(uint64(e.Data[3]))
			if len(e.Data) > 8 {
				v.s(", data ")
				v.b = appendHex(v.b, e.Data[8:])
			}
		default:
			v.s(", data ")
			v.b = appendHex(v.b, e.Data[2:])
		}
		v.nl()
	}
}

// typeCode appends "type T (name), code C (name)".
func (v *Verbose) typeCode(t, c uint8, tname, cname string) {
	v.s("type ")
	v.named(uint64(t), tname)
	v.s(", code ")
	v.named(uint64(c), cname)
}

func (v *Verbose) icmp(c *ICMPHeader) {
	v.s("  ")
	v.name("ICMP")
	v.typeCode(c.Type, c.Code, icmpTypeName(c.Type), icmpCodeName(c.Type, c.Code))
	if c.HasRest {
		switch {
		case icmpHasIDSeq(c.Type):
			v.s(", id ")
			v.u(uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
			v.s(", seq ")
			v.u(uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
		case c.Type == 5:
			v.s(", gateway ")
			v.b = appendIPv4(v.b, c.Rest)
		case c.Type == 3 && c.Code == 4:
			v.s(", next-hop MTU ")
			v.u(uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
		case c.Type == 12:
			v.s(", pointer ")
			v.u(uint64(c.Rest[0]))
		}
	}
	v.s("\n    ")
	v.checksum(&c.Checksum)
	v.nl()
	if ICMPIsError(c.Type) {
		v.quoted(c.Body, false)
	}
}

// quoted describes the start of the datagram an ICMP error quotes.
func (v *Verbose) quoted(b []byte, six bool) {
	var src, dst []byte
	var proto uint8
	var l4 []byte
	if !six && len(b) >= 20 && b[0]>>4 == 4 && int(b[0]&15)*4 >= 20 {
		src, dst, proto, l4 = b[12:16], b[16:20], b[9], tail(b, int(b[0]&15)*4)
	} else if six && len(b) >= 40 && b[0]>>4 == 6 {
		src, dst, proto, l4 = b[8:24], b[24:40], b[6], b[40:]
	} else {
		return
	}
	v.s("    original datagram: ")
	if six {
		v.b = appendIPv6(v.b, [16]byte(src))
		v.s(" > ")
		v.b = appendIPv6(v.b, [16]byte(dst))
	} else {
		v.b = appendIPv4(v.b, [4]byte(src))
		v.s(" > ")
		v.b = appendIPv4(v.b, [4]byte(dst))
	}
	v.s(", protocol ")
	v.named(uint64(proto), ipProtoName(proto))
	if (proto == 6 || proto == 17) && len(l4) >= 4 {
		v.s(", ports ")
		v.u(uint64(binary.BigEndian.Uint16(l4)))
		v.s(" > ")
		v.u(uint64(binary.BigEndian.Uint16(l4[2:])))
	}
	v.nl()
}

func (v *Verbose) icmpv6(c *ICMPv6Header) {
	v.s("  ")
	v.name("ICMPv6")
	v.typeCode(c.Type, c.Code, icmpv6TypeName(c.Type), icmpv6CodeName(c.Type, c.Code))
	if c.HasRest {
		switch c.Type {
		case 128, 129:
			v.s(", id ")
			v.u(uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
			v.s(", seq ")
			v.u(uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
		case 2:
			v.s(", MTU ")
			v.u(uint64(binary.BigEndian.Uint32(c.Rest[:])))
		case 4:
			v.s(", pointer ")
			v.u(uint64(binary.BigEndian.Uint32(c.Rest[:])))
		case 134:
			v.s(", hop limit ")
			v.u(uint64(c.Rest[0]))
			v.s(", flags [")
			v.b = appendBits(v.b, c.Rest[1], "M", "O")
			v.s("], router lifetime ")
			v.u(uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
		case 136:
			v.s(", flags [")
			v.b = appendBits(v.b, c.Rest[0], "R", "S", "O")
			v.s("]")
		}
		if icmpv6NDTarget(c.Type) && len(c.Body) >= 16 {
			v.s(", target ")
			v.b = appendIPv6(v.b, [16]byte(c.Body[:16]))
		}
	}
	v.s("\n    ")
	v.checksum(&c.Checksum)
	v.nl()
	if ICMPv6IsError(c.Type) {
		v.quoted(c.Body, true)
	}
	if opts := icmpv6Options(c); len(opts) > 0 {
		v.s("    options: ")
		for i := 0; ; i++ {
			kind, data, rest, ok, bad := nextNDOption(opts)
			if !ok {
				break
			}
			v.sep(i)
			name := ndOptionName(kind)
			switch {
			case bad:
				v.option(kind, name, data, bad)
			case kind == 1 || kind == 2:
				v.s(name)
				v.s(" ")
				v.b = appendMAC(v.b, data, lowerHex)
			case kind == 3 && len(data) == 30:
				v.s("prefix ")
				v.b = appendIPv6(v.b, [16]byte(data[14:30]))
				v.s("/")
				v.u(uint64(data[0]))
				v.s(", flags [")
				v.b = appendBits(v.b, data[1], "L", "A", "R")
				v.s("], valid lifetime ")
				v.u(uint64(binary.BigEndian.Uint32(data[2:6])))
				v.s(", preferred lifetime ")
				v.u(uint64(binary.BigEndian.Uint32(data[6:10])))
			case kind == 5 && len(data) == 6:
				v.s("MTU ")
				v.u(uint64(binary.BigEndian.Uint32(data[2:6])))
			default:
				v.option(kind, name, data, false)
			}
			opts = rest
		}
		v.nl()
	}
}

// appendBits appends the names of the set bits of b, from the top bit
// down, joined by spaces, or "none".
func appendBits(dst []byte, b byte, names ...string) []byte {
	n := 0
	for i, name := range names {
		if b&(0x80>>uint(i)) != 0 {
			if n > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, name...)
			n++
		}
	}
	if n == 0 {
		dst = append(dst, "none"...)
	}
	return dst
}

func (v *Verbose) tcp(t *TCPHeader, n int) {
	v.s("  ")
	v.name("TCP")
	v.u(uint64(t.SrcPort))
	v.s(" > ")
	v.u(uint64(t.DstPort))
	v.s(", flags [")
	v.b = appendTCPFlags(v.b, t.Flags, true)
	v.s("], seq ")
	v.u(uint64(t.Seq))
	v.s(", ack ")
	v.u(uint64(t.Ack))
	v.s(", window ")
	v.u(uint64(t.Window))
	v.s(", length ")
	v.u(uint64(n))
	v.s("\n    header length ")
	v.u(uint64(t.DataOffset) * 4)
	v.s(", ")
	v.checksum(&t.Checksum)
	v.s(", urgent pointer ")
	v.u(uint64(t.Urgent))
	v.nl()
	if len(t.Options) == 0 {
		return
	}
	v.s("    options: ")
	b := t.Options
	for i := 0; ; i++ {
		kind, data, rest, ok, bad := nextTCPOption(b)
		if !ok {
			break
		}
		v.sep(i)
		switch {
		case bad:
			v.option(kind, tcpOptionName(kind), data, bad)
		case kind == tcpOptMSS:
			v.s("MSS ")
			v.u(uint64(binary.BigEndian.Uint16(data)))
		case kind == tcpOptWScale:
			v.s("window scale ")
			v.u(uint64(data[0]))
			if data[0] <= 14 {
				v.s(" (x")
				v.u(1 << data[0])
				v.s(")")
			}
		case kind == tcpOptSACKPerm:
			v.s("SACK permitted")
		case kind == tcpOptSACK:
			v.s("SACK")
			for j := 0; j+8 <= len(data); j += 8 {
				v.s(" ")
				v.u(uint64(binary.BigEndian.Uint32(data[j:])))
				v.s("-")
				v.u(uint64(binary.BigEndian.Uint32(data[j+4:])))
			}
		case kind == tcpOptTimestamp:
			v.s("timestamps val ")
			v.u(uint64(binary.BigEndian.Uint32(data)))
			v.s(" ecr ")
			v.u(uint64(binary.BigEndian.Uint32(data[4:])))
		case kind == tcpOptNOP || kind == tcpOptEOL:
			v.s(tcpOptionName(kind))
		default:
			v.option(kind, tcpOptionName(kind), data, false)
		}
		b = rest
	}
	v.nl()
}

func (v *Verbose) udp(u *UDPHeader) {
	v.s("  ")
	v.name("UDP")
	v.u(uint64(u.SrcPort))
	v.s(" > ")
	v.u(uint64(u.DstPort))
	v.s(", length ")
	v.u(uint64(u.Length))
	if u.Missing > 0 {
		v.s(" (")
		v.u(uint64(u.Missing))
		v.s(" bytes not captured)")
	}
	v.s(", ")
	v.checksum(&u.Checksum)
	v.nl()
}

func (v *Verbose) dns(d *DNSMessage) {
	v.s("  ")
	v.name("DNS")
	if d.Flags&dnsQR != 0 {
		v.s("response")
	} else {
		v.s("query")
	}
	v.s(", id ")
	v.hex(uint64(d.ID))
	v.s(", opcode ")
	v.u(uint64(d.Flags >> 11 & 15))
	v.s(", flags [")
	v.b = appendDNSFlags(v.b, d.Flags)
	v.s("], rcode ")
	rc := d.Flags & 15
	v.named(uint64(rc), dnsRcodeName(rc))
	v.s("\n    questions ")
	v.u(uint64(d.QDCount))
	v.s(", answers ")
	v.u(uint64(d.ANCount))
	v.s(", authority ")
	v.u(uint64(d.NSCount))
	v.s(", additional ")
	v.u(uint64(d.ARCount))
	v.nl()
	for i := range d.NumRecords {
		r := &d.Records[i]
		v.s("    ")
		v.s(dnsSectionName(r.Section))
		v.s(": ")
		v.b = appendDNSName(v.b, d.Msg, r.NameOff)
		v.s(" type ")
		v.named(uint64(r.Type), dnsTypeName(r.Type))
		v.s(", class ")
		v.u(uint64(r.Class))
		if r.Class == 1 {
			v.s(" (IN)")
		}
		if r.Section != DNSQuestion {
			v.s(", TTL ")
			v.u(uint64(r.TTL))
			if r.Type != 41 { // OPT carries options, not data to read
				v.s(": ")
				v.b = appendDNSData(v.b, d, r)
			}
		}
		v.nl()
	}
	total := int(d.QDCount) + int(d.ANCount) + int(d.NSCount) + int(d.ARCount)
	if d.NumRecords == MaxDNSRecords && total > MaxDNSRecords {
		v.s("    (")
		v.u(uint64(total - MaxDNSRecords))
		v.s(" more records not shown)\n")
	}
}

// appendDNSFlags appends the set header flags by name, or "none".
func appendDNSFlags(dst []byte, flags uint16) []byte {
	n := 0
	for _, f := range dnsFlagNames {
		if flags&f.bit != 0 {
			if n > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, f.name...)
			n++
		}
	}
	if n == 0 {
		dst = append(dst, "none"...)
	}
	return dst
}

func (v *Verbose) http(h *HTTP) {
	v.s("  ")
	v.name("HTTP")
	v.b = appendPrintable(v.b, h.Line)
	if h.Cut {
		v.s(" [line continues beyond this frame]")
	}
	v.nl()
}
