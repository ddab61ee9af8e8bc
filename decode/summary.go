package decode

import (
	"encoding/binary"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Summary is the summary format: one line per frame in the manner of
// tcpdump -nn, for scanning big captures:
//
//	09:00:00.000001234 IP 10.0.0.1.51000 > 10.0.0.2.12500: Flags [S], seq 1000, win 64240, options [mss 65495,sackOK,TS val 4660 ecr 0,nop,wscale 7], length 0
//
// The time of day is UTC with nanoseconds; sequence numbers are absolute
// (tcpdump -S); like tcpdump without -v, checksums are not verified. A
// header cut by the capture shows as "[|LAYER]", an impossible field as
// "[invalid LAYER FIELD VALUE]". docs/formats.md lists every shape. The
// zero value is ready to use; use one per goroutine.
type Summary struct {
	pkt   Packet
	clk   clock
	b     []byte
	shown bool // the frame's problem is printed
}

var _ Format = (*Summary)(nil)

// AppendFrame appends the summary line of f to dst.
func (s *Summary) AppendFrame(dst []byte, f *pcapio.Frame) []byte {
	p := &s.pkt
	p.noVerify = true
	p.Decode(f.Info.LinkType, f.Data)
	if f.Info.NoTimestamp {
		s.b = append(dst, "--:--:--.---------"...)
	} else {
		s.b = s.clk.appendTimeOfDay(dst, f.Info.Timestamp)
	}
	s.c(' ')
	s.shown = false
	s.line(p, f)
	if p.Problem.Kind != ProblemNone && !s.shown {
		s.c(' ')
		s.problem(&p.Problem)
	}
	s.c('\n')
	out := s.b
	s.b = nil
	return out
}

func (s *Summary) str(t string) { s.b = append(s.b, t...) }
func (s *Summary) c(c byte)     { s.b = append(s.b, c) }
func (s *Summary) u(n uint64)   { s.b = appendUint(s.b, n) }

func (s *Summary) line(p *Packet, f *pcapio.Frame) {
	switch {
	case p.Layers&LayerSLL != 0:
		s.direction(p.SLL.PacketType)
	case p.Layers&LayerSLL2 != 0:
		s.direction(uint16(p.SLL2.PacketType))
	}
	for i := range p.NumVLAN {
		s.str("vlan ")
		s.u(uint64(p.VLAN[i].ID))
		s.c(' ')
	}
	switch {
	case p.Layers&LayerIPv4 != 0:
		s.str("IP ")
		s.ip(p, p.IPv4.Protocol)
	case p.Layers&LayerIPv6 != 0:
		s.str("IP6 ")
		s.ip(p, p.IPv6.Protocol)
	case p.Layers&LayerARP != 0:
		s.arp(&p.ARP)
	case p.Problem.Kind != ProblemNone:
		s.problem(&p.Problem)
	case p.EtherType != 0:
		s.str("ethertype ")
		s.b = appendHexN(s.b, uint64(p.EtherType), 4)
		if n := etherTypeName(p.EtherType); n != "" {
			s.str(" (")
			s.str(n)
			s.c(')')
		}
		s.length(len(p.Payload))
	case p.Layers&LayerLLC != 0:
		s.str("802.3 LLC, dsap ")
		s.b = appendHexN(s.b, uint64(p.LLC.DSAP), 2)
		s.str(", ssap ")
		s.b = appendHexN(s.b, uint64(p.LLC.SSAP), 2)
		s.length(int(p.LLC.Length))
	case p.Layers&LayerLoopback != 0:
		s.str("loopback family ")
		s.u(uint64(p.Loopback.Family))
		s.length(len(p.Payload))
	default:
		s.str("link type ")
		s.u(uint64(f.Info.LinkType))
		if n := linkName(f.Info.LinkType); n != "" {
			s.str(" (")
			s.str(n)
			s.c(')')
		}
		s.length(len(f.Data))
	}
}

// direction prints tcpdump's words for a Linux packet type.
func (s *Summary) direction(t uint16) {
	switch t {
	case 0:
		s.str("In ")
	case 1:
		s.str("B ")
	case 2:
		s.str("M ")
	case 3:
		s.str("P ")
	case 4:
		s.str("Out ")
	}
}

func (s *Summary) length(n int) {
	s.str(", length ")
	s.u(uint64(n))
}

func (s *Summary) problem(pr *Problem) {
	s.shown = true
	if pr.Kind == ProblemTruncated {
		s.str("[|")
		s.str(string(pr.Layer))
		s.c(']')
		return
	}
	s.str("[invalid ")
	s.str(string(pr.Layer))
	s.c(' ')
	s.str(pr.Field)
	s.c(' ')
	s.b = appendInt(s.b, pr.Value)
	s.c(']')
}

func (s *Summary) arp(a *ARP) {
	s.str("ARP, ")
	switch a.Op {
	case 1:
		s.str("Request who-has ")
		s.b = appendARPProto(s.b, a, a.TargetProto)
		s.str(" tell ")
		s.b = appendARPProto(s.b, a, a.SenderProto)
	case 2:
		s.str("Reply ")
		s.b = appendARPProto(s.b, a, a.SenderProto)
		s.str(" is-at ")
		s.b = appendMAC(s.b, a.SenderHW, lowerHex)
	default:
		s.str("opcode ")
		s.u(uint64(a.Op))
	}
	s.length(arpFixedLen + 2*(int(a.HLen)+int(a.PLen)))
}

// endpoint prints an address and, when port >= 0, ".port".
func (s *Summary) endpoints(p *Packet, sport, dport int) {
	src, dst := p.IPv4.Src, p.IPv4.Dst
	if p.Layers&LayerIPv6 != 0 {
		src, dst = p.IPv6.Src, p.IPv6.Dst
	}
	s.b = appendAddr(s.b, src)
	if sport >= 0 {
		s.c('.')
		s.u(uint64(sport))
	}
	s.str(" > ")
	s.b = appendAddr(s.b, dst)
	if dport >= 0 {
		s.c('.')
		s.u(uint64(dport))
	}
	s.str(": ")
}

func (s *Summary) ip(p *Packet, proto uint8) {
	switch {
	case p.Layers&LayerTCP != 0:
		s.endpoints(p, int(p.TCP.SrcPort), int(p.TCP.DstPort))
		if p.Problem.Layer == ProblemTCP {
			s.problem(&p.Problem)
			return
		}
		s.tcp(p)
	case p.Layers&LayerUDP != 0:
		s.endpoints(p, int(p.UDP.SrcPort), int(p.UDP.DstPort))
		if p.Problem.Layer == ProblemUDP {
			s.problem(&p.Problem)
			return
		}
		if p.Layers&LayerDNS != 0 {
			s.dns(&p.DNS)
			return
		}
		s.str("UDP")
		s.length(len(p.UDP.Payload) + p.UDP.Missing) // the UDP length, as tcpdump
	case p.Layers&LayerICMP != 0:
		s.endpoints(p, -1, -1)
		s.icmp(&p.ICMP, icmpLength(p, p.ICMP.HasRest, p.ICMP.Body))
	case p.Layers&LayerICMPv6 != 0:
		s.endpoints(p, -1, -1)
		s.icmpv6(&p.ICMPv6, icmpLength(p, p.ICMPv6.HasRest, p.ICMPv6.Body))
	case p.Problem.Kind != ProblemNone:
		s.endpoints(p, -1, -1)
		s.problem(&p.Problem)
	default:
		s.endpoints(p, -1, -1)
		if n := ipProtoName(proto); n != "" {
			s.str(n)
		} else {
			s.str("ip-proto-")
			s.u(uint64(proto))
		}
		if p.Fragment {
			s.str(" fragment")
		}
		s.length(len(p.Payload) + p.ipMissing())
	}
}

func (s *Summary) tcp(p *Packet) {
	t := &p.TCP
	n := len(t.Payload) + p.ipMissing() // per the IP header, as tcpdump
	s.str("Flags [")
	if t.Flags == 0 {
		s.str("none")
	} else {
		s.b = appendTCPFlags(s.b, t.Flags, false)
	}
	s.c(']')
	if n > 0 || t.Flags&(TCPFlagSYN|TCPFlagFIN|TCPFlagRST) != 0 {
		s.str(", seq ")
		s.u(uint64(t.Seq))
		if n > 0 {
			s.c(':')
			s.u(uint64(t.Seq + uint32(n)))
		}
	}
	if t.Flags&TCPFlagACK != 0 {
		s.str(", ack ")
		s.u(uint64(t.Ack))
	}
	s.str(", win ")
	s.u(uint64(t.Window))
	if t.Flags&TCPFlagURG != 0 {
		s.str(", urg ")
		s.u(uint64(t.Urgent))
	}
	if len(t.Options) > 0 {
		s.str(", options [")
		s.tcpOptions(t.Options)
		s.c(']')
	}
	s.length(n)
	switch {
	case p.Layers&LayerHTTP != 0:
		s.str(": HTTP: ")
		s.b = appendPrintable(s.b, p.HTTP.Line)
	case p.Layers&LayerDNS != 0:
		s.c(' ') // tcpdump: "length 58 17177+ A? ..."
		s.dns(&p.DNS)
	}
}

// dnsOpcodeNames are tcpdump's ns_ops: what follows the ID for each opcode.
var dnsOpcodeNames = [16]string{"", " inv_q", " stat", " op3", " notify", " update", " op6", " op7", " op8",
	" updateA", " updateD", " updateDA", " updateM", " updateMA", " zoneInit", " zoneRef"}

// tcpOptions prints options as tcpdump does: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7".
func (s *Summary) tcpOptions(b []byte) {
	for i := 0; ; i++ {
		kind, data, rest, ok, bad := nextTCPOption(b)
		if !ok {
			return
		}
		if i > 0 {
			s.c(',')
		}
		switch {
		case bad:
			s.str("bad opt")
			return
		case kind == tcpOptEOL:
			s.str("eol")
		case kind == tcpOptNOP:
			s.str("nop")
		case kind == tcpOptMSS:
			s.str("mss ")
			s.u(uint64(binary.BigEndian.Uint16(data)))
		case kind == tcpOptWScale:
			s.str("wscale ")
			s.u(uint64(data[0]))
		case kind == tcpOptSACKPerm:
			s.str("sackOK")
		case kind == tcpOptSACK:
			s.str("sack ")
			s.u(uint64(len(data) / 8))
			for j := 0; j+8 <= len(data); j += 8 {
				s.str(" {")
				s.u(uint64(binary.BigEndian.Uint32(data[j:])))
				s.c(':')
				s.u(uint64(binary.BigEndian.Uint32(data[j+4:])))
				s.c('}')
			}
		case kind == tcpOptTimestamp:
			s.str("TS val ")
			s.u(uint64(binary.BigEndian.Uint32(data)))
			s.str(" ecr ")
			s.u(uint64(binary.BigEndian.Uint32(data[4:])))
		default:
			s.str("opt-")
			s.u(uint64(kind))
		}
		b = rest
	}
}

func (s *Summary) icmp(c *ICMPHeader, n int) {
	s.str("ICMP ")
	if name := icmpCodeName(c.Type, c.Code); name != "" && c.Type != 5 {
		s.str(name)
	} else if name := icmpTypeName(c.Type); name != "" {
		s.str(name)
	} else {
		s.str("type ")
		s.u(uint64(c.Type))
		s.str(", code ")
		s.u(uint64(c.Code))
	}
	if c.HasRest && icmpHasIDSeq(c.Type) {
		s.str(", id ")
		s.u(uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
		s.str(", seq ")
		s.u(uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
	}
	s.length(n)
}

// icmpLength is the ICMP or ICMPv6 message's length as its IP header
// gives it (what tcpdump prints), whatever the snaplen left of it: the
// bytes captured, from the type on, and those the snaplen cut.
func icmpLength(p *Packet, hasRest bool, body []byte) int {
	if !hasRest { // 4 to 7 bytes captured: the decoder left those after the checksum as Payload
		return 4 + len(p.Payload) + p.ipMissing()
	}
	return 8 + len(body) + p.ipMissing()
}

func (s *Summary) icmpv6(c *ICMPv6Header, n int) {
	s.str("ICMP6, ")
	if name := icmpv6TypeName(c.Type); name != "" {
		s.str(name)
	} else {
		s.str("type ")
		s.u(uint64(c.Type))
	}
	if name := icmpv6CodeName(c.Type, c.Code); name != "" {
		s.str(", ")
		s.str(name)
	}
	if c.HasRest && (c.Type == 128 || c.Type == 129) {
		s.str(", id ")
		s.u(uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
		s.str(", seq ")
		s.u(uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
	}
	if icmpv6NDTarget(c.Type) && len(c.Body) >= 16 {
		if c.Type == 135 {
			s.str(", who has ")
		} else {
			s.str(", tgt is ")
		}
		s.b = appendIPv6(s.b, [16]byte(c.Body[:16]))
	}
	s.length(n)
}

// dns prints tcpdump's DNS line: "4660+ A? example.com. (29)" for a query,
// "4660 1/0/0 A 93.184.216.34 (45)" for a response.
func (s *Summary) dns(d *DNSMessage) {
	// The flags in tcpdump's order (print-domain.c): the opcode, then for
	// a response the rcode, '*' authoritative, '-' recursion not available,
	// '|' truncated, '$' authenticated; for a query '+' recursion desired,
	// '%' checking disabled.
	s.u(uint64(d.ID))
	s.str(dnsOpcodeNames[d.Flags>>11&15])
	resp := d.Flags&dnsQR != 0
	if resp {
		if rc := d.Flags & 15; rc != 0 {
			s.c(' ')
			if n := dnsRcodeName(rc); n != "" {
				s.str(n)
			} else {
				s.str("rcode ")
				s.u(uint64(rc))
			}
		}
		if d.Flags&dnsAA != 0 {
			s.c('*')
		}
		if d.Flags&dnsRA == 0 {
			s.c('-')
		}
		if d.Flags&dnsTC != 0 {
			s.c('|')
		}
		if d.Flags&dnsAD != 0 {
			s.c('$')
		}
		s.c(' ')
		s.u(uint64(d.ANCount))
		s.c('/')
		s.u(uint64(d.NSCount))
		s.c('/')
		s.u(uint64(d.ARCount))
	} else {
		if d.Flags&dnsRD != 0 {
			s.c('+')
		}
		if d.Flags&dnsCD != 0 {
			s.c('%')
		}
	}
	first := true
	for i := range d.NumRecords {
		r := &d.Records[i]
		want := DNSQuestion
		if resp {
			want = DNSAnswer
		}
		if r.Section != want {
			continue
		}
		if first {
			s.c(' ')
		} else {
			s.str(", ")
		}
		first = false
		if n := dnsTypeName(r.Type); n != "" {
			s.str(n)
		} else {
			s.str("type")
			s.u(uint64(r.Type))
		}
		if resp {
			s.c(' ')
			s.b = appendDNSData(s.b, d, r)
		} else {
			s.str("? ")
			s.b = appendDNSName(s.b, d.Msg, r.NameOff)
		}
	}
	s.str(" (")
	s.u(uint64(len(d.Msg)))
	s.c(')')
}
