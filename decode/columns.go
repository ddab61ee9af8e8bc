package decode

import (
	"encoding/binary"
	"math"
	"time"
	"unicode/utf8"

	"github.com/turtle-sniffer/turtle/pcapio"
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
	colLinkName
	ColInterface
	colInterfaceName
	colDirection
	colEthSrc
	colEthDst
	colEthType
	colEthLength
	colLLCDSAP
	colLLCSSAP
	colLLCControl
	colLLCSNAPOUI
	colLLCSNAPType
	colSLLPacketType
	colSLLHatype
	colSLLAddr
	colSLLProtocol
	colSLL2Ifindex
	colSLL2PacketType
	colSLL2Hatype
	colSLL2Addr
	colSLL2Protocol
	colLoopbackFamily
	colVLAN
	colARPHtype
	colARPPtype
	colARPHlen
	colARPPlen
	colARPOp
	colARPSenderHW
	colARPSenderProto
	colARPTargetHW
	colARPTargetProto
	colIPv4Version
	colIPv4IHL
	colIPv4DSCP
	colIPv4ECN
	colIPv4TotalLength
	colIPv4ID
	colIPv4Flags
	colIPv4FragOffset
	colIPv4TTL
	colIPv4Protocol
	colIPv4Checksum
	colIPv4ChecksumOK
	colIPv4ChecksumWant
	colIPv4Src
	colIPv4Dst
	colIPv4Options
	colIPv4Missing
	colIPv6Version
	colIPv6TrafficClass
	colIPv6FlowLabel
	colIPv6PayloadLength
	colIPv6NextHeader
	colIPv6HopLimit
	colIPv6Src
	colIPv6Dst
	colIPv6Protocol
	colIPv6Ext
	colIPv6Missing
	colICMPType
	colICMPCode
	colICMPTypeName
	colICMPCodeName
	colICMPChecksum
	colICMPChecksumOK
	colICMPChecksumWant
	colICMPID
	colICMPSeq
	colICMPGateway
	colICMPMTU
	colICMPPointer
	colICMPv6Type
	colICMPv6Code
	colICMPv6TypeName
	colICMPv6CodeName
	colICMPv6Checksum
	colICMPv6ChecksumOK
	colICMPv6ChecksumWant
	colICMPv6ID
	colICMPv6Seq
	colICMPv6MTU
	colICMPv6Pointer
	colICMPv6Target
	colICMPv6Options
	colTCPSrcPort
	colTCPDstPort
	colTCPSeq
	colTCPAck
	colTCPHeaderLength
	colTCPFlags
	colTCPWindow
	colTCPChecksum
	colTCPChecksumOK
	colTCPChecksumWant
	colTCPUrgent
	colTCPOptMSS
	colTCPOptWScale
	colTCPOptSACKPermitted
	colTCPOptSACK
	colTCPOptTSVal
	colTCPOptTSEcr
	colTCPOptOther
	colTCPOptInvalid
	colTCPPayloadLength
	colUDPSrcPort
	colUDPDstPort
	colUDPLength
	colUDPChecksum
	colUDPChecksumOK
	colUDPChecksumWant
	colUDPMissing
	colDNSID
	colDNSQR
	colDNSOpcode
	colDNSRcode
	colDNSFlags
	colDNSQDCount
	colDNSANCount
	colDNSNSCount
	colDNSARCount
	colDNSTCP
	colDNSQuestions
	colDNSAnswers
	colDNSAuthority
	colDNSAdditional
	colHTTPLine
	colHTTPResponse
	colHTTPCut
	colFragment
	ColPayloadLength
	ColPayload
	colTrailer
	colTruncatedLayer
	colTruncatedPart
	colTruncatedHave
	colTruncatedNeed
	colInvalidLayer
	colInvalidField
	colInvalidValue
	colInvalidNote
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
	colLinkName:            {"link_name", ColString, nil},
	ColInterface:           {"interface", ColUint32, nil},
	colInterfaceName:       {"interface_name", ColString, nil},
	colDirection:           {"direction", ColString, nil},
	colEthSrc:              {"eth_src", ColString, nil},
	colEthDst:              {"eth_dst", ColString, nil},
	colEthType:             {"eth_type", ColUint16, nil},
	colEthLength:           {"eth_length", ColUint16, nil},
	colLLCDSAP:             {"llc_dsap", ColUint8, nil},
	colLLCSSAP:             {"llc_ssap", ColUint8, nil},
	colLLCControl:          {"llc_control", ColUint16, nil},
	colLLCSNAPOUI:          {"llc_snap_oui", ColString, nil},
	colLLCSNAPType:         {"llc_snap_type", ColUint16, nil},
	colSLLPacketType:       {"sll_packet_type", ColUint16, nil},
	colSLLHatype:           {"sll_hatype", ColUint16, nil},
	colSLLAddr:             {"sll_addr", ColString, nil},
	colSLLProtocol:         {"sll_protocol", ColUint16, nil},
	colSLL2Ifindex:         {"sll2_ifindex", ColUint32, nil},
	colSLL2PacketType:      {"sll2_packet_type", ColUint8, nil},
	colSLL2Hatype:          {"sll2_hatype", ColUint16, nil},
	colSLL2Addr:            {"sll2_addr", ColString, nil},
	colSLL2Protocol:        {"sll2_protocol", ColUint16, nil},
	colLoopbackFamily:      {"loopback_family", ColUint32, nil},
	colVLAN:                {"vlan", ColJSON, nil},
	colARPHtype:            {"arp_htype", ColUint16, nil},
	colARPPtype:            {"arp_ptype", ColUint16, nil},
	colARPHlen:             {"arp_hlen", ColUint8, nil},
	colARPPlen:             {"arp_plen", ColUint8, nil},
	colARPOp:               {"arp_op", ColUint16, nil},
	colARPSenderHW:         {"arp_sender_hw", ColString, nil},
	colARPSenderProto:      {"arp_sender_proto", ColString, nil},
	colARPTargetHW:         {"arp_target_hw", ColString, nil},
	colARPTargetProto:      {"arp_target_proto", ColString, nil},
	colIPv4Version:         {"ipv4_version", ColUint8, nil},
	colIPv4IHL:             {"ipv4_ihl", ColUint8, nil},
	colIPv4DSCP:            {"ipv4_dscp", ColUint8, nil},
	colIPv4ECN:             {"ipv4_ecn", ColUint8, nil},
	colIPv4TotalLength:     {"ipv4_total_length", ColUint16, nil},
	colIPv4ID:              {"ipv4_id", ColUint16, nil},
	colIPv4Flags:           {"ipv4_flags", ColFlags, ipv4FlagNames},
	colIPv4FragOffset:      {"ipv4_frag_offset", ColUint32, nil},
	colIPv4TTL:             {"ipv4_ttl", ColUint8, nil},
	colIPv4Protocol:        {"ipv4_protocol", ColUint8, nil},
	colIPv4Checksum:        {"ipv4_checksum", ColUint16, nil},
	colIPv4ChecksumOK:      {"ipv4_checksum_ok", ColBool, nil},
	colIPv4ChecksumWant:    {"ipv4_checksum_want", ColUint16, nil},
	colIPv4Src:             {"ipv4_src", ColString, nil},
	colIPv4Dst:             {"ipv4_dst", ColString, nil},
	colIPv4Options:         {"ipv4_options", ColBytes, nil},
	colIPv4Missing:         {"ipv4_missing", ColUint32, nil},
	colIPv6Version:         {"ipv6_version", ColUint8, nil},
	colIPv6TrafficClass:    {"ipv6_traffic_class", ColUint8, nil},
	colIPv6FlowLabel:       {"ipv6_flow_label", ColUint32, nil},
	colIPv6PayloadLength:   {"ipv6_payload_length", ColUint16, nil},
	colIPv6NextHeader:      {"ipv6_next_header", ColUint8, nil},
	colIPv6HopLimit:        {"ipv6_hop_limit", ColUint8, nil},
	colIPv6Src:             {"ipv6_src", ColString, nil},
	colIPv6Dst:             {"ipv6_dst", ColString, nil},
	colIPv6Protocol:        {"ipv6_protocol", ColUint8, nil},
	colIPv6Ext:             {"ipv6_ext", ColJSON, nil},
	colIPv6Missing:         {"ipv6_missing", ColUint32, nil},
	colICMPType:            {"icmp_type", ColUint8, nil},
	colICMPCode:            {"icmp_code", ColUint8, nil},
	colICMPTypeName:        {"icmp_type_name", ColString, nil},
	colICMPCodeName:        {"icmp_code_name", ColString, nil},
	colICMPChecksum:        {"icmp_checksum", ColUint16, nil},
	colICMPChecksumOK:      {"icmp_checksum_ok", ColBool, nil},
	colICMPChecksumWant:    {"icmp_checksum_want", ColUint16, nil},
	colICMPID:              {"icmp_id", ColUint16, nil},
	colICMPSeq:             {"icmp_seq", ColUint16, nil},
	colICMPGateway:         {"icmp_gateway", ColString, nil},
	colICMPMTU:             {"icmp_mtu", ColUint16, nil},
	colICMPPointer:         {"icmp_pointer", ColUint8, nil},
	colICMPv6Type:          {"icmpv6_type", ColUint8, nil},
	colICMPv6Code:          {"icmpv6_code", ColUint8, nil},
	colICMPv6TypeName:      {"icmpv6_type_name", ColString, nil},
	colICMPv6CodeName:      {"icmpv6_code_name", ColString, nil},
	colICMPv6Checksum:      {"icmpv6_checksum", ColUint16, nil},
	colICMPv6ChecksumOK:    {"icmpv6_checksum_ok", ColBool, nil},
	colICMPv6ChecksumWant:  {"icmpv6_checksum_want", ColUint16, nil},
	colICMPv6ID:            {"icmpv6_id", ColUint16, nil},
	colICMPv6Seq:           {"icmpv6_seq", ColUint16, nil},
	colICMPv6MTU:           {"icmpv6_mtu", ColUint32, nil},
	colICMPv6Pointer:       {"icmpv6_pointer", ColUint32, nil},
	colICMPv6Target:        {"icmpv6_target", ColString, nil},
	colICMPv6Options:       {"icmpv6_options", ColJSON, nil},
	colTCPSrcPort:          {"tcp_src_port", ColUint16, nil},
	colTCPDstPort:          {"tcp_dst_port", ColUint16, nil},
	colTCPSeq:              {"tcp_seq", ColUint32, nil},
	colTCPAck:              {"tcp_ack", ColUint32, nil},
	colTCPHeaderLength:     {"tcp_header_length", ColUint8, nil},
	colTCPFlags:            {"tcp_flags", ColFlags, tcpFlagList},
	colTCPWindow:           {"tcp_window", ColUint16, nil},
	colTCPChecksum:         {"tcp_checksum", ColUint16, nil},
	colTCPChecksumOK:       {"tcp_checksum_ok", ColBool, nil},
	colTCPChecksumWant:     {"tcp_checksum_want", ColUint16, nil},
	colTCPUrgent:           {"tcp_urgent", ColUint16, nil},
	colTCPOptMSS:           {"tcp_options_mss", ColUint16, nil},
	colTCPOptWScale:        {"tcp_options_wscale", ColUint8, nil},
	colTCPOptSACKPermitted: {"tcp_options_sack_permitted", ColBool, nil},
	colTCPOptSACK:          {"tcp_options_sack", ColJSON, nil},
	colTCPOptTSVal:         {"tcp_options_ts_val", ColUint32, nil},
	colTCPOptTSEcr:         {"tcp_options_ts_ecr", ColUint32, nil},
	colTCPOptOther:         {"tcp_options_other", ColJSON, nil},
	colTCPOptInvalid:       {"tcp_options_invalid", ColBool, nil},
	colTCPPayloadLength:    {"tcp_payload_length", ColUint32, nil},
	colUDPSrcPort:          {"udp_src_port", ColUint16, nil},
	colUDPDstPort:          {"udp_dst_port", ColUint16, nil},
	colUDPLength:           {"udp_length", ColUint16, nil},
	colUDPChecksum:         {"udp_checksum", ColUint16, nil},
	colUDPChecksumOK:       {"udp_checksum_ok", ColBool, nil},
	colUDPChecksumWant:     {"udp_checksum_want", ColUint16, nil},
	colUDPMissing:          {"udp_missing", ColUint32, nil},
	colDNSID:               {"dns_id", ColUint16, nil},
	colDNSQR:               {"dns_qr", ColBool, nil},
	colDNSOpcode:           {"dns_opcode", ColUint8, nil},
	colDNSRcode:            {"dns_rcode", ColUint8, nil},
	colDNSFlags:            {"dns_flags", ColFlags, dnsFlagList},
	colDNSQDCount:          {"dns_qdcount", ColUint16, nil},
	colDNSANCount:          {"dns_ancount", ColUint16, nil},
	colDNSNSCount:          {"dns_nscount", ColUint16, nil},
	colDNSARCount:          {"dns_arcount", ColUint16, nil},
	colDNSTCP:              {"dns_tcp", ColBool, nil},
	colDNSQuestions:        {"dns_questions", ColJSON, nil},
	colDNSAnswers:          {"dns_answers", ColJSON, nil},
	colDNSAuthority:        {"dns_authority", ColJSON, nil},
	colDNSAdditional:       {"dns_additional", ColJSON, nil},
	colHTTPLine:            {"http_line", ColString, nil},
	colHTTPResponse:        {"http_response", ColBool, nil},
	colHTTPCut:             {"http_cut", ColBool, nil},
	colFragment:            {"fragment", ColBool, nil},
	ColPayloadLength:       {"payload_length", ColUint32, nil},
	ColPayload:             {"payload", ColBytes, nil},
	colTrailer:             {"trailer", ColBytes, nil},
	colTruncatedLayer:      {"truncated_layer", ColString, nil},
	colTruncatedPart:       {"truncated_part", ColString, nil},
	colTruncatedHave:       {"truncated_have", ColUint32, nil},
	colTruncatedNeed:       {"truncated_need", ColUint32, nil},
	colInvalidLayer:        {"invalid_layer", ColString, nil},
	colInvalidField:        {"invalid_field", ColString, nil},
	colInvalidValue:        {"invalid_value", ColInt64, nil},
	colInvalidNote:         {"invalid_note", ColString, nil},
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

// FrameTimeNS returns the time column of a frame: its time in nanoseconds
// since the Unix epoch, and false when the column is null (a Simple Packet
// Block carries no time; TimeNS).
func FrameTimeNS(ci *pcapio.CaptureInfo) (int64, bool) {
	if ci.NoTimestamp {
		return 0, false
	}
	return TimeNS(ci.Timestamp)
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
func (t *Table) Fill(f *pcapio.Frame, arena []byte) []byte {
	p := &t.pkt
	p.Decode(f.Info.LinkType, f.Data)
	for _, c := range t.set { // cheaper than clearing the whole row
		t.Row[c] = Value{}
	}
	t.set = t.set[:0]
	t.arena = arena
	t.num(ColFrame, uint64(max(f.Number, 0)))
	if ns, ok := FrameTimeNS(&f.Info); ok {
		t.num(ColTimeNS, uint64(ns))
	}
	t.num(ColCaplen, uint64(len(f.Data)))
	t.num(ColLen, uint64(wireLength(f)))
	t.num(ColLinkType, uint64(f.Info.LinkType))
	if n := linkName(f.Info.LinkType); n != "" {
		t.str(colLinkName, n)
	}
	t.num(ColInterface, uint64(max(f.Info.InterfaceIndex, 0)))
	if n := interfaceName(f); n != "" {
		t.text = appendValidUTF8(t.text[:0], n)
		t.put(colInterfaceName, t.text)
	}
	switch f.Info.Direction {
	case 1:
		t.str(colDirection, "in")
	case 2:
		t.str(colDirection, "out")
	}

	switch {
	case p.Layers&LayerEthernet != 0:
		e := &p.Eth
		t.mac(colEthSrc, e.Src[:])
		t.mac(colEthDst, e.Dst[:])
		if e.EtherType >= 0x0600 {
			t.num(colEthType, uint64(e.EtherType))
		} else {
			t.num(colEthLength, uint64(e.EtherType))
		}
		if p.Layers&LayerLLC != 0 {
			l := &p.LLC
			t.num(colLLCDSAP, uint64(l.DSAP))
			t.num(colLLCSSAP, uint64(l.SSAP))
			t.num(colLLCControl, uint64(l.Control))
			if l.SNAP && p.Problem.Field != "snap" {
				t.mac(colLLCSNAPOUI, l.OUI[:])
				t.num(colLLCSNAPType, uint64(l.SNAPType))
			}
		}
	case p.Layers&LayerSLL != 0:
		s := &p.SLL
		t.num(colSLLPacketType, uint64(s.PacketType))
		t.num(colSLLHatype, uint64(s.HardwareType))
		t.mac(colSLLAddr, s.Addr)
		t.num(colSLLProtocol, uint64(s.Protocol))
	case p.Layers&LayerSLL2 != 0:
		s := &p.SLL2
		t.num(colSLL2Ifindex, uint64(s.InterfaceIndex))
		t.num(colSLL2PacketType, uint64(s.PacketType))
		t.num(colSLL2Hatype, uint64(s.HardwareType))
		t.mac(colSLL2Addr, s.Addr)
		t.num(colSLL2Protocol, uint64(s.Protocol))
	case p.Layers&LayerLoopback != 0:
		t.num(colLoopbackFamily, uint64(p.Loopback.Family))
	}
	if p.NumVLAN > 0 {
		t.js.b = t.text[:0]
		t.js.vlans(p)
		t.putJSON(colVLAN, "vlan")
	}
	if p.Layers&LayerARP != 0 {
		a := &p.ARP
		t.num(colARPHtype, uint64(a.HType))
		t.num(colARPPtype, uint64(a.PType))
		t.num(colARPHlen, uint64(a.HLen))
		t.num(colARPPlen, uint64(a.PLen))
		t.num(colARPOp, uint64(a.Op))
		t.mac(colARPSenderHW, a.SenderHW)
		t.text = t.text[:0]
		if len(a.SenderProto) > 0 {
			t.text = appendARPProto(t.text, a, a.SenderProto)
		}
		t.put(colARPSenderProto, t.text)
		t.mac(colARPTargetHW, a.TargetHW)
		t.text = t.text[:0]
		if len(a.TargetProto) > 0 {
			t.text = appendARPProto(t.text, a, a.TargetProto)
		}
		t.put(colARPTargetProto, t.text)
	}
	if p.Layers&LayerIPv4 != 0 {
		ip := &p.IPv4
		t.num(colIPv4Version, uint64(ip.Version))
		t.num(colIPv4IHL, uint64(ip.IHL))
		t.num(colIPv4DSCP, uint64(ip.TOS>>2))
		t.num(colIPv4ECN, uint64(ip.TOS&3))
		t.num(colIPv4TotalLength, uint64(ip.TotalLength))
		t.num(colIPv4ID, uint64(ip.ID))
		t.num(colIPv4Flags, uint64(ip.Flags))
		t.num(colIPv4FragOffset, uint64(ip.FragOffset)*8)
		t.num(colIPv4TTL, uint64(ip.TTL))
		t.num(colIPv4Protocol, uint64(ip.Protocol))
		t.checksum(colIPv4Checksum, &ip.Checksum)
		t.text = appendAddr(t.text[:0], ip.Src)
		t.put(colIPv4Src, t.text)
		t.text = appendAddr(t.text[:0], ip.Dst)
		t.put(colIPv4Dst, t.text)
		if len(ip.Options) > 0 {
			t.raw(colIPv4Options, ip.Options)
		}
		if ip.Missing > 0 {
			t.num(colIPv4Missing, uint64(ip.Missing))
		}
	}
	if p.Layers&LayerIPv6 != 0 {
		ip := &p.IPv6
		t.num(colIPv6Version, uint64(ip.Version))
		t.num(colIPv6TrafficClass, uint64(ip.TrafficClass))
		t.num(colIPv6FlowLabel, uint64(ip.FlowLabel))
		t.num(colIPv6PayloadLength, uint64(ip.PayloadLength))
		t.num(colIPv6NextHeader, uint64(ip.NextHeader))
		t.num(colIPv6HopLimit, uint64(ip.HopLimit))
		t.text = appendAddr(t.text[:0], ip.Src)
		t.put(colIPv6Src, t.text)
		t.text = appendAddr(t.text[:0], ip.Dst)
		t.put(colIPv6Dst, t.text)
		t.num(colIPv6Protocol, uint64(ip.Protocol))
		if ip.NumExt > 0 {
			t.js.b = t.text[:0]
			t.js.ipv6Ext(ip)
			t.putJSON(colIPv6Ext, "ext")
		}
		if ip.Missing > 0 {
			t.num(colIPv6Missing, uint64(ip.Missing))
		}
	}
	if p.Layers&LayerICMP != 0 {
		c := &p.ICMP
		t.num(colICMPType, uint64(c.Type))
		t.num(colICMPCode, uint64(c.Code))
		if n := icmpTypeName(c.Type); n != "" {
			t.str(colICMPTypeName, n)
		}
		if n := icmpCodeName(c.Type, c.Code); n != "" {
			t.str(colICMPCodeName, n)
		}
		t.checksum(colICMPChecksum, &c.Checksum)
		if c.HasRest {
			switch {
			case icmpHasIDSeq(c.Type):
				t.num(colICMPID, uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
				t.num(colICMPSeq, uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
			case c.Type == 5:
				t.text = appendIPv4(t.text[:0], c.Rest)
				t.put(colICMPGateway, t.text)
			case c.Type == 3 && c.Code == 4:
				t.num(colICMPMTU, uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
			case c.Type == 12:
				t.num(colICMPPointer, uint64(c.Rest[0]))
			}
		}
	}
	if p.Layers&LayerICMPv6 != 0 {
		c := &p.ICMPv6
		t.num(colICMPv6Type, uint64(c.Type))
		t.num(colICMPv6Code, uint64(c.Code))
		if n := icmpv6TypeName(c.Type); n != "" {
			t.str(colICMPv6TypeName, n)
		}
		if n := icmpv6CodeName(c.Type, c.Code); n != "" {
			t.str(colICMPv6CodeName, n)
		}
		t.checksum(colICMPv6Checksum, &c.Checksum)
		if c.HasRest {
			switch c.Type {
			case 128, 129:
				t.num(colICMPv6ID, uint64(binary.BigEndian.Uint16(c.Rest[0:2])))
				t.num(colICMPv6Seq, uint64(binary.BigEndian.Uint16(c.Rest[2:4])))
			case 2:
				t.num(colICMPv6MTU, uint64(binary.BigEndian.Uint32(c.Rest[:])))
			case 4:
				t.num(colICMPv6Pointer, uint64(binary.BigEndian.Uint32(c.Rest[:])))
			}
			if icmpv6NDTarget(c.Type) && len(c.Body) >= 16 {
				t.text = appendIPv6(t.text[:0], [16]byte(c.Body[:16]))
				t.put(colICMPv6Target, t.text)
			}
		}
		if opts := icmpv6Options(c); len(opts) > 0 {
			t.js.b = t.text[:0]
			t.js.ndOptions(opts)
			t.putJSON(colICMPv6Options, "options")
		}
	}
	if p.Layers&LayerTCP != 0 {
		tc := &p.TCP
		t.num(colTCPSrcPort, uint64(tc.SrcPort))
		t.num(colTCPDstPort, uint64(tc.DstPort))
		t.num(colTCPSeq, uint64(tc.Seq))
		t.num(colTCPAck, uint64(tc.Ack))
		t.num(colTCPHeaderLength, uint64(tc.DataOffset)*4)
		t.num(colTCPFlags, uint64(tc.Flags))
		t.num(colTCPWindow, uint64(tc.Window))
		t.checksum(colTCPChecksum, &tc.Checksum)
		t.num(colTCPUrgent, uint64(tc.Urgent))
		if len(tc.Options) > 0 {
			t.tcpOptions(tc.Options)
		}
		t.num(colTCPPayloadLength, uint64(len(tc.Payload)))
	}
	if p.Layers&LayerUDP != 0 {
		u := &p.UDP
		t.num(colUDPSrcPort, uint64(u.SrcPort))
		t.num(colUDPDstPort, uint64(u.DstPort))
		t.num(colUDPLength, uint64(u.Length))
		t.checksum(colUDPChecksum, &u.Checksum)
		if u.Missing > 0 {
			t.num(colUDPMissing, uint64(u.Missing))
		}
	}
	if p.Layers&LayerDNS != 0 {
		d := &p.DNS
		t.num(colDNSID, uint64(d.ID))
		t.flag(colDNSQR, d.Flags&dnsQR != 0)
		t.num(colDNSOpcode, uint64(d.Flags>>11&15))
		t.num(colDNSRcode, uint64(d.Flags&15))
		t.num(colDNSFlags, uint64(d.Flags))
		t.num(colDNSQDCount, uint64(d.QDCount))
		t.num(colDNSANCount, uint64(d.ANCount))
		t.num(colDNSNSCount, uint64(d.NSCount))
		t.num(colDNSARCount, uint64(d.ARCount))
		if d.TCP {
			t.flag(colDNSTCP, true)
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
				t.putJSON(colDNSQuestions+sec, k)
			}
		}
	}
	if p.Layers&LayerHTTP != 0 {
		t.text = appendValidUTF8(t.text[:0], p.HTTP.Line)
		t.put(colHTTPLine, t.text)
		t.flag(colHTTPResponse, p.HTTP.Response)
		t.flag(colHTTPCut, p.HTTP.Cut)
	}
	if p.Fragment {
		t.flag(colFragment, true)
	}
	t.num(ColPayloadLength, uint64(len(p.Payload)))
	t.raw(ColPayload, p.Payload)
	if len(p.Trailer) > 0 {
		t.raw(colTrailer, p.Trailer)
	}
	switch pr := &p.Problem; pr.Kind {
	case ProblemTruncated:
		t.str(colTruncatedLayer, string(pr.Layer))
		if pr.Field != "" {
			t.str(colTruncatedPart, pr.Field)
		}
		t.num(colTruncatedHave, uint64(pr.Value))
		t.num(colTruncatedNeed, uint64(pr.Need))
	case ProblemInvalid:
		t.str(colInvalidLayer, string(pr.Layer))
		t.str(colInvalidField, pr.Field)
		t.num(colInvalidValue, uint64(int64(pr.Value)))
		t.str(colInvalidNote, pr.Note)
	}
	return t.arena
}

// Set returns the indexes of the columns the last Fill made non-null, in
// no particular order, each once (a column set twice, a repeated TCP
// option, holds its last value), so that a writer visits only those
// instead of all NumColumns. It is valid until the next Fill.
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
			t.flag(colTCPOptInvalid, true)
		case kind == tcpOptMSS:
			t.num(colTCPOptMSS, uint64(binary.BigEndian.Uint16(data)))
		case kind == tcpOptWScale:
			t.num(colTCPOptWScale, uint64(data[0]))
		case kind == tcpOptSACKPerm:
			t.flag(colTCPOptSACKPermitted, true)
		case kind == tcpOptSACK:
			t.js.b = t.text[:0]
			t.js.sack(data)
			t.putJSON(colTCPOptSACK, "sack")
		case kind == tcpOptTimestamp:
			t.num(colTCPOptTSVal, uint64(binary.BigEndian.Uint32(data)))
			t.num(colTCPOptTSEcr, uint64(binary.BigEndian.Uint32(data[4:])))
		case kind == tcpOptNOP || kind == tcpOptEOL:
		default:
			others = true
		}
		b = rest
	}
	if others {
		t.js.b = t.text[:0]
		t.js.otherOptions(opts)
		t.putJSON(colTCPOptOther, "other")
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

// mark adds column c to the set, unless it is there already.
func (t *Table) mark(c int) {
	if !t.Row[c].Valid {
		t.set = append(t.set, uint8(c))
	}
}

func (t *Table) num(c int, v uint64) {
	t.mark(c)
	t.Row[c] = Value{Num: v, Valid: true}
}

func (t *Table) flag(c int, v bool) {
	t.mark(c)
	t.Row[c] = Value{Valid: true}
	if v {
		t.Row[c].Num = 1
	}
}

// put stores a copy of b in the arena as column c's value.
func (t *Table) put(c int, b []byte) {
	t.mark(c)
	start := len(t.arena)
	t.arena = append(t.arena, b...)
	t.Row[c] = Value{Bytes: t.arena[start:len(t.arena):len(t.arena)], Valid: true}
}

func (t *Table) str(c int, s string) {
	t.mark(c)
	start := len(t.arena)
	t.arena = append(t.arena, s...)
	t.Row[c] = Value{Bytes: t.arena[start:len(t.arena):len(t.arena)], Valid: true}
}

// raw stores b itself (a part of the frame) as column c's value.
func (t *Table) raw(c int, b []byte) {
	t.mark(c)
	t.Row[c] = Value{Bytes: b, Valid: true}
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
