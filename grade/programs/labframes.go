package programs

import (
	"encoding/binary"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/turtle-sniffer/turtle/internal/forge"
)

// The sniffer labs' reference capture is built here, in production code,
// because turtle grade sends it to every student's sniffer; it moved out of
// internal/fixtures (the forge for test captures, imported by tests only).
// Frames are built with internal/forge (gopacket's serializer, the builders
// internal/fixtures uses too) where a valid packet is wanted, and patched by
// hand where the branch needs it (IPv4 options, a cut header).

// labFrame is one frame of the sniffer labs and the branch of the
// classroom code it exercises; every frame is Ethernet.
type labFrame struct {
	Name string
	Data []byte
}

var (
	labHostA    = net.IPv4(10, 0, 0, 1).To4()
	labHostB    = net.IPv4(10, 0, 0, 2).To4()
	labHostA6   = net.ParseIP("fd00::1")
	labHostB6   = net.ParseIP("fd00::2")
	labGreeting = []byte("Hello turtle")
)

// snifferLab returns the reference capture of the sniffer labs (turtle
// grade --lab turtle-sniffer|basic-sniffer --program ...): frames sent from
// src to dst on a veth pair while a student's sniffer listens on dst's
// side. Together they take every branch of the classroom code — ICMP, TCP
// with each flag alone and all at once, UDP, other EtherTypes, another IP
// protocol, IHL above 5, Ethernet padding, data blocks that end exactly at
// a line boundary and one byte past it, empty payloads — and none on which
// the classroom code raises (every header is whole). No frame carries a
// VLAN tag: the receiving kernel would strip it before a sniffer sees it.
func snifferLab(src, dst net.HardwareAddr) []labFrame {
	hostA, hostB := labHostA, labHostB
	h := func(t uint16) []byte { return forge.EthernetHeader(dst, src, t) }
	udp := func(payload []byte) []byte {
		return forge.Concat(h(0x0800), forge.UDP(hostA, hostB, 40000, 10001, payload))
	}
	tcp := func(t *layers.TCP, payload []byte) []byte {
		if t.Window == 0 {
			t.Window = 502
		}
		return forge.Concat(h(0x0800), forge.TCP(hostA, hostB, t, payload))
	}
	flag := func(name string, set func(*layers.TCP)) labFrame {
		t := &layers.TCP{SrcPort: 51000, DstPort: 12500, Seq: 7000, Ack: 9000}
		set(t)
		return labFrame{"tcp with only " + name, forge.Pad(tcp(t, nil))}
	}
	// IHL 6 and 8: real options (a no-op and end of list; a router alert).
	withOptions := func(ip []byte, opts []byte) []byte {
		ihl := 5 + len(opts)/4
		out := forge.Concat(ip[:20], opts, ip[20:])
		out[0] = 0x40 | byte(ihl)
		out[2], out[3] = byte(len(out)>>8), byte(len(out))
		return labIPv4Sum(out)
	}
	udpOpts := withOptions(forge.UDP(hostA, hostB, 40001, 10001, []byte("options")), []byte{1, 1, 1, 0})
	icmpOpts := withOptions(forge.ICMP(hostA, hostB, 8, 0x4243, 2, forge.Seq(20)),
		[]byte{0x94, 4, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0})
	igmp := forge.Serialize(forge.IPv4(layers.IPProtocolIGMP, hostA, hostB))
	igmp = append(igmp, 0x16, 0x00, 0xfa, 0x04, 224, 0, 0, 251)
	igmp[2], igmp[3] = 0, byte(len(igmp))
	igmp = labIPv4Sum(igmp)
	unreachable := forge.ICMP(hostB, hostA, 3, 0, 0, forge.UDP(hostA, hostB, 40000, 10002, []byte("hi"))[:28])
	unreachable[20+1] = 3 // code 3, port unreachable (the checksum stays as forged: nobody checks it)
	arp := forge.Concat(forge.EthernetHeader(layers.EthernetBroadcast, src, 0x0806), []byte{
		0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0xaa, 0xbb, 0x01, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2})
	ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: labHostA6, DstIP: labHostB6}
	udp6 := &layers.UDP{SrcPort: 40000, DstPort: 10001}
	udp6.SetNetworkLayerForChecksum(ip6)
	v6 := forge.Serialize(&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv6},
		ip6, udp6, gopacket.Payload(labGreeting))
	multicast := forge.Concat(forge.EthernetHeader(net.HardwareAddr{1, 0, 0x5e, 0, 0, 251}, src, 0x0800),
		forge.UDP(hostA, net.IPv4(224, 0, 0, 251).To4(), 5353, 5353, []byte("multicast")))
	synOptions := []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0xff, 0xd7}},
		{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
		{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: []byte{0, 0, 0x12, 0x34, 0, 0, 0, 0}},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
	}

	return []labFrame{
		{"udp with text", udp(labGreeting)},
		{"udp with 2 bytes of data, padded to 60", forge.Pad(udp([]byte("hi")))},
		{"udp with empty data, padded", forge.Pad(udp(nil))},
		{"udp with 18 bytes of data: one line", udp(forge.Seq(18))},
		{"udp with 37 bytes of data: ends exactly at the end of line 2", udp(forge.Seq(37))},
		{"udp with 38 bytes of data: one byte past a line", udp(forge.Seq(38))},
		{"udp with all 256 byte values", udp(forge.Seq(256))},
		{"udp to a multicast address", multicast},
		{"tcp syn with options, no data", tcp(&layers.TCP{SrcPort: 51000, DstPort: 12500, Seq: 1000, SYN: true,
			Window: 64240, Options: synOptions}, nil)},
		{"tcp psh/ack with 100 bytes", tcp(&layers.TCP{SrcPort: 12500, DstPort: 51000, Seq: 5000, Ack: 1013,
			ACK: true, PSH: true}, forge.Seq(100))},
		{"tcp with every flag", forge.Pad(tcp(&layers.TCP{SrcPort: 1, DstPort: 2, Seq: 0xffffffff, Ack: 0x80000000,
			URG: true, ACK: true, PSH: true, RST: true, SYN: true, FIN: true, Urgent: 1}, []byte("!")))},
		flag("URG", func(t *layers.TCP) { t.URG = true }),
		flag("ACK", func(t *layers.TCP) { t.ACK = true }),
		flag("PSH", func(t *layers.TCP) { t.PSH = true }),
		flag("RST", func(t *layers.TCP) { t.RST = true }),
		flag("SYN", func(t *layers.TCP) { t.SYN = true }),
		flag("FIN", func(t *layers.TCP) { t.FIN = true }),
		{"tcp with 74 bytes: ends exactly at the end of line 4", tcp(&layers.TCP{SrcPort: 12500, DstPort: 51000,
			Seq: 5100, Ack: 1013, ACK: true, PSH: true}, []byte("The quick brown fox jumps over the lazy turtle, and the turtle wins the race")[:74])},
		{"icmp echo request", forge.Concat(h(0x0800), forge.ICMP(hostA, hostB, 8, 0x4242, 1, forge.Seq(56)))},
		{"icmp echo reply", forge.Concat(h(0x0800), forge.ICMP(hostB, hostA, 0, 0x4242, 1, forge.Seq(56)))},
		{"icmp port unreachable", forge.Concat(h(0x0800), unreachable)},
		{"ipv4 ihl 6 (options) with udp", forge.Pad(forge.Concat(h(0x0800), udpOpts))},
		{"ipv4 ihl 8 (router alert) with icmp", forge.Concat(h(0x0800), icmpOpts)},
		{"igmp: another ip protocol, printed as data", forge.Pad(forge.Concat(h(0x0800), igmp))},
		{"arp: ethertype 0x0806 prints 1544", forge.Pad(arp)},
		{"ipv6: ethertype 0x86dd prints 56710", v6},
	}
}

// snifferLabRaises returns the frames on which the classroom code raises
// (a header shorter than what it unpacks), as sent from src to dst: the
// sniffer labs send them after snifferLab only for a check of kind
// turtle-truncated (0 points in the built-in lab). None is shorter than
// an Ethernet header, which a veth cannot send.
func snifferLabRaises(src, dst net.HardwareAddr) []labFrame {
	h := forge.EthernetHeader(dst, src, 0x0800)
	ipUDP := forge.UDP(labHostA, labHostB, 40000, 10001, []byte("cut"))
	ping := forge.ICMP(labHostA, labHostB, 8, 0x4242, 3, forge.Seq(8))
	ack := forge.TCP(labHostA, labHostB, &layers.TCP{SrcPort: 51000, DstPort: 12500, Seq: 5000, Ack: 1013, ACK: true, Window: 502}, nil)
	return []labFrame{
		{"ipv4 cut at 12 bytes", forge.Concat(h, ipUDP[:12])},
		{"icmp cut at 2 bytes", forge.Concat(h, ping[:22])},
		{"tcp cut at 10 bytes", forge.Concat(h, ack[:30])},
		{"udp cut at 5 bytes", forge.Concat(h, ipUDP[:25])},
	}
}

// labIPv4Sum recomputes the header checksum of an IPv4 packet in place.
func labIPv4Sum(b []byte) []byte {
	hl := int(b[0]&15) * 4
	b[10], b[11] = 0, 0
	binary.BigEndian.PutUint16(b[10:], ^uint16(sum16(b[:hl], 0)))
	return b
}
