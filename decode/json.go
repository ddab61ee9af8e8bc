package decode

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// JSON is the json format: JSON Lines, one object per frame ending in
// "\n", UTF-8. Field names are stable and listed in docs/formats.md;
// numbers are JSON numbers, addresses strings, byte strings lower-case
// hex, the time RFC 3339 in UTC with nanoseconds. A layer's object is
// present only when the layer was decoded; checksum_ok only when the
// checksum could be verified. The zero value is ready to use; use one per
// goroutine.
type JSON struct {
	pkt Packet
	clk clock
	b   []byte
	tmp []byte // scratch for text that is escaped afterwards
}

var _ Format = (*JSON)(nil)

// AppendFrame appends the JSON line of f to dst.
func (j *JSON) AppendFrame(dst []byte, f *pcapio.Frame) []byte {
	p := &j.pkt
	p.Decode(f.Info.LinkType, f.Data)
	j.b = append(dst, '{')
	j.num("frame", uint64(max(f.Number, 0)))
	j.key("time")
	if f.Info.NoTimestamp {
		j.b = append(j.b, "null,"...)
	} else {
		j.b = append(j.b, '"')
		j.b = j.clk.appendRFC3339(j.b, f.Info.Timestamp)
		j.b = append(j.b, '"', ',')
	}
	j.num("caplen", uint64(len(f.Data)))
	j.num("len", uint64(wireLength(f)))
	j.num("link_type", uint64(f.Info.LinkType))
	if n := linkName(f.Info.LinkType); n != "" {
		j.str("link_name", n)
	}
	j.num("interface", uint64(max(f.Info.InterfaceIndex, 0)))
	if n := interfaceName(f); n != "" {
		j.str("interface_name", n)
	}
	switch f.Info.Direction {
	case 1:
		j.str("direction", "in")
	case 2:
		j.str("direction", "out")
	}
	j.link(p)
	if p.Layers&LayerARP != 0 {
		j.arp(&p.ARP)
	}
	if p.Layers&LayerIPv4 != 0 {
		j.ipv4(&p.IPv4)
	}
	if p.Layers&LayerIPv6 != 0 {
		j.ipv6(&p.IPv6)
	}
	if p.Layers&LayerICMP != 0 {
		j.icmp(&p.ICMP)
	}
	if p.Layers&LayerICMPv6 != 0 {
		j.icmpv6(&p.ICMPv6)
	}
	if p.Layers&LayerTCP != 0 {
		j.tcp(&p.TCP)
	}
	if p.Layers&LayerUDP != 0 {
		j.udp(&p.UDP)
	}
	if p.Layers&LayerDNS != 0 {
		j.dns(&p.DNS)
	}
	if p.Layers&LayerHTTP != 0 {
		j.open("http")
		j.text("line", p.HTTP.Line)
		j.boolean("response", p.HTTP.Response)
		j.boolean("cut", p.HTTP.Cut)
		j.close('}')
	}
	if p.Fragment {
		j.boolean("fragment", true)
	}
	j.num("payload_length", uint64(len(p.Payload)))
	j.hex("payload", p.Payload)
	if len(p.Trailer) > 0 {
		j.hex("trailer", p.Trailer)
	}
	switch pr := &p.Problem; pr.Kind {
	case ProblemTruncated:
		j.open("truncated")
		j.str("layer", string(pr.Layer))
		if pr.Field != "" {
			j.str("part", pr.Field)
		}
		j.num("have", uint64(pr.Value))
		j.num("need", uint64(pr.Need))
		j.close('}')
	case ProblemInvalid:
		j.open("invalid")
		j.str("layer", string(pr.Layer))
		j.str("field", pr.Field)
		j.key("value")
		j.b = appendInt(j.b, pr.Value)
		j.b = append(j.b, ',')
		j.str("note", pr.Note)
		j.close('}')
	}
	j.close('}')
	j.b[len(j.b)-1] = '\n' // the comma close leaves
	out := j.b
	j.b = nil
	return out
}

// Members are written as `"key":value,`; close replaces the comma that
// ends the last member with the closing bracket.

func (j *JSON) key(k string) {
	j.b = append(j.b, '"')
	j.b = append(j.b, k...)
	j.b = append(j.b, '"', ':')
}

func (j *JSON) num(k string, v uint64) {
	j.key(k)
	j.b = appendUint(j.b, v)
	j.b = append(j.b, ',')
}

func (j *JSON) boolean(k string, v bool) {
	j.key(k)
	if v {
		j.b = append(j.b, "true,"...)
	} else {
		j.b = append(j.b, "false,"...)
	}
}

func (j *JSON) str(k, v string) {
	j.key(k)
	j.b = appendJSONString(j.b, v)
	j.b = append(j.b, ',')
}

func (j *JSON) text(k string, v []byte) {
	j.key(k)
	j.b = appendJSONString(j.b, v)
	j.b = append(j.b, ',')
}

func (j *JSON) hex(k string, v []byte) {
	j.key(k)
	j.b = append(j.b, '"')
	j.b = appendHex(j.b, v)
	j.b = append(j.b, '"', ',')
}

func (j *JSON) hwaddr(k string, v []byte) {
	j.key(k)
	j.b = append(j.b, '"')
	if len(v) > 0 {
		j.b = appendMAC(j.b, v, lowerHex)
	}
	j.b = append(j.b, '"', ',')
}

// open starts an object member (k != "") or an array element (k == "").
func (j *JSON) open(k string) {
	if k != "" {
		j.key(k)
	}
	j.b = append(j.b, '{')
}

func (j *JSON) openArray(k string) {
	j.key(k)
	j.b = append(j.b, '[')
}

// close ends the innermost object or array with c ('}' or ']').
func (j *JSON) close(c byte) {
	if n := len(j.b); j.b[n-1] == ',' {
		j.b[n-1] = c
	} else {
		j.b = append(j.b, c)
	}
	j.b = append(j.b, ',')
}

func (j *JSON) checksum(c *Checksum) {
	j.num("checksum", uint64(c.Value))
	switch c.Status {
	case ChecksumGood:
		j.boolean("checksum_ok", true)
	case ChecksumBad:
		j.boolean("checksum_ok", false)
		j.num("checksum_want", uint64(c.Want))
	}
}

// name writes k only when the number has a name.
func (j *JSON) name(k, v string) {
	if v != "" {
		j.str(k, v)
	}
}

func (j *JSON) link(p *Packet) {
	switch {
	case p.Layers&LayerEthernet != 0:
		e := &p.Eth
		j.open("eth")
		j.hwaddr("src", e.Src[:])
		j.hwaddr("dst", e.Dst[:])
		if e.EtherType >= 0x0600 {
			j.num("type", uint64(e.EtherType))
		} else {
			j.num("length", uint64(e.EtherType))
		}
		j.close('}')
		if p.Layers&LayerLLC != 0 {
			l := &p.LLC
			j.open("llc")
			j.num("dsap", uint64(l.DSAP))
			j.num("ssap", uint64(l.SSAP))
			j.num("control", uint64(l.Control))
			if l.SNAP && p.Problem.Field != "snap" {
				j.hwaddr("snap_oui", l.OUI[:])
				j.num("snap_type", uint64(l.SNAPType))
			}
			j.close('}')
		}
	case p.Layers&LayerSLL != 0:
		s := &p.SLL
		j.open("sll")
		j.num("packet_type", uint64(s.PacketType))
		j.num("hatype", uint64(s.HardwareType))
		j.hwaddr("addr", s.Addr)
		j.num("protocol", uint64(s.Protocol))
		j.close('}')
	case p.Layers&LayerSLL2 != 0:
		s := &p.SLL2
		j.open("sll2")
		j.num("ifindex", uint64(s.InterfaceIndex))
		j.num("packet_type", uint64(s.PacketType))
		j.num("hatype", uint64(s.HardwareType))
		j.hwaddr("addr", s.Addr)
		j.num("protocol", uint64(s.Protocol))
		j.close('}')
	case p.Layers&LayerLoopback != 0:
		j.open("loopback")
		j.num("family", uint64(p.Loopback.Family))
		j.close('}')
	}
	if p.NumVLAN > 0 {
		j.vlans(p)
	}
}

// The arrays of objects (vlan, ipv6.ext, icmpv6.options, tcp.options.sack
// and other, the dns sections) have a method each, so that the table view
// (columns.go) stores in its JSON columns what this format prints.

func (j *JSON) vlans(p *Packet) {
	j.openArray("vlan")
	for i := range p.NumVLAN {
		t := &p.VLAN[i]
		j.open("")
		j.num("tpid", uint64(t.TPID))
		j.num("id", uint64(t.ID))
		j.num("pcp", uint64(t.PCP))
		j.boolean("dei", t.DEI)
		j.num("type", uint64(t.EtherType))
		j.close('}')
	}
	j.close(']')
}

func (j *JSON) arp(a *ARP) {
	j.open("arp")
	j.num("htype", uint64(a.HType))
	j.num("ptype", uint64(a.PType))
	j.num("hlen", uint64(a.HLen))
	j.num("plen", uint64(a.PLen))
	j.num("op", uint64(a.Op))
	j.hwaddr("sender_hw", a.SenderHW)
	j.arpProto("sender_proto", a, a.SenderProto)
	j.hwaddr("target_hw", a.TargetHW)
	j.arpProto("target_proto", a, a.TargetProto)
	j.close('}')
}

func (j *JSON) arpProto(k string, a *ARP, addr []byte) {
	j.key(k)
	j.b = append(j.b, '"')
	if len(addr) > 0 {
		j.b = appendARPProto(j.b, a, addr)
	}
	j.b = append(j.b, '"', ',')
}

func (j *JSON) addr(k string, b []byte) {
	j.key(k)
	j.b = append(j.b, '"')
	j.b = append(j.b, b...)
	j.b = append(j.b, '"', ',')
}

func (j *JSON) ipv4(ip *IPv4Header) {
	j.open("ipv4")
	j.num("version", uint64(ip.Version))
	j.num("ihl", uint64(ip.IHL))
	j.num("dscp", uint64(ip.TOS>>2))
	j.num("ecn", uint64(ip.TOS&3))
	j.num("total_length", uint64(ip.TotalLength))
	j.num("id", uint64(ip.ID))
	j.openArray("flags")
	for _, f := range [...]struct {
		bit  uint8
		name string
	}{{IPv4Reserved, `"RF",`}, {IPv4DontFragment, `"DF",`}, {IPv4MoreFragments, `"MF",`}} {
		if ip.Flags&f.bit != 0 {
			j.b = append(j.b, f.name...)
		}
	}
	j.close(']')
	j.num("frag_offset", uint64(ip.FragOffset)*8)
	j.num("ttl", uint64(ip.TTL))
	j.num("protocol", uint64(ip.Protocol))
	j.checksum(&ip.Checksum)
	j.tmp = appendAddr(j.tmp[:0], ip.Src)
	j.addr("src", j.tmp)
	j.tmp = appendAddr(j.tmp[:0], ip.Dst)
	j.addr("dst", j.tmp)
	if len(ip.Options) > 0 {
		j.hex("options", ip.Options)
	}
	if ip.Missing > 0 {
		j.num("missing", uint64(ip.Missing))
	}
	j.close('}')
}

func (j *JSON) ipv6(ip *IPv6Header) {
	j.open("ipv6")
	j.num("version", uint64(ip.Version))
	j.num("traffic_class", uint64(ip.TrafficClass))
	j.num("flow_label", uint64(ip.FlowLabel))
	j.num("payload_length", uint64(ip.PayloadLength))
	j.num("next_header", uint64(ip.NextHeader))
	j.num("hop_limit", uint64(ip.HopLimit))
	j.tmp = appendAddr(j.tmp[:0], ip.Src)
	j.addr("src", j.tmp)
	j.tmp = appendAddr(j.tmp[:0], ip.Dst)
	j.addr("dst", j.tmp)
	j.num("protocol", uint64(ip.Protocol))
	if ip.NumExt > 0 {
		j.ipv6Ext(ip)
	}
	if ip.Missing > 0 {
		j.num("missing", uint64(ip.Missing))
	}
	j.close('}')
}

func (j *JSON) ipv6Ext(ip *IPv6Header) {
	j.openArray("ext")
	for i := range ip.NumExt {
		e := &ip.Ext[i]
		j.open("")
		j.num("type", uint64(e.Type))
		j.num("next", uint64(e.Next))
		j.num("length", uint64(len(e.Data)))
		if e.Type == 44 {
			off, more, id := e.Fragment()
			j.num("frag_offset", uint64(off)*8)
			j.boolean("more", more)
			j.num("id", uint64(id))
		} else {
			j.hex("data", e.Data[2:])
		}
		j.close('}')
	}
	j.close(']')
}

func (j *JSON) icmp(c *ICMPHeader) {
	j.open("icmp")
	j.num("type", uint64(c.Type))
	j.num("code", uint64(c.Code))
	j.name("type_name", icmpTypeName(c.Type))
	j.name("code_name", icmpCodeName(c.Type, c.Code))
	j.checksum(&c.Checksum)
	if c.HasRest {
		switch {
		case icmpHasIDSeq(c.Type):
			j.num("id", uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
			j.num("seq", uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
		case c.Type == 5:
			j.tmp = appendIPv4(j.tmp[:0], c.Rest)
			j.addr("gateway", j.tmp)
		case c.Type == 3 && c.Code == 4:
			j.num("mtu", uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
		case c.Type == 12:
			j.num("pointer", uint64(c.Rest[0]))
		}
	}
	j.close('}')
}

func (j *JSON) icmpv6(c *ICMPv6Header) {
	j.open("icmpv6")
	j.num("type", uint64(c.Type))
	j.num("code", uint64(c.Code))
	j.name("type_name", icmpv6TypeName(c.Type))
	j.name("code_name", icmpv6CodeName(c.Type, c.Code))
	j.checksum(&c.Checksum)
	if c.HasRest {
		switch c.Type {
		case 128, 129:
			j.num("id", uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
			j.num("seq", uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
		case 2:
			j.num("mtu", uint64(binary.BigEndian.Uint32(c.Rest[:])))
		case 4:
			j.num("pointer", uint64(binary.BigEndian.Uint32(c.Rest[:])))
		}
		if icmpv6NDTarget(c.Type) && len(c.Body) >= 16 {
			j.tmp = appendIPv6(j.tmp[:0], [16]byte(c.Body[:16]))
			j.addr("target", j.tmp)
		}
	}
	if opts := icmpv6Options(c); len(opts) > 0 {
		j.ndOptions(opts)
	}
	j.close('}')
}

func (j *JSON) ndOptions(opts []byte) {
	j.openArray("options")
	for {
		kind, data, rest, ok, bad := nextNDOption(opts)
		if !ok {
			break
		}
		j.open("")
		j.num("type", uint64(kind))
		if bad {
			j.boolean("invalid", true)
		} else {
			j.hex("data", data)
		}
		j.close('}')
		opts = rest
	}
	j.close(']')
}

func (j *JSON) tcp(t *TCPHeader) {
	j.open("tcp")
	j.num("src_port", uint64(t.SrcPort))
	j.num("dst_port", uint64(t.DstPort))
	j.num("seq", uint64(t.Seq))
	j.num("ack", uint64(t.Ack))
	j.num("header_length", uint64(t.DataOffset)*4)
	j.openArray("flags")
	for _, f := range tcpFlagNames {
		if t.Flags&f.bit != 0 {
			j.b = append(j.b, '"')
			j.b = append(j.b, f.name...)
			j.b = append(j.b, '"', ',')
		}
	}
	j.close(']')
	j.num("window", uint64(t.Window))
	j.checksum(&t.Checksum)
	j.num("urgent", uint64(t.Urgent))
	if len(t.Options) > 0 {
		j.tcpOptions(t.Options)
	}
	j.num("payload_length", uint64(len(t.Payload)))
	j.close('}')
}

func (j *JSON) tcpOptions(opts []byte) {
	j.open("options")
	b := opts
	others := false
	for {
		kind, data, rest, ok, bad := nextTCPOption(b)
		if !ok {
			break
		}
		switch {
		case bad:
			j.boolean("invalid", true)
		case kind == tcpOptMSS:
			j.num("mss", uint64(binary.BigEndian.Uint16(data)))
		case kind == tcpOptWScale:
			j.num("wscale", uint64(data[0]))
		case kind == tcpOptSACKPerm:
			j.boolean("sack_permitted", true)
		case kind == tcpOptSACK:
			j.sack(data)
		case kind == tcpOptTimestamp:
			j.num("ts_val", uint64(binary.BigEndian.Uint32(data)))
			j.num("ts_ecr", uint64(binary.BigEndian.Uint32(data[4:])))
		case kind == tcpOptNOP || kind == tcpOptEOL:
		default:
			others = true
		}
		b = rest
	}
	if others {
		j.otherOptions(opts)
	}
	j.close('}')
}

func (j *JSON) sack(data []byte) {
	j.openArray("sack")
	for i := 0; i+8 <= len(data); i += 8 {
		j.b = append(j.b, '[')
		j.b = appendUint(j.b, uint64(binary.BigEndian.Uint32(data[i:])))
		j.b = append(j.b, ',')
		j.b = appendUint(j.b, uint64(binary.BigEndian.Uint32(data[i+4:])))
		j.b = append(j.b, ']', ',')
	}
	j.close(']')
}

func (j *JSON) otherOptions(opts []byte) {
	j.openArray("other")
	b := opts
	for {
		kind, data, rest, ok, bad := nextTCPOption(b)
		if !ok || bad {
			break
		}
		switch kind {
		case tcpOptEOL, tcpOptNOP, tcpOptMSS, tcpOptWScale, tcpOptSACKPerm, tcpOptSACK, tcpOptTimestamp:
		default:
			j.open("")
			j.num("kind", uint64(kind))
			j.hex("data", data)
			j.close('}')
		}
		b = rest
	}
	j.close(']')
}

func (j *JSON) udp(u *UDPHeader) {
	j.open("udp")
	j.num("src_port", uint64(u.SrcPort))
	j.num("dst_port", uint64(u.DstPort))
	j.num("length", uint64(u.Length))
	j.checksum(&u.Checksum)
	if u.Missing > 0 {
		j.num("missing", uint64(u.Missing))
	}
	j.close('}')
}

func (j *JSON) dns(d *DNSMessage) {
	j.open("dns")
	j.num("id", uint64(d.ID))
	j.boolean("qr", d.Flags&dnsQR != 0)
	j.num("opcode", uint64(d.Flags>>11&15))
	j.num("rcode", uint64(d.Flags&15))
	j.openArray("flags")
	for _, f := range dnsFlagNames {
		if d.Flags&f.bit != 0 && f.bit != dnsQR {
			j.b = append(j.b, '"')
			j.b = append(j.b, f.name...)
			j.b = append(j.b, '"', ',')
		}
	}
	j.close(']')
	j.num("qdcount", uint64(d.QDCount))
	j.num("ancount", uint64(d.ANCount))
	j.num("nscount", uint64(d.NSCount))
	j.num("arcount", uint64(d.ARCount))
	if d.TCP {
		j.boolean("tcp", true)
	}
	for sec, k := range dnsSections {
		j.dnsSection(d, uint8(sec), k)
	}
	j.close('}')
}

// dnsSections are the json keys of the DNS sections, by DNSQuestion...
var dnsSections = [...]string{"questions", "answers", "authority", "additional"}

// dnsSection writes the array of section sec under key k, or nothing when
// the section holds no decoded record.
func (j *JSON) dnsSection(d *DNSMessage, sec uint8, k string) {
	n := 0
	for i := range d.NumRecords {
		r := &d.Records[i]
		if r.Section != sec {
			continue
		}
		if n == 0 {
			j.openArray(k)
		}
		n++
		j.open("")
		j.tmp = appendDNSName(j.tmp[:0], d.Msg, r.NameOff)
		j.text("name", j.tmp)
		j.num("type", uint64(r.Type))
		j.name("type_name", dnsTypeName(r.Type))
		j.num("class", uint64(r.Class))
		if r.Section != DNSQuestion {
			j.num("ttl", uint64(r.TTL))
			j.tmp = appendDNSData(j.tmp[:0], d, r)
			j.text("data", j.tmp)
		}
		j.close('}')
	}
	if n > 0 {
		j.close(']')
	}
}

// appendJSONString appends s as a JSON string. Valid UTF-8 passes
// through except the C0 and C1 control characters and DEL, which are
// escaped (\n, \r, \t, or \u00XX) so none reaches a terminal; each byte
// of invalid UTF-8 becomes U+FFFD, as encoding/json does. The marks that
// change how a viewer orders or breaks text (LRM, RLM, the bidi embeddings,
// overrides and isolates, U+2028 and U+2029) are escaped as \u200e and so
// on, so that a viewer shows them rather than obeys them.
func appendJSONString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if c == '"' || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, c)
			i++
			continue
		}
		if c < 0x80 {
			switch c {
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&15])
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, `\ufffd`...)
		case r < 0xa0: // C1 controls
			dst = append(dst, '\\', 'u', '0', '0', lowerHex[r>>4], lowerHex[r&15])
		case isBidiOrSeparator(r):
			dst = append(dst, '\\', 'u', lowerHex[r>>12], lowerHex[r>>8&15], lowerHex[r>>4&15], lowerHex[r&15])
		default:
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

// isBidiOrSeparator reports the invisible characters that reorder or break
// text in a viewer: U+200E/F (LRM, RLM), U+202A-U+202E (embeddings and
// overrides), U+2066-U+2069 (isolates), U+2028/9 (line and paragraph
// separators).
func isBidiOrSeparator(r rune) bool {
	return r == 0x200e || r == 0x200f || (r >= 0x2028 && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
