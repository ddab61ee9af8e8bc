package filter

import (
	"encoding/binary"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// testPacket is a frame of a given link type; data may be cut short of
// wire bytes.
type testPacket struct {
	name string
	data []byte
	wire int
}

// l3 is a network-layer packet with the Ethernet type that announces it.
type l3 struct {
	name      string
	ethertype uint16
	data      []byte
}

func ser(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		panic(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

var (
	ip1  = net.IP{10, 0, 0, 1}
	ip2  = net.IP{10, 0, 0, 2}
	ip3  = net.IP{192, 168, 1, 7}
	ip61 = net.ParseIP("2001:db8::1")
	ip62 = net.ParseIP("fe80::1")
	mac1 = net.HardwareAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	mac2 = net.HardwareAddr{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}
)

func ipv4(src, dst net.IP, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: src, DstIP: dst, Id: 1}
}

func ipv6(src, dst net.IP, nh layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: nh, SrcIP: src, DstIP: dst}
}

func tcp(sport, dport uint16, flags string) *layers.TCP {
	t := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: 1, Window: 1024, DataOffset: 5}
	for _, f := range flags {
		switch f {
		case 'S':
			t.SYN = true
		case 'A':
			t.ACK = true
		case 'F':
			t.FIN = true
		case 'R':
			t.RST = true
		case 'P':
			t.PSH = true
		case 'U':
			t.URG = true
		case 'E':
			t.ECE = true
		case 'C':
			t.CWR = true
		}
	}
	return t
}

func udp(sport, dport uint16) *layers.UDP {
	return &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
}

var payload = gopacket.Payload([]byte("GET / HTTP/1.0\r\n\r\n"))

// ipv4Raw builds an IPv4 header by hand for cases gopacket normalizes
// away (options, fragment fields, bad header lengths).
func ipv4Raw(ihl int, proto byte, flagsFrag uint16, src, dst net.IP, rest []byte) []byte {
	h := make([]byte, max(ihl*4, 20))
	h[0] = 0x40 | byte(ihl&0xf)
	binary.BigEndian.PutUint16(h[2:], uint16(len(h)+len(rest)))
	binary.BigEndian.PutUint16(h[6:], flagsFrag)
	h[8] = 64
	h[9] = proto
	copy(h[12:], src.To4())
	copy(h[16:], dst.To4())
	for i := 20; i < len(h); i++ {
		h[i] = 1 // NOP options
	}
	return append(h, rest...)
}

// ipv6Raw builds an IPv6 header followed by extension headers (each given
// as next-header, body) and a payload with next header last.
func ipv6Raw(src, dst net.IP, exts [][]byte, last byte, rest []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	copy(h[8:], src.To16())
	copy(h[24:], dst.To16())
	h[7] = 64
	var body []byte
	nh := last
	for i := len(exts) - 1; i >= 0; i-- {
		e := append([]byte{nh}, exts[i][1:]...)
		body = append(e, body...)
		nh = exts[i][0]
	}
	h[6] = nh
	body = append(body, rest...)
	binary.BigEndian.PutUint16(h[4:], uint16(len(body)))
	return append(h, body...)
}

// l3Packets are the network-layer packets every link type carries.
func l3Packets() []l3 {
	tcpSeg := func(sport, dport uint16, flags string) []byte { return ser(tcp(sport, dport, flags), payload) }
	udpSeg := func(sport, dport uint16) []byte { return ser(udp(sport, dport), payload) }
	icmp := func(typ, code uint8) []byte {
		return ser(ipv4(ip1, ip2, 1), &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code), Id: 1, Seq: 1}, payload)
	}
	hbh := []byte{0, 0, 1, 4, 0, 0, 0, 0}     // hop-by-hop, PadN
	frag0 := []byte{44, 0, 0, 0, 0, 0, 0, 1}  // fragment header, offset 0, M set
	frag8 := []byte{44, 0, 0, 8, 0, 0, 0, 1}  // offset 1 (8 bytes)
	dstopt := []byte{60, 0, 1, 4, 0, 0, 0, 0} // destination options
	sctp := make([]byte, 28)
	binary.BigEndian.PutUint16(sctp[0:], 9)
	binary.BigEndian.PutUint16(sctp[2:], 80)
	arp := func(op uint16, sender, target net.IP) []byte {
		return ser(&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6,
			ProtAddressSize: 4, Operation: op, SourceHwAddress: mac1, SourceProtAddress: sender.To4(),
			DstHwAddress: make([]byte, 6), DstProtAddress: target.To4()})
	}
	return []l3{
		{"ipv4-tcp-syn-80", 0x0800, ser(ipv4(ip1, ip2, 6), tcp(40000, 80, "S"), payload)},
		{"ipv4-tcp-synack-from-80", 0x0800, ser(ipv4(ip2, ip1, 6), tcp(80, 40000, "SA"), payload)},
		{"ipv4-tcp-fin-22", 0x0800, ser(ipv4(ip3, ip1, 6), tcp(22, 5555, "FA"), payload)},
		{"ipv4-tcp-rst", 0x0800, ser(ipv4(ip1, ip3, 6), tcp(443, 1024, "R"), payload)},
		{"ipv4-tcp-push-urg-ece-cwr", 0x0800, ser(ipv4(ip1, ip2, 6), tcp(8080, 443, "PUEC"), payload)},
		{"ipv4-tcp-options", 0x0800, ipv4Raw(6, 6, 0, ip1, ip2, tcpSeg(1234, 80, "S"))},
		{"ipv4-tcp-ihl15", 0x0800, ipv4Raw(15, 6, 0, ip1, ip2, tcpSeg(1234, 80, "S"))},
		{"ipv4-tcp-ihl2-bogus", 0x0800, ipv4Raw(2, 6, 0, ip1, ip2, tcpSeg(1234, 80, "S"))},
		{"ipv4-tcp-first-fragment", 0x0800, ipv4Raw(5, 6, 0x2000, ip1, ip2, tcpSeg(1234, 80, "S"))},
		{"ipv4-tcp-later-fragment", 0x0800, ipv4Raw(5, 6, 0x0003, ip1, ip2, tcpSeg(1234, 80, "S"))},
		{"ipv4-tcp-df", 0x0800, ipv4Raw(5, 6, 0x4000, ip1, ip2, tcpSeg(80, 80, "A"))},
		{"ipv4-udp-dns", 0x0800, ser(ipv4(ip1, ip3, 17), udp(3333, 53), payload)},
		{"ipv4-udp-dhcp", 0x0800, ser(ipv4(net.IP{0, 0, 0, 0}, net.IP{255, 255, 255, 255}, 17), udp(68, 67), payload)},
		{"ipv4-udp-ntp", 0x0800, ser(ipv4(ip2, ip1, 17), udp(123, 123), payload)},
		{"ipv4-udp-later-fragment", 0x0800, ipv4Raw(5, 17, 0x0010, ip1, ip2, udpSeg(53, 53))},
		{"ipv4-udp-multicast", 0x0800, ser(ipv4(ip1, net.IP{224, 0, 0, 251}, 17), udp(5353, 5353), payload)},
		{"ipv4-icmp-echo", 0x0800, icmp(8, 0)},
		{"ipv4-icmp-echoreply", 0x0800, icmp(0, 0)},
		{"ipv4-icmp-unreach", 0x0800, icmp(3, 3)},
		{"ipv4-icmp-timxceed", 0x0800, icmp(11, 0)},
		{"ipv4-icmp-redirect", 0x0800, icmp(5, 1)},
		{"ipv4-igmp", 0x0800, ipv4Raw(5, 2, 0, ip1, net.IP{224, 0, 0, 1}, []byte{0x11, 0, 0, 0, 0, 0, 0, 0})},
		{"ipv4-pim", 0x0800, ipv4Raw(5, 103, 0, ip1, net.IP{224, 0, 0, 13}, []byte{0x20, 0, 0, 0})},
		{"ipv4-vrrp", 0x0800, ipv4Raw(5, 112, 0, ip1, net.IP{224, 0, 0, 18}, []byte{0x21, 1, 100, 1, 0, 1, 0, 0, 10, 0, 0, 9})},
		{"ipv4-gre", 0x0800, ipv4Raw(5, 47, 0, ip1, ip2, []byte{0, 0, 8, 0})},
		{"ipv4-esp", 0x0800, ipv4Raw(5, 50, 0, ip1, ip2, make([]byte, 16))},
		{"ipv4-ah", 0x0800, ipv4Raw(5, 51, 0, ip1, ip2, make([]byte, 16))},
		{"ipv4-sctp", 0x0800, ipv4Raw(5, 132, 0, ip1, ip2, sctp)},
		{"ipv4-igrp", 0x0800, ipv4Raw(5, 9, 0, ip1, ip2, []byte{1, 2, 3, 4})},
		{"ipv4-udp-to-bcast", 0x0800, ser(ipv4(ip1, net.IP{255, 255, 255, 255}, 17), udp(137, 137), payload)},
		{"ipv6-tcp-syn-80", 0x86dd, ser(ipv6(ip61, ip62, 6), tcp(40000, 80, "S"), payload)},
		{"ipv6-tcp-ack-from-443", 0x86dd, ser(ipv6(ip62, ip61, 6), tcp(443, 50000, "A"), payload)},
		{"ipv6-udp-dns", 0x86dd, ser(ipv6(ip61, net.IPv6loopback, 17), udp(5353, 53), payload)},
		{"ipv6-udp-multicast", 0x86dd, ser(ipv6(ip62, net.ParseIP("ff02::fb"), 17), udp(5353, 5353), payload)},
		{"ipv6-icmp6-echo", 0x86dd, ipv6Raw(ip61, ip62, nil, 58, []byte{128, 0, 0, 0, 0, 1, 0, 1})},
		{"ipv6-icmp6-ns", 0x86dd, ipv6Raw(ip62, net.ParseIP("ff02::1:ff00:1"), nil, 58, []byte{135, 0, 0, 0, 0, 0, 0, 0})},
		{"ipv6-hbh-tcp-80", 0x86dd, ipv6Raw(ip61, ip62, [][]byte{hbh}, 6, tcpSeg(1234, 80, "S"))},
		{"ipv6-hbh-icmp6", 0x86dd, ipv6Raw(ip62, net.ParseIP("ff02::16"), [][]byte{hbh}, 58, []byte{143, 0, 0, 0, 0, 0, 0, 1})},
		{"ipv6-frag0-tcp-80", 0x86dd, ipv6Raw(ip61, ip62, [][]byte{frag0}, 6, tcpSeg(1234, 80, "S"))},
		{"ipv6-frag8-udp-53", 0x86dd, ipv6Raw(ip61, ip62, [][]byte{frag8}, 17, udpSeg(53, 53))},
		{"ipv6-frag0-icmp6", 0x86dd, ipv6Raw(ip61, ip62, [][]byte{frag0}, 58, []byte{128, 0, 0, 0, 0, 1, 0, 1})},
		{"ipv6-dstopt-udp-53", 0x86dd, ipv6Raw(ip61, ip62, [][]byte{dstopt}, 17, udpSeg(1000, 53))},
		{"ipv6-sctp", 0x86dd, ipv6Raw(ip61, ip62, nil, 132, sctp)},
		{"ipv6-esp", 0x86dd, ipv6Raw(ip61, ip62, nil, 50, make([]byte, 16))},
		{"ipv6-loopback-tcp", 0x86dd, ser(ipv6(net.IPv6loopback, net.IPv6loopback, 6), tcp(80, 80, "A"))},
		{"ipv6-mapped-dst", 0x86dd, ser(ipv6(ip61, net.ParseIP("::ffff:10.0.0.1"), 17), udp(1, 2))},
		{"arp-request", 0x0806, arp(1, ip1, ip2)},
		{"arp-reply", 0x0806, arp(2, ip2, ip1)},
		{"rarp-request", 0x8035, arp(3, ip3, ip1)},
		{"decnet", 0x6003, make([]byte, 40)},
		{"lat", 0x6004, make([]byte, 40)},
		{"atalk", 0x809b, make([]byte, 40)},
		{"aarp", 0x80f3, make([]byte, 28)},
		{"ipx-ethertype", 0x8137, make([]byte, 30)},
		{"mopdl", 0x6001, make([]byte, 20)},
		{"loopback", 0x9000, make([]byte, 20)},
		{"mpls-ip", 0x8847, append([]byte{0, 0x01, 0x01, 0x40}, ser(ipv4(ip1, ip2, 6), tcp(1, 80, "S"))...)},
		{"pppoe-session", 0x8864, make([]byte, 30)},
	}
}

// llcFrames are 802.3 frames (length instead of type) with an LLC header,
// as raw payloads after the Ethernet addresses and length.
func llcFrames() []l3 {
	isis := []byte{0xfe, 0xfe, 0x03, 0x83, 0x1b, 0x01, 0x00, 0x0f, 0x01, 0, 0, 0}
	return []l3{
		{"llc-stp", 0x42, []byte{0x42, 0x42, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"llc-iso-isis-l1-iih", 0xfe, isis},
		{"llc-iso-isis-l2-lsp", 0xfe, []byte{0xfe, 0xfe, 0x03, 0x83, 0x1b, 0x01, 0x00, 0x14, 0x01, 0, 0, 0}},
		{"llc-iso-clnp", 0xfe, []byte{0xfe, 0xfe, 0x03, 0x81, 0x1b, 0x01, 0x00, 0x1c, 0x01, 0, 0, 0}},
		{"llc-iso-esis", 0xfe, []byte{0xfe, 0xfe, 0x03, 0x82, 0x1b, 0x01, 0x00, 0x02, 0x01, 0, 0, 0}},
		{"llc-netbeui", 0xf0, []byte{0xf0, 0xf0, 0x03, 0, 0, 0, 0, 0}},
		{"llc-ipx", 0xe0, []byte{0xe0, 0xe0, 0x03, 0xff, 0xff, 0, 0}},
		{"llc-ipx-raw8023", 0xff, []byte{0xff, 0xff, 0, 30, 0, 0}},
		{"llc-snap-ipx", 0xaa, []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x81, 0x37, 0xff, 0xff}},
		{"llc-snap-atalk", 0xaa, []byte{0xaa, 0xaa, 0x03, 0x08, 0x00, 0x07, 0x80, 0x9b, 0, 0}},
		{"llc-snap-aarp", 0xaa, []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x80, 0xf3, 0, 0}},
		{"llc-ip", 0x06, []byte{0x06, 0x06, 0x03, 0x45, 0, 0, 20}},
	}
}

func ethernet(dst, src net.HardwareAddr, typ uint16, tags []uint32, body []byte) []byte {
	b := append(append([]byte(nil), dst...), src...)
	for _, t := range tags { // TPID<<16 | TCI
		b = binary.BigEndian.AppendUint32(b, t)
	}
	b = binary.BigEndian.AppendUint16(b, typ)
	return append(b, body...)
}

func sll(pkttype uint16, proto uint16, body []byte) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint16(b[0:], pkttype)
	binary.BigEndian.PutUint16(b[2:], 1)
	binary.BigEndian.PutUint16(b[4:], 6)
	copy(b[6:], mac1)
	binary.BigEndian.PutUint16(b[14:], proto)
	return append(b, body...)
}

func sll2(ifindex uint32, pkttype byte, proto uint16, body []byte) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b[0:], proto)
	binary.BigEndian.PutUint32(b[4:], ifindex)
	binary.BigEndian.PutUint16(b[8:], 1)
	b[10] = pkttype
	b[11] = 6
	copy(b[12:], mac1)
	return append(b, body...)
}

func family(link pcapio.LinkType, af uint32, body []byte) []byte {
	b := make([]byte, 4)
	if link == pcapio.LinkTypeLoop {
		binary.BigEndian.PutUint32(b, af)
	} else {
		binary.NativeEndian.PutUint32(b, af)
	}
	return append(b, body...)
}

// forgedPackets returns whole frames of every kind for a link type.
func forgedPackets(link pcapio.LinkType) []testPacket {
	var out []testPacket
	add := func(name string, data []byte) { out = append(out, testPacket{name, data, len(data)}) }
	for i, p := range l3Packets() {
		switch link {
		case pcapio.LinkTypeEthernet:
			add(p.name, ethernet(mac2, mac1, p.ethertype, nil, p.data))
			if i%3 == 0 {
				add(p.name+"/bcast", ethernet(net.HardwareAddr{255, 255, 255, 255, 255, 255}, mac1, p.ethertype, nil, p.data))
				add(p.name+"/mcast", ethernet(net.HardwareAddr{1, 0, 0x5e, 0, 0, 1}, mac2, p.ethertype, nil, p.data))
			}
			if i%2 == 0 {
				add(p.name+"/vlan100", ethernet(mac1, mac2, p.ethertype, []uint32{0x81000064}, p.data))
			}
			if i%4 == 1 {
				add(p.name+"/qinq", ethernet(mac1, mac2, p.ethertype, []uint32{0x88a8000a, 0x81000014}, p.data))
				add(p.name+"/vlan9100", ethernet(mac1, mac2, p.ethertype, []uint32{0x91000fff}, p.data))
				add(p.name+"/vlan-prio", ethernet(mac1, mac2, p.ethertype, []uint32{0x8100e064}, p.data))
			}
		case pcapio.LinkTypeLinuxSLL:
			add(p.name, sll(uint16(i%5), p.ethertype, p.data))
		case pcapio.LinkTypeLinuxSLL2:
			add(p.name, sll2(uint32(i%3), byte(i%5), p.ethertype, p.data))
		case pcapio.LinkTypeNull, pcapio.LinkTypeLoop:
			switch p.ethertype {
			case 0x0800:
				add(p.name, family(link, 2, p.data))
			case 0x86dd:
				add(p.name, family(link, []uint32{24, 28, 30, 10}[i%4], p.data))
			default:
				add(p.name, family(link, uint32(p.ethertype), p.data))
			}
		default:
			add(p.name, p.data)
		}
	}
	for _, f := range llcFrames() {
		body := f.data
		switch link {
		case pcapio.LinkTypeEthernet:
			add(f.name, ethernet(net.HardwareAddr{0x01, 0x80, 0xc2, 0, 0, 0}, mac1, uint16(len(body)), nil, body))
		case pcapio.LinkTypeLinuxSLL:
			add(f.name, sll(0, 4, body))
			add(f.name+"/8023", sll(0, 1, body))
		case pcapio.LinkTypeLinuxSLL2:
			add(f.name, sll2(1, 0, 4, body))
		}
	}
	// Frames that are not well-formed anything.
	junk := make([]byte, 100)
	for i := range junk {
		junk[i] = byte(i*37 + 11)
	}
	add("junk", junk)
	add("zeros", make([]byte, 64))
	ff := make([]byte, 64)
	for i := range ff {
		ff[i] = 0xff
	}
	add("ones", ff)
	add("empty", nil)
	return out
}

// withTruncations adds, for every frame, copies cut at many lengths (the
// wire length stays the original one), since the answer on cut frames
// depends on which loads the program runs.
func withTruncations(ps []testPacket, step int) []testPacket {
	out := append([]testPacket(nil), ps...)
	for _, p := range ps {
		for n := 0; n < len(p.data); n += step {
			out = append(out, testPacket{p.name + "/cut", p.data[:n], p.wire})
		}
		for _, n := range []int{13, 14, 15, 16, 20, 23, 24, 33, 34, 35, 37, 38, 54, 55, 57, 58} {
			if n < len(p.data) && n%step != 0 {
				out = append(out, testPacket{p.name + "/cut", p.data[:n], p.wire})
			}
		}
	}
	return out
}
