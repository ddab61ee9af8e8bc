package decode

import (
	"encoding/binary"
	"math"
	"time"
	"unicode/utf8"
)

// The table view: the json format's fields as flat, typed columns, for
// columnar files (Parquet) that engines such as DuckDB and Spark query.
// A nested key becomes its path joined by '_' (ipv4.src is ipv4_src,
// tcp.options.mss is tcp_options_mss); a value the json format leaves out
// (a layer not decoded, checksum_ok not verified) is null. Flag arrays are
// lists of the same names; the arrays of objects (vlan, ipv6.ext,
// icmpv6.options, tcp.options.sack and other, the dns sections) are JSON
// text, written by the json format's own code. Byte strings, hex in json,
// are bytes here. TestTableMatchesJSON checks every frame of the test
// captures and the tcpdump corpus: each json field equals its column's
// value and each non-null column has its json field.

// ColumnType is the type of a table column's values.
type ColumnType uint8

const (
	ColUint8 ColumnType = iota + 1
	ColUint16
	ColUint32
	ColUint64
	ColInt64
	ColBool
	ColString // valid UTF-8
	ColBytes
	ColFlags // a list of names: Value.Num holds the bits of Column.Flags
	ColJSON  // JSON text
	ColTime  // nanoseconds since the Unix epoch, UTC
)

// Flag names one bit of a ColFlags column.
type Flag struct {
	Bit  uint16
	Name string
}

// Column is one column of the table view.
type Column struct {
	Name  string
	Type  ColumnType
	Flags []Flag // ColFlags: the names, in the json format's order
}

// Value is one cell. Num holds numbers, booleans (0 or 1), times and flag
// bits; Bytes strings, byte strings and JSON text. A Value with Valid
// false is null.
type Value struct {
	Num   uint64
	Bytes []byte
	Valid bool
}

// Column indexes, in the order of the json format's keys.
const (
	ColFrame = iota
	ColTimeNS
	ColCaplen
	ColLen
	ColLinkType
	ColLinkName
	ColInterface
	ColInterfaceName
	ColDirection
	ColEthSrc
	ColEthDst
	ColEthType
	ColEthLength
	ColLLCDSAP
	ColLLCSSAP
	ColLLCControl
	ColLLCSNAPOUI
	ColLLCSNAPType
	ColSLLPacketType
	ColSLLHatype
	ColSLLAddr
	ColSLLProtocol
	ColSLL2Ifindex
	ColSLL2PacketType
	ColSLL2Hatype
	ColSLL2Addr
	ColSLL2Protocol
	ColLoopbackFamily
	ColVLAN
	ColARPHtype
	ColARPPtype
	ColARPHlen
	ColARPPlen
	ColARPOp
	ColARPSenderHW
	ColARPSenderProto
	ColARPTargetHW
	ColARPTargetProto
	ColIPv4Version
	ColIPv4IHL
	ColIPv4DSCP
	ColIPv4ECN
	ColIPv4TotalLength
	ColIPv4ID
	ColIPv4Flags
	ColIPv4FragOffset
	ColIPv4TTL
	ColIPv4Protocol
	ColIPv4Checksum
	ColIPv4ChecksumOK
	ColIPv4ChecksumWant
	ColIPv4Src
	ColIPv4Dst
	ColIPv4Options
	ColIPv4Missing
	ColIPv6Version
	ColIPv6TrafficClass
	ColIPv6FlowLabel
	ColIPv6PayloadLength
	ColIPv6NextHeader
	ColIPv6HopLimit
	ColIPv6Src
	ColIPv6Dst
	ColIPv6Protocol
	ColIPv6Ext
	ColIPv6Missing
	ColICMPType
	ColICMPCode
	ColICMPTypeName
	ColICMPCodeName
	ColICMPChecksum
	ColICMPChecksumOK
	ColICMPChecksumWant
	ColICMPID
	ColICMPSeq
	ColICMPGateway
	ColICMPMTU
	ColICMPPointer
	ColICMPv6Type
	ColICMPv6Code
	ColICMPv6TypeName
	ColICMPv6CodeName
	ColICMPv6Checksum
	ColICMPv6ChecksumOK
	ColICMPv6ChecksumWant
	ColICMPv6ID
	ColICMPv6Seq
	ColICMPv6MTU
	ColICMPv6Pointer
	ColICMPv6Target
	ColICMPv6Options
	ColTCPSrcPort
	ColTCPDstPort
	ColTCPSeq
	ColTCPAck
	ColTCPHeaderLength
	ColTCPFlags
	ColTCPWindow
	ColTCPChecksum
	ColTCPChecksumOK
	ColTCPChecksumWant
	ColTCPUrgent
	ColTCPOptMSS
	ColTCPOptWScale
	ColTCPOptSACKPermitted
	ColTCPOptSACK
	ColTCPOptTSVal
	ColTCPOptTSEcr
	ColTCPOptOther
	ColTCPOptInvalid
	ColTCPPayloadLength
	ColUDPSrcPort
	ColUDPDstPort
	ColUDPLength
	ColUDPChecksum
	ColUDPChecksumOK
	ColUDPChecksumWant
	ColUDPMissing
	ColDNSID
	ColDNSQR
	ColDNSOpcode
	ColDNSRcode
	ColDNSFlags
	ColDNSQDCount
	ColDNSANCount
	ColDNSNSCount
	ColDNSARCount
	ColDNSTCP
	ColDNSQuestions
	ColDNSAnswers
	ColDNSAuthority
	ColDNSAdditional
	ColHTTPLine
	ColHTTPResponse
	ColHTTPCut
	ColFragment
	ColPayloadLength
	ColPayload
	ColTrailer
	ColTruncatedLayer
	ColTruncatedPart
	ColTruncatedHave
	ColTruncatedNeed
	ColInvalidLayer
	ColInvalidField
	ColInvalidValue
	ColInvalidNote
	NumColumns
)

var (
	ipv4FlagNames = []Flag{{IPv4Reserved, "RF"}, {IPv4DontFragment, "DF"}, {IPv4MoreFragments, "MF"}}
	tcpFlagList   = func() []Flag {
		f := make([]Flag, len(tcpFlagNames))
		for i, n := range tcpFlagNames {
			f[i] = Flag{n.bit, n.name}
		}
		return f
	}()
	dnsFlagList = func() []Flag {
		var f []Flag
		for _, n := range dnsFlagNames {
			if n.bit != dnsQR {
				f = append(f, Flag{n.bit, n.name})
			}
		}
		return f
	}()
)

// Columns are the table view's columns, indexed by the Col* constants.
var Columns = [NumColumns]Column{
	ColFrame:               {"frame", ColUint64, nil},
	ColTimeNS:              {"time", ColTime, nil},
	ColCaplen:              {"caplen", ColUint32, nil},
	ColLen:                 {"len", ColUint32, nil},
	ColLinkType:            {"link_type", ColUint32, nil},
	ColLinkName:            {"link_name", ColString, nil},
	ColInterface:           {"interface", ColUint32, nil},
	ColInterfaceName:       {"interface_name", ColString, nil},
	ColDirection:           {"direction", ColString, nil},
	ColEthSrc:              {"eth_src", ColString, nil},
	ColEthDst:              {"eth_dst", ColString, nil},
	ColEthType:             {"eth_type", ColUint16, nil},
	ColEthLength:           {"eth_length", ColUint16, nil},
	ColLLCDSAP:             {"llc_dsap", ColUint8, nil},
	ColLLCSSAP:             {"llc_ssap", ColUint8, nil},
	ColLLCControl:          {"llc_control", ColUint16, nil},
	ColLLCSNAPOUI:          {"llc_snap_oui", ColString, nil},
	ColLLCSNAPType:         {"llc_snap_type", ColUint16, nil},
	ColSLLPacketType:       {"sll_packet_type", ColUint16, nil},
	ColSLLHatype:           {"sll_hatype", ColUint16, nil},
	ColSLLAddr:             {"sll_addr", ColString, nil},
	ColSLLProtocol:         {"sll_protocol", ColUint16, nil},
	ColSLL2Ifindex:         {"sll2_ifindex", ColUint32, nil},
	ColSLL2PacketType:      {"sll2_packet_type", ColUint8, nil},
	ColSLL2Hatype:          {"sll2_hatype", ColUint16, nil},
	ColSLL2Addr:            {"sll2_addr", ColString, nil},
	ColSLL2Protocol:        {"sll2_protocol", ColUint16, nil},
	ColLoopbackFamily:      {"loopback_family", ColUint32, nil},
	ColVLAN:                {"vlan", ColJSON, nil},
	ColARPHtype:            {"arp_htype", ColUint16, nil},
	ColARPPtype:            {"arp_ptype", ColUint16, nil},
	ColARPHlen:             {"arp_hlen", ColUint8, nil},
	ColARPPlen:             {"arp_plen", ColUint8, nil},
	ColARPOp:               {"arp_op", ColUint16, nil},
	ColARPSenderHW:         {"arp_sender_hw", ColString, nil},
	ColARPSenderProto:      {"arp_sender_proto", ColString, nil},
	ColARPTargetHW:         {"arp_target_hw", ColString, nil},
	ColARPTargetProto:      {"arp_target_proto", ColString, nil},
	ColIPv4Version:         {"ipv4_version", ColUint8, nil},
	ColIPv4IHL:             {"ipv4_ihl", ColUint8, nil},
	ColIPv4DSCP:            {"ipv4_dscp", ColUint8, nil},
	ColIPv4ECN:             {"ipv4_ecn", ColUint8, nil},
	ColIPv4TotalLength:     {"ipv4_total_length", ColUint16, nil},
	ColIPv4ID:              {"ipv4_id", ColUint16, nil},
	ColIPv4Flags:           {"ipv4_flags", ColFlags, ipv4FlagNames},
	ColIPv4FragOffset:      {"ipv4_frag_offset", ColUint32, nil},
	ColIPv4TTL:             {"ipv4_ttl", ColUint8, nil},
	ColIPv4Protocol:        {"ipv4_protocol", ColUint8, nil},
	ColIPv4Checksum:        {"ipv4_checksum", ColUint16, nil},
	ColIPv4ChecksumOK:      {"ipv4_checksum_ok", ColBool, nil},
	ColIPv4ChecksumWant:    {"ipv4_checksum_want", ColUint16, nil},
	ColIPv4Src:             {"ipv4_src", ColString, nil},
	ColIPv4Dst:             {"ipv4_dst", ColString, nil},
	ColIPv4Options:         {"ipv4_options", ColBytes, nil},
	ColIPv4Missing:         {"ipv4_missing", ColUint32, nil},
	ColIPv6Version:         {"ipv6_version", ColUint8, nil},
	ColIPv6TrafficClass:    {"ipv6_traffic_class", ColUint8, nil},
	ColIPv6FlowLabel:       {"ipv6_flow_label", ColUint32, nil},
	ColIPv6PayloadLength:   {"ipv6_payload_length", ColUint16, nil},
	ColIPv6NextHeader:      {"ipv6_next_header", ColUint8, nil},
	ColIPv6HopLimit:        {"ipv6_hop_limit", ColUint8, nil},
	ColIPv6Src:             {"ipv6_src", ColString, nil},
	ColIPv6Dst:             {"ipv6_dst", ColString, nil},
	ColIPv6Protocol:        {"ipv6_protocol", ColUint8, nil},
	ColIPv6Ext:             {"ipv6_ext", ColJSON, nil},
	ColIPv6Missing:         {"ipv6_missing", ColUint32, nil},
	ColICMPType:            {"icmp_type", ColUint8, nil},
	ColICMPCode:            {"icmp_code", ColUint8, nil},
	ColICMPTypeName:        {"icmp_type_name", ColString, nil},
	ColICMPCodeName:        {"icmp_code_name", ColString, nil},
	ColICMPChecksum:        {"icmp_checksum", ColUint16, nil},
	ColICMPChecksumOK:      {"icmp_checksum_ok", ColBool, nil},
	ColICMPChecksumWant:    {"icmp_checksum_want", ColUint16, nil},
	ColICMPID:              {"icmp_id", ColUint16, nil},
	ColICMPSeq:             {"icmp_seq", ColUint16, nil},
	ColICMPGateway:         {"icmp_gateway", ColString, nil},
	ColICMPMTU:             {"icmp_mtu", ColUint16, nil},
	ColICMPPointer:         {"icmp_pointer", ColUint8, nil},
	ColICMPv6Type:          {"icmpv6_type", ColUint8, nil},
	ColICMPv6Code:          {"icmpv6_code", ColUint8, nil},
	ColICMPv6TypeName:      {"icmpv6_type_name", ColString, nil},
	ColICMPv6CodeName:      {"icmpv6_code_name", ColString, nil},
	ColICMPv6Checksum:      {"icmpv6_checksum", ColUint16, nil},
	ColICMPv6ChecksumOK:    {"icmpv6_checksum_ok", ColBool, nil},
	ColICMPv6ChecksumWant:  {"icmpv6_checksum_want", ColUint16, nil},
	ColICMPv6ID:            {"icmpv6_id", ColUint16, nil},
	ColICMPv6Seq:           {"icmpv6_seq", ColUint16, nil},
	ColICMPv6MTU:           {"icmpv6_mtu", ColUint32, nil},
	ColICMPv6Pointer:       {"icmpv6_pointer", ColUint32, nil},
	ColICMPv6Target:        {"icmpv6_target", ColString, nil},
	ColICMPv6Options:       {"icmpv6_options", ColJSON, nil},
	ColTCPSrcPort:          {"tcp_src_port", ColUint16, nil},
	ColTCPDstPort:          {"tcp_dst_port", ColUint16, nil},
	ColTCPSeq:              {"tcp_seq", ColUint32, nil},
	ColTCPAck:              {"tcp_ack", ColUint32, nil},
	ColTCPHeaderLength:     {"tcp_header_length", ColUint8, nil},
	ColTCPFlags:            {"tcp_flags", ColFlags, tcpFlagList},
	ColTCPWindow:           {"tcp_window", ColUint16, nil},
	ColTCPChecksum:         {"tcp_checksum", ColUint16, nil},
	ColTCPChecksumOK:       {"tcp_checksum_ok", ColBool, nil},
	ColTCPChecksumWant:     {"tcp_checksum_want", ColUint16, nil},
	ColTCPUrgent:           {"tcp_urgent", ColUint16, nil},
	ColTCPOptMSS:           {"tcp_options_mss", ColUint16, nil},
	ColTCPOptWScale:        {"tcp_options_wscale", ColUint8, nil},
	ColTCPOptSACKPermitted: {"tcp_options_sack_permitted", ColBool, nil},
	ColTCPOptSACK:          {"tcp_options_sack", ColJSON, nil},
	ColTCPOptTSVal:         {"tcp_options_ts_val", ColUint32, nil},
	ColTCPOptTSEcr:         {"tcp_options_ts_ecr", ColUint32, nil},
	ColTCPOptOther:         {"tcp_options_other", ColJSON, nil},
	ColTCPOptInvalid:       {"tcp_options_invalid", ColBool, nil},
	ColTCPPayloadLength:    {"tcp_payload_length", ColUint32, nil},
	ColUDPSrcPort:          {"udp_src_port", ColUint16, nil},
	ColUDPDstPort:          {"udp_dst_port", ColUint16, nil},
	ColUDPLength:           {"udp_length", ColUint16, nil},
	ColUDPChecksum:         {"udp_checksum", ColUint16, nil},
	ColUDPChecksumOK:       {"udp_checksum_ok", ColBool, nil},
	ColUDPChecksumWant:     {"udp_checksum_want", ColUint16, nil},
	ColUDPMissing:          {"udp_missing", ColUint32, nil},
	ColDNSID:               {"dns_id", ColUint16, nil},
	ColDNSQR:               {"dns_qr", ColBool, nil},
	ColDNSOpcode:           {"dns_opcode", ColUint8, nil},
	ColDNSRcode:            {"dns_rcode", ColUint8, nil},
	ColDNSFlags:            {"dns_flags", ColFlags, dnsFlagList},
	ColDNSQDCount:          {"dns_qdcount", ColUint16, nil},
	ColDNSANCount:          {"dns_ancount", ColUint16, nil},
	ColDNSNSCount:          {"dns_nscount", ColUint16, nil},
	ColDNSARCount:          {"dns_arcount", ColUint16, nil},
	ColDNSTCP:              {"dns_tcp", ColBool, nil},
	ColDNSQuestions:        {"dns_questions", ColJSON, nil},
	ColDNSAnswers:          {"dns_answers", ColJSON, nil},
	ColDNSAuthority:        {"dns_authority", ColJSON, nil},
	ColDNSAdditional:       {"dns_additional", ColJSON, nil},
	ColHTTPLine:            {"http_line", ColString, nil},
	ColHTTPResponse:        {"http_response", ColBool, nil},
	ColHTTPCut:             {"http_cut", ColBool, nil},
	ColFragment:            {"fragment", ColBool, nil},
	ColPayloadLength:       {"payload_length", ColUint32, nil},
	ColPayload:             {"payload", ColBytes, nil},
	ColTrailer:             {"trailer", ColBytes, nil},
	ColTruncatedLayer:      {"truncated_layer", ColString, nil},
	ColTruncatedPart:       {"truncated_part", ColString, nil},
	ColTruncatedHave:       {"truncated_have", ColUint32, nil},
	ColTruncatedNeed:       {"truncated_need", ColUint32, nil},
	ColInvalidLayer:        {"invalid_layer", ColString, nil},
	ColInvalidField:        {"invalid_field", ColString, nil},
	ColInvalidValue:        {"invalid_value", ColInt64, nil},
	ColInvalidNote:         {"invalid_note", ColString, nil},
}

// Bounds of a time in int64 nanoseconds since the epoch (1677-09-21 to
// 2262-04-11).
var (
	minTimeNS = time.Unix(0, math.MinInt64)
	maxTimeNS = time.Unix(0, math.MaxInt64)
)

// TimeNS returns t in nanoseconds since the Unix epoch, and false when an
// int64 cannot hold it (time.UnixNano would wrap to a wrong date): the
// time column is then null, never a wrong time.
func TimeNS(t time.Time) (int64, bool) {
	if t.Before(minTimeNS) || t.After(maxTimeNS) {
		return 0, false
	}
	return t.UnixNano(), true
}

// NumColumns fits the uint8 indexes of Table.set.
var _ [255 - NumColumns]struct{}

// Table fills the table view of frames, one row at a time, decoding each
// with Packet and the json format's helpers. Use one per goroutine.
type Table struct {
	Row [NumColumns]Value

	pkt   Packet
	js    JSON
	text  []byte  // scratch for a value before it is copied to arena
	arena []byte  // during Fill
	set   []uint8 // the columns Fill set, to clear next time
}

// Fill decodes f into t.Row. Text and byte values are appended to arena,
// which Fill returns: the row's Bytes point into it (or into f.Data), so
// they stay valid while the caller keeps arena and f.Data unchanged.
func (t *Table) Fill(f *Frame, arena []byte) []byte {
	p := &t.pkt
	p.Decode(f.Info.LinkType, f.Data)
	for _, c := range t.set { // cheaper than clearing the whole row
		t.Row[c] = Value{}
	}
	t.set = t.set[:0]
	t.arena = arena
	t.num(ColFrame, uint64(max(f.Number, 0)))
	if ns, ok := TimeNS(f.Info.Timestamp); ok && !f.Info.NoTimestamp {
		t.num(ColTimeNS, uint64(ns))
	}
	t.num(ColCaplen, uint64(len(f.Data)))
	t.num(ColLen, uint64(wireLength(f)))
	t.num(ColLinkType, uint64(f.Info.LinkType))
	if n := linkName(f.Info.LinkType); n != "" {
		t.str(ColLinkName, n)
	}
	t.num(ColInterface, uint64(max(f.Info.InterfaceIndex, 0)))
	if n := interfaceName(f); n != "" {
		t.text = appendValidUTF8(t.text[:0], n)
		t.put(ColInterfaceName, t.text)
	}
	switch f.Info.Direction {
	case 1:
		t.str(ColDirection, "in")
	case 2:
		t.str(ColDirection, "out")
	}

	switch {
	case p.Layers&LayerEthernet != 0:
		e := &p.Eth
		t.mac(ColEthSrc, e.Src[:])
		t.mac(ColEthDst, e.Dst[:])
		if e.EtherType >= 0x0600 {
			t.num(ColEthType, uint64(e.EtherType))
		} else {
			t.num(ColEthLength, uint64(e.EtherType))
		}
		if p.Layers&LayerLLC != 0 {
			l := &p.LLC
			t.num(ColLLCDSAP, uint64(l.DSAP))
			t.num(ColLLCSSAP, uint64(l.SSAP))
			t.num(ColLLCControl, uint64(l.Control))
			if l.SNAP && p.Problem.Field != "snap" {
				t.mac(ColLLCSNAPOUI, l.OUI[:])
				t.num(ColLLCSNAPType, uint64(l.SNAPType))
			}
		}
	case p.Layers&LayerSLL != 0:
		s := &p.SLL
		t.num(ColSLLPacketType, uint64(s.PacketType))
		t.num(ColSLLHatype, uint64(s.HardwareType))
		t.mac(ColSLLAddr, s.Addr)
		t.num(ColSLLProtocol, uint64(s.Protocol))
	case p.Layers&LayerSLL2 != 0:
		s := &p.SLL2
		t.num(ColSLL2Ifindex, uint64(s.InterfaceIndex))
		t.num(ColSLL2PacketType, uint64(s.PacketType))
		t.num(ColSLL2Hatype, uint64(s.HardwareType))
		t.mac(ColSLL2Addr, s.Addr)
		t.num(ColSLL2Protocol, uint64(s.Protocol))
	case p.Layers&LayerLoopback != 0:
		t.num(ColLoopbackFamily, uint64(p.Loopback.Family))
	}
	if p.NumVLAN > 0 {
		t.js.b = t.text[:0]
		t.js.vlans(p)
		t.putJSON(ColVLAN, "vlan")
	}
	if p.Layers&LayerARP != 0 {
		a := &p.ARP
		t.num(ColARPHtype, uint64(a.HType))
		t.num(ColARPPtype, uint64(a.PType))
		t.num(ColARPHlen, uint64(a.HLen))
		t.num(ColARPPlen, uint64(a.PLen))
		t.num(ColARPOp, uint64(a.Op))
		t.mac(ColARPSenderHW, a.SenderHW)
		t.text = t.text[:0]
		if len(a.SenderProto) > 0 {
			t.text = appendARPProto(t.text, a, a.SenderProto)
		}
		t.put(ColARPSenderProto, t.text)
		t.mac(ColARPTargetHW, a.TargetHW)
		t.text = t.text[:0]
		if len(a.TargetProto) > 0 {
			t.text = appendARPProto(t.text, a, a.TargetProto)
		}
		t.put(ColARPTargetProto, t.text)
	}
	if p.Layers&LayerIPv4 != 0 {
		ip := &p.IPv4
		t.num(ColIPv4Version, uint64(ip.Version))
		t.num(ColIPv4IHL, uint64(ip.IHL))
		t.num(ColIPv4DSCP, uint64(ip.TOS>>2))
		t.num(ColIPv4ECN, uint64(ip.TOS&3))
		t.num(ColIPv4TotalLength, uint64(ip.TotalLength))
		t.num(ColIPv4ID, uint64(ip.ID))
		t.num(ColIPv4Flags, uint64(ip.Flags))
		t.num(ColIPv4FragOffset, uint64(ip.FragOffset)*8)
		t.num(ColIPv4TTL, uint64(ip.TTL))
		t.num(ColIPv4Protocol, uint64(ip.Protocol))
		t.checksum(ColIPv4Checksum, &ip.Checksum)
		t.text = appendAddr(t.text[:0], ip.Src)
		t.put(ColIPv4Src, t.text)
		t.text = appendAddr(t.text[:0], ip.Dst)
		t.put(ColIPv4Dst, t.text)
		if len(ip.Options) > 0 {
			t.raw(ColIPv4Options, ip.Options)
		}
		if ip.Missing > 0 {
			t.num(ColIPv4Missing, uint64(ip.Missing))
		}
	}
	if p.Layers&LayerIPv6 != 0 {
		ip := &p.IPv6
		t.num(ColIPv6Version, uint64(ip.Version))
		t.num(ColIPv6TrafficClass, uint64(ip.TrafficClass))
		t.num(ColIPv6FlowLabel, uint64(ip.FlowLabel))
		t.num(ColIPv6PayloadLength, uint64(ip.PayloadLength))
		t.num(ColIPv6NextHeader, uint64(ip.NextHeader))
		t.num(ColIPv6HopLimit, uint64(ip.HopLimit))
		t.text = appendAddr(t.text[:0], ip.Src)
		t.put(ColIPv6Src, t.text)
		t.text = appendAddr(t.text[:0], ip.Dst)
		t.put(ColIPv6Dst, t.text)
		t.num(ColIPv6Protocol, uint64(ip.Protocol))
		if ip.NumExt > 0 {
			t.js.b = t.text[:0]
			t.js.ipv6Ext(ip)
			t.putJSON(ColIPv6Ext, "ext")
		}
		if ip.Missing > 0 {
			t.num(ColIPv6Missing, uint64(ip.Missing))
		}
	}
	if p.Layers&LayerICMP != 0 {
		c := &p.ICMP
		t.num(ColICMPType, uint64(c.Type))
		t.num(ColICMPCode, uint64(c.Code))
		if n := icmpTypeName(c.Type); n != "" {
			t.str(ColICMPTypeName, n)
		}
		if n := icmpCodeName(c.Type, c.Code); n != "" {
			t.str(ColICMPCodeName, n)
		}
		t.checksum(ColICMPChecksum, &c.Checksum)
		if c.HasRest {
			switch {
			case icmpHasIDSeq(c.Type):
				t.num(ColICMPID, uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
				t.num(ColICMPSeq, uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
			case c.Type == 5:
				t.text = appendIPv4(t.text[:0], c.Rest)
				t.put(ColICMPGateway, t.text)
			case c.Type == 3 && c.Code == 4:
				t.num(ColICMPMTU, uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
			case c.Type == 12:
				t.num(ColICMPPointer, uint64(c.Rest[0]))
			}
		}
	}
	if p.Layers&LayerICMPv6 != 0 {
		c := &p.ICMPv6
		t.num(ColICMPv6Type, uint64(c.Type))
		t.num(ColICMPv6Code, uint64(c.Code))
		if n := icmpv6TypeName(c.Type); n != "" {
			t.str(ColICMPv6TypeName, n)
		}
		if n := icmpv6CodeName(c.Type, c.Code); n != "" {
			t.str(ColICMPv6CodeName, n)
		}
		t.checksum(ColICMPv6Checksum, &c.Checksum)
		if c.HasRest {
			switch c.Type {
			case 128, 129:
				t.num(ColICMPv6ID, uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
				t.num(ColICMPv6Seq, uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
			case 2:
				t.num(ColICMPv6MTU, uint64(binary.BigEndian.Uint32(c.Rest[:])))
			case 4:
				t.num(ColICMPv6Pointer, uint64(binary.BigEndian.Uint32(c.Rest[:])))
			}
			if icmpv6NDTarget(c.Type) && len(c.Body) >= 16 {
				t.text = appendIPv6(t.text[:0], [16]byte(c.Body[:16]))
				t.put(ColICMPv6Target, t.text)
			}
		}
		if opts := icmpv6Options(c); len(opts) > 0 {
			t.js.b = t.text[:0]
			t.js.ndOptions(opts)
			t.putJSON(ColICMPv6Options, "options")
		}
	}
	if p.Layers&LayerTCP != 0 {
		tc := &p.TCP
		t.num(ColTCPSrcPort, uint64(tc.SrcPort))
		t.num(ColTCPDstPort, uint64(tc.DstPort))
		t.num(ColTCPSeq, uint64(tc.Seq))
		t.num(ColTCPAck, uint64(tc.Ack))
		t.num(ColTCPHeaderLength, uint64(tc.DataOffset)*4)
		t.num(ColTCPFlags, uint64(tc.Flags))
		t.num(ColTCPWindow, uint64(tc.Window))
		t.checksum(ColTCPChecksum, &tc.Checksum)
		t.num(ColTCPUrgent, uint64(tc.Urgent))
		if len(tc.Options) > 0 {
			t.tcpOptions(tc.Options)
		}
		t.num(ColTCPPayloadLength, uint64(len(tc.Payload)))
	}
	if p.Layers&LayerUDP != 0 {
		u := &p.UDP
		t.num(ColUDPSrcPort, uint64(u.SrcPort))
		t.num(ColUDPDstPort, uint64(u.DstPort))
		t.num(ColUDPLength, uint64(u.Length))
		t.checksum(ColUDPChecksum, &u.Checksum)
		if u.Missing > 0 {
			t.num(ColUDPMissing, uint64(u.Missing))
		}
	}
	if p.Layers&LayerDNS != 0 {
		d := &p.DNS
		t.num(ColDNSID, uint64(d.ID))
		t.flag(ColDNSQR, d.Flags&dnsQR != 0)
		t.num(ColDNSOpcode, uint64(d.Flags>>11&15))
		t.num(ColDNSRcode, uint64(d.Flags&15))
		t.num(ColDNSFlags, uint64(d.Flags))
		t.num(ColDNSQDCount, uint64(d.QDCount))
		t.num(ColDNSANCount, uint64(d.ANCount))
		t.num(ColDNSNSCount, uint64(d.NSCount))
		t.num(ColDNSARCount, uint64(d.ARCount))
		if d.TCP {
			t.flag(ColDNSTCP, true)
		}
		var have [4]bool
		for i := range d.NumRecords {
			if s := d.Records[i].Section; int(s) < len(have) {
				have[s] = true
			}
		}
		for sec, k := range dnsSections {
			if have[sec] {
				t.js.b = t.text[:0]
				t.js.dnsSection(d, uint8(sec), k)
				t.putJSON(ColDNSQuestions+sec, k)
			}
		}
	}
	if p.Layers&LayerHTTP != 0 {
		t.text = appendValidUTF8(t.text[:0], p.HTTP.Line)
		t.put(ColHTTPLine, t.text)
		t.flag(ColHTTPResponse, p.HTTP.Response)
		t.flag(ColHTTPCut, p.HTTP.Cut)
	}
	if p.Fragment {
		t.flag(ColFragment, true)
	}
	t.num(ColPayloadLength, uint64(len(p.Payload)))
	t.raw(ColPayload, p.Payload)
	if len(p.Trailer) > 0 {
		t.raw(ColTrailer, p.Trailer)
	}
	switch pr := &p.Problem; pr.Kind {
	case ProblemTruncated:
		t.str(ColTruncatedLayer, string(pr.Layer))
		if pr.Field != "" {
			t.str(ColTruncatedPart, pr.Field)
		}
		t.num(ColTruncatedHave, uint64(pr.Value))
		t.num(ColTruncatedNeed, uint64(pr.Need))
	case ProblemInvalid:
		t.str(ColInvalidLayer, string(pr.Layer))
		t.str(ColInvalidField, pr.Field)
		t.num(ColInvalidValue, uint64(int64(pr.Value)))
		t.str(ColInvalidNote, pr.Note)
	}
	return t.arena
}

// Set returns the indexes of the columns the last Fill made non-null, in
// no particular order and possibly with repeats (a column set twice holds
// its last value), so that a writer visits only those instead of all
// NumColumns. It is valid until the next Fill.
func (t *Table) Set() []uint8 { return t.set }

// tcpOptions fills the tcp_options_* columns as the json format's
// tcp.options object: a repeated option leaves its last value, as a JSON
// reader keeps the last of duplicate keys.
func (t *Table) tcpOptions(opts []byte) {
	b := opts
	others := false
	for {
		kind, data, rest, ok, bad := nextTCPOption(b)
		if !ok {
			break
		}
		switch {
		case bad:
			t.flag(ColTCPOptInvalid, true)
		case kind == tcpOptMSS:
			t.num(ColTCPOptMSS, uint64(binary.BigEndian.Uint16(data)))
		case kind == tcpOptWScale:
			t.num(ColTCPOptWScale, uint64(data[0]))
		case kind == tcpOptSACKPerm:
			t.flag(ColTCPOptSACKPermitted, true)
		case kind == tcpOptSACK:
			t.js.b = t.text[:0]
			t.js.sack(data)
			t.putJSON(ColTCPOptSACK, "sack")
		case kind == tcpOptTimestamp:
			t.num(ColTCPOptTSVal, uint64(binary.BigEndian.Uint32(data)))
			t.num(ColTCPOptTSEcr, uint64(binary.BigEndian.Uint32(data[4:])))
		case kind == tcpOptNOP || kind == tcpOptEOL:
		default:
			others = true
		}
		b = rest
	}
	if others {
		t.js.b = t.text[:0]
		t.js.otherOptions(opts)
		t.putJSON(ColTCPOptOther, "other")
	}
}

// appendValidUTF8 appends s with each byte of invalid UTF-8 replaced by
// U+FFFD: the string a JSON reader gets from the json format's escaping
// (appendJSONString), which a Parquet string must be.
func appendValidUTF8[T string | []byte](dst []byte, s T) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return dst
}

func (t *Table) num(c int, v uint64) {
	t.Row[c] = Value{Num: v, Valid: true}
	t.set = append(t.set, uint8(c))
}

func (t *Table) flag(c int, v bool) {
	t.Row[c] = Value{Valid: true}
	t.set = append(t.set, uint8(c))
	if v {
		t.Row[c].Num = 1
	}
}

// put stores a copy of b in the arena as column c's value.
func (t *Table) put(c int, b []byte) {
	start := len(t.arena)
	t.arena = append(t.arena, b...)
	t.Row[c] = Value{Bytes: t.arena[start:len(t.arena):len(t.arena)], Valid: true}
	t.set = append(t.set, uint8(c))
}

func (t *Table) str(c int, s string) {
	start := len(t.arena)
	t.arena = append(t.arena, s...)
	t.Row[c] = Value{Bytes: t.arena[start:len(t.arena):len(t.arena)], Valid: true}
	t.set = append(t.set, uint8(c))
}

// raw stores b itself (a part of the frame) as column c's value.
func (t *Table) raw(c int, b []byte) {
	t.Row[c] = Value{Bytes: b, Valid: true}
	t.set = append(t.set, uint8(c))
}

func (t *Table) mac(c int, b []byte) {
	t.text = t.text[:0]
	if len(b) > 0 {
		t.text = appendMAC(t.text, b, lowerHex)
	}
	t.put(c, t.text)
}

// checksum fills column c and the two after it: checksum, checksum_ok,
// checksum_want.
func (t *Table) checksum(c int, cs *Checksum) {
	t.num(c, uint64(cs.Value))
	switch cs.Status {
	case ChecksumGood:
		t.flag(c+1, true)
	case ChecksumBad:
		t.flag(c+1, false)
		t.num(c+2, uint64(cs.Want))
	}
}

// putJSON stores as column c the value that one of the json format's
// array methods has just written into t.js.b as `"key":[...],`.
func (t *Table) putJSON(c int, key string) {
	b := t.js.b
	t.text, t.js.b = b, nil
	t.put(c, b[len(key)+3:len(b)-1])
}
