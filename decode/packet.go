package decode

import (
	"github.com/turtle-sniffer/turtle/pcapio"
)

// The verbose, summary and json formats share one dissector, Packet, written
// by hand rather than on gopacket's DecodingLayerParser: gopacket reports a
// short or malformed header as a formatted error string (an allocation per
// bad frame, and no way to tell a cut capture from a wrong field, which
// these formats must show distinctly), and it refuses a whole layer for one
// bad field (IHL 3, data offset 2) where the verbose format must still show
// the fields it has. Decoding by hand into reused structs costs nothing per
// frame, which the summary format needs to stay well ahead of tcpdump.
// gopacket still serves where it is right: the tests forge frames with its
// serializer and cross-check these checksums against its own, and turtle
// follow uses its TCP reassembly.

// Fixed header lengths the classroom code unpacks (struct.unpack sizes).
const (
	ethernetHeaderLen = 14
	ipv4HeaderLen     = 20
	icmpHeaderLen     = 4
	udpHeaderLen      = 8
)

// Layers is a set of decoded layers.
type Layers uint32

// The layers a Packet may hold; Packet.Layers has a bit for each one decoded.
const (
	LayerEthernet Layers = 1 << iota
	LayerLLC
	LayerVLAN
	LayerSLL
	LayerSLL2
	LayerLoopback
	LayerARP
	LayerIPv4
	LayerIPv6
	LayerICMP
	LayerICMPv6
	LayerTCP
	LayerUDP
	LayerDNS
	LayerHTTP
)

// MaxVLANTags is how many stacked 802.1Q/802.1ad tags a Packet keeps; a
// frame with more is marked invalid.
const MaxVLANTags = 4

// Packet is one frame decoded layer by layer, as the verbose, summary and
// json formats show it. Decode fills it in place; a field is meaningful
// only when Layers has its layer's bit. Slices point into the frame's data.
type Packet struct {
	Link   pcapio.LinkType
	Layers Layers

	Eth      Ethernet
	LLC      LLC
	SLL      pcapio.LinuxSLL
	SLL2     pcapio.LinuxSLL2
	Loopback pcapio.Loopback
	VLAN     [MaxVLANTags]VLANTag
	NumVLAN  int

	// EtherType is the protocol of the network layer (after any tags), or
	// 0 when the link layer names none.
	EtherType uint16

	ARP    ARP
	IPv4   IPv4Header
	IPv6   IPv6Header
	ICMP   ICMPHeader
	ICMPv6 ICMPv6Header
	TCP    TCPHeader
	UDP    UDPHeader
	DNS    DNSMessage
	HTTP   HTTP

	// Payload is what follows the last decoded header: application data,
	// a fragment, an unknown protocol, or the rest of the frame after a
	// truncated or invalid header.
	Payload []byte
	// Trailer is the bytes after the network packet in the frame:
	// Ethernet padding, sometimes a frame check sequence.
	Trailer []byte
	// Fragment is set when Payload is a later fragment of an IP datagram
	// (its transport header is in another frame).
	Fragment bool

	// Problem is why decoding stopped early, if it did.
	Problem Problem

	noVerify bool   // leave checksums unverified (the summary format)
	net      []byte // what the network layer was decoded from; see Network
}

// Network returns the frame's bytes from the start of the network layer
// (after the link header and any VLAN tags) to the end of the frame, or nil
// when the link layer names none or is cut. It lets a rewriter (anonymize)
// find header fields by offset without decoding them a second time.
func (p *Packet) Network() []byte { return p.net }

// SkipChecksums makes Decode leave checksums unverified (Status
// ChecksumUnverified), for callers that only need the fields.
func (p *Packet) SkipChecksums(skip bool) { p.noVerify = skip }

// ProblemKind tells a cut capture from a wrong field.
type ProblemKind uint8

const (
	ProblemNone      ProblemKind = iota
	ProblemTruncated             // the data ends inside a header
	ProblemInvalid               // a field holds a value the layer cannot have
)

// Problem is where and why decoding stopped. Bad checksums are not
// problems: they are reported on their layer and decoding goes on.
type Problem struct {
	Kind  ProblemKind
	Layer ProblemLayer // the layer's short name, as the json format's key: "ipv4", "tcp"
	Field string       // invalid: the field, e.g. "version"; truncated: "" or the part cut ("options")
	Value int          // invalid: the field's value; truncated: the bytes there are
	Need  int          // truncated: the bytes the layer needs
	Note  string       // invalid: what was expected, e.g. "want 4"
}

// ProblemLayer names the layer a Problem is in by its short name, the
// json format's key for it (gopacket's LayerType, kept as the text the
// formats print). Compare with the constants, never with a literal.
type ProblemLayer string

// The layers a Problem can be in.
const (
	ProblemEthernet ProblemLayer = "eth"
	ProblemLLC      ProblemLayer = "llc"
	ProblemVLAN     ProblemLayer = "vlan"
	ProblemSLL      ProblemLayer = "sll"
	ProblemSLL2     ProblemLayer = "sll2"
	ProblemLoopback ProblemLayer = "loopback"
	ProblemRaw      ProblemLayer = "raw" // a raw IP link's first byte
	ProblemARP      ProblemLayer = "arp"
	ProblemIPv4     ProblemLayer = "ipv4"
	ProblemIPv6     ProblemLayer = "ipv6"
	ProblemICMP     ProblemLayer = "icmp"
	ProblemICMPv6   ProblemLayer = "icmpv6"
	ProblemTCP      ProblemLayer = "tcp"
	ProblemUDP      ProblemLayer = "udp"
	ProblemDNS      ProblemLayer = "dns"
)

// Decode dissects one frame of the given link type into p.
func (p *Packet) Decode(link pcapio.LinkType, b []byte) {
	p.Link = link
	p.Layers = 0
	p.NumVLAN = 0
	p.EtherType = 0
	p.Payload = nil
	p.Trailer = nil
	p.Fragment = false
	p.Problem = Problem{}
	p.net = nil

	switch link {
	case pcapio.LinkTypeEthernet:
		p.decodeEthernet(b)
	case pcapio.LinkTypeLinuxSLL:
		if !p.SLL.Decode(b) {
			p.truncated(ProblemSLL, "", len(b), pcapio.LinuxSLLLen)
			return
		}
		p.Layers |= LayerSLL
		p.network(p.SLL.Protocol, p.SLL.Payload)
	case pcapio.LinkTypeLinuxSLL2:
		if !p.SLL2.Decode(b) {
			p.truncated(ProblemSLL2, "", len(b), pcapio.LinuxSLL2Len)
			return
		}
		p.Layers |= LayerSLL2
		p.network(p.SLL2.Protocol, p.SLL2.Payload)
	case pcapio.LinkTypeNull, pcapio.LinkTypeLoop:
		if !p.Loopback.Decode(b, link == pcapio.LinkTypeLoop) {
			p.truncated(ProblemLoopback, "", len(b), pcapio.LoopbackLen)
			return
		}
		p.Layers |= LayerLoopback
		p.network(loopbackEtherType(p.Loopback.Family), p.Loopback.Payload)
	case pcapio.LinkTypeRaw, pcapio.LinkTypeIPv4, pcapio.LinkTypeIPv6:
		if len(b) == 0 {
			p.truncated(ProblemRaw, "", 0, 1)
			return
		}
		t := rawEtherType(b)
		switch {
		case link == pcapio.LinkTypeIPv4:
			t = 0x0800
		case link == pcapio.LinkTypeIPv6:
			t = 0x86dd
		case t == 0:
			p.Payload = b
			p.invalid(ProblemRaw, "version", int(b[0]>>4), "want 4 or 6")
			return
		}
		p.network(t, b)
	default:
		p.Payload = b
	}
}

// network decodes what an EtherType names, unwrapping VLAN tags first.
func (p *Packet) network(etherType uint16, b []byte) {
	for isVLANType(etherType) {
		if p.NumVLAN == MaxVLANTags {
			p.Payload = b
			p.invalid(ProblemVLAN, "tags", p.NumVLAN+1, "at most 4 are decoded")
			return
		}
		t := &p.VLAN[p.NumVLAN]
		if !t.decode(etherType, b) {
			p.Payload = b
			p.truncated(ProblemVLAN, "", len(b), vlanTagLen)
			return
		}
		p.NumVLAN++
		p.Layers |= LayerVLAN
		etherType, b = t.EtherType, b[vlanTagLen:]
	}
	p.EtherType = etherType
	p.net = b
	switch etherType {
	case 0x0800:
		p.decodeIPv4(b)
	case 0x86dd:
		p.decodeIPv6(b)
	case 0x0806:
		p.decodeARP(b)
	default:
		p.Payload = b
	}
}

// transport decodes the protocol an IP header names. verify is false when
// the segment is not whole (cut capture, fragment): checksums are then
// left unverified rather than called bad.
func (p *Packet) transport(proto uint8, b []byte, verify bool) {
	verify = verify && !p.noVerify
	switch proto {
	case 1:
		p.decodeICMP(b, verify)
	case 6:
		p.decodeTCP(b, verify)
	case 17:
		p.decodeUDP(b, verify)
	case 58:
		p.decodeICMPv6(b, verify)
	default:
		p.Payload = b
	}
}

func (p *Packet) truncated(layer ProblemLayer, part string, have, need int) {
	p.Problem = Problem{Kind: ProblemTruncated, Layer: layer, Field: part, Value: have, Need: need}
}

func (p *Packet) invalid(layer ProblemLayer, field string, value int, note string) {
	p.Problem = Problem{Kind: ProblemInvalid, Layer: layer, Field: field, Value: value, Note: note}
}

// pseudoSum is the one's complement sum of the IPv4 or IPv6 pseudo-header
// for an upper-layer protocol over length bytes.
func (p *Packet) pseudoSum(proto uint8, length int) uint64 {
	var s uint64
	if p.Layers&LayerIPv6 != 0 {
		src, dst := p.IPv6.Src.As16(), p.IPv6.finalDst()
		s = onesSum(src[:], 0)
		s = onesSum(dst[:], s)
	} else {
		src, dst := p.IPv4.Src.As4(), p.IPv4.Dst.As4()
		s = onesSum(src[:], 0)
		s = onesSum(dst[:], s)
	}
	return s + uint64(proto) + uint64(length>>16) + uint64(length&0xffff)
}
