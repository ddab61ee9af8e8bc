package anonymize

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// serialize builds an Ethernet frame with every length and checksum right.
func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	for _, l := range ls {
		if n, ok := l.(interface {
			SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
		}); ok {
			for _, nl := range ls {
				if ip, ok := nl.(gopacket.NetworkLayer); ok {
					n.SetNetworkLayerForChecksum(ip)
				}
			}
		}
	}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

var (
	hostMAC   = net.HardwareAddr{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}
	routerMAC = net.HardwareAddr{0x02, 0x66, 0x77, 0x88, 0x99, 0xaa}
)

func eth(typ layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: routerMAC, DstMAC: hostMAC, EthernetType: typ}
}

func ip6(src, dst string, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 255, NextHeader: next, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
}

func ip4(src, dst string, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

func a16(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

// Addresses that the issue found leaking are rewritten as the mapping says,
// every checksum keeps its verdict (right stays right), no frame is
// reported, and none of the original addresses is left anywhere in the
// frame; with --macs the link-layer options and DHCP's chaddr go too.
func TestNoAddressLeaks(t *testing.T) {
	cp, _ := NewCryptoPAn(referenceKey)
	m16 := func(s string) []byte { x := cp.Map16([16]byte(a16(s))); return x[:] }
	m4 := func(s string) []byte { x := cp.Map4([4]byte(a16(s))); return x[:] }
	masked := func(b []byte, plen int) []byte {
		b = bytes.Clone(b)
		for i := range b {
			switch {
			case i*8 >= plen:
				b[i] = 0
			case i*8+8 > plen:
				b[i] &^= 0xff >> (plen - i*8)
			}
		}
		return b
	}

	quoteV4 := serialize(t, ip4("192.0.2.10", "198.51.100.7", layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 40000, DstPort: 53}, gopacket.Payload("abcdefgh"))
	redirect4 := serialize(t, eth(layers.EthernetTypeIPv4), ip4("192.0.2.1", "192.0.2.10", layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(5, 1), Id: 0xc000, Seq: 0x0263}, // gateway 192.0.2.99
		gopacket.Payload(quoteV4[:28]))

	quoteV6 := serialize(t, ip6("2001:db8:1::10", "2001:db8:2::7", layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 40000, DstPort: 53}, gopacket.Payload("abcdefgh"))
	redirHdr := append(make([]byte, 6), quoteV6...)
	for len(redirHdr)%8 != 6 {
		redirHdr = append(redirHdr, 0)
	}
	redirect6 := serialize(t, eth(layers.EthernetTypeIPv6), ip6("fe80::1", "2001:db8:1::10", layers.IPProtocolICMPv6),
		&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(137, 0)},
		&layers.ICMPv6Redirect{TargetAddress: net.ParseIP("fe80::99"), DestinationAddress: net.ParseIP("2001:db8:2::7"),
			Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptTargetAddress, Data: routerMAC},
				{Type: layers.ICMPv6OptRedirectedHeader, Data: redirHdr}}})

	prefix := make([]byte, 30)
	prefix[0], prefix[1] = 64, 0xc0
	copy(prefix[14:], a16("2001:db8:1::"))
	rdnss := append(make([]byte, 6), a16("2001:db8:1::53")...)
	ra := serialize(t, eth(layers.EthernetTypeIPv6), ip6("fe80::1", "ff02::1", layers.IPProtocolICMPv6),
		&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(134, 0)},
		&layers.ICMPv6RouterAdvertisement{HopLimit: 64, RouterLifetime: 1800,
			Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptSourceAddress, Data: routerMAC},
				{Type: layers.ICMPv6OptPrefixInfo, Data: prefix}, {Type: 25, Data: rdnss}}})

	// MLDv2 report by hand: a solicited-node group that names the host.
	mld := []byte{143, 0, 0, 0, 0, 0, 0, 2}
	mld = append(mld, 4, 0, 0, 0)
	mld = append(mld, a16("ff02::1:ff00:10")...)
	mld = append(mld, 1, 0, 0, 1)
	mld = append(mld, a16("ff3e::1234")...)
	mld = append(mld, a16("2001:db8:1::10")...)
	mldFrame := serialize(t, eth(layers.EthernetTypeIPv6), ip6("2001:db8:1::10", "ff02::16", layers.IPProtocolICMPv6),
		&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(143, 0)}, gopacket.Payload(mld[4:]))

	update := serialize(t, eth(layers.EthernetTypeIPv4), ip4("192.0.2.10", "192.0.2.53", layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 40001, DstPort: 53},
		&layers.DNS{ID: 7, OpCode: layers.DNSOpCodeUpdate,
			Questions: []layers.DNSQuestion{{Name: []byte("example.org"), Type: layers.DNSTypeSOA, Class: layers.DNSClassIN}},
			Authorities: []layers.DNSResourceRecord{
				{Name: []byte("host.example.org"), Type: layers.DNSTypeA, Class: 254, IP: net.ParseIP("192.0.2.10")},
				{Name: []byte("host.example.org"), Type: layers.DNSTypeAAAA, Class: 255, IP: net.ParseIP("2001:db8:1::10")},
				{Name: []byte("host.example.org"), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 60, IP: net.ParseIP("192.0.2.11")},
			}})

	ack := serialize(t, eth(layers.EthernetTypeIPv4), ip4("192.0.2.1", "192.0.2.10", layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 67, DstPort: 68},
		&layers.DHCPv4{Operation: layers.DHCPOpReply, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: 9,
			ClientIP: net.ParseIP("192.0.2.10"), YourClientIP: net.ParseIP("192.0.2.10"),
			NextServerIP: net.ParseIP("192.0.2.1"), RelayAgentIP: net.ParseIP("192.0.2.254"), ClientHWAddr: hostMAC,
			Options: layers.DHCPOptions{
				layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{5}),
				layers.NewDHCPOption(layers.DHCPOptServerID, a16("192.0.2.1")),
				layers.NewDHCPOption(layers.DHCPOptRouter, append(a16("192.0.2.1"), a16("192.0.2.2")...)),
				layers.NewDHCPOption(layers.DHCPOptDNS, a16("192.0.2.53")),
				layers.NewDHCPOption(layers.DHCPOptRequestIP, a16("192.0.2.10")),
				layers.NewDHCPOption(layers.DHCPOptSubnetMask, []byte{255, 255, 255, 0}),
			}})

	a, _ := New(referenceKey, Options{MACs: true})
	cases := []struct {
		name  string
		frame []byte
		gone  [][]byte          // original values that must appear nowhere
		check func([]byte) bool // the rewritten fields are the mapping's
	}{
		{"icmp redirect gateway", redirect4, [][]byte{a16("192.0.2.99"), a16("192.0.2.10"), a16("198.51.100.7")},
			func(o []byte) bool { return bytes.Equal(o[38:42], m4("192.0.2.99")) }},
		{"icmpv6 redirect", redirect6, [][]byte{a16("fe80::99"), a16("2001:db8:2::7"), a16("2001:db8:1::10"), routerMAC},
			func(o []byte) bool {
				return bytes.Equal(o[62:78], m16("fe80::99")) && bytes.Equal(o[78:94], m16("2001:db8:2::7"))
			}},
		{"router advertisement prefix", ra, [][]byte{a16("2001:db8:1::"), a16("2001:db8:1::53"), routerMAC},
			func(o []byte) bool {
				seen := 0
				for opt := o[70:]; len(opt) >= 8 && opt[1] > 0; opt = opt[int(opt[1])*8:] {
					switch opt[0] {
					case 3:
						if bytes.Equal(opt[16:32], masked(m16("2001:db8:1::10"), 64)) {
							seen++
						}
					case 25:
						if bytes.Equal(opt[8:24], m16("2001:db8:1::53")) {
							seen++
						}
					}
				}
				return seen == 2
			}},
		{"mldv2 group records", mldFrame, [][]byte{a16("ff02::1:ff00:10"), a16("2001:db8:1::10"), a16("ff3e::1234")},
			func(o []byte) bool {
				return bytes.Equal(o[66:82], m16("ff02::1:ff00:10")) && bytes.Equal(o[86:102], m16("ff3e::1234")) &&
					bytes.Equal(o[102:118], m16("2001:db8:1::10"))
			}},
		{"dns update class none and any", update, [][]byte{a16("192.0.2.10"), a16("2001:db8:1::10"), a16("192.0.2.11")}, nil},
		{"dhcp ack", ack, [][]byte{a16("192.0.2.10"), a16("192.0.2.1"), a16("192.0.2.2"), a16("192.0.2.53"),
			a16("192.0.2.254"), hostMAC},
			func(o []byte) bool {
				d := o[42:]
				return bytes.Equal(d[16:20], m4("192.0.2.10")) && bytes.Equal(d[24:28], m4("192.0.2.254"))
			}},
	}
	for _, c := range cases {
		before := verdicts(pcapio.LinkTypeEthernet, c.frame)
		for i, v := range before {
			if v != 255 && v != decode.ChecksumGood {
				t.Fatalf("%s: built with checksum %d not right: %v", c.name, i, before)
			}
		}
		out, r := a.Frame(pcapio.LinkTypeEthernet, c.frame)
		if r != ReasonNone {
			t.Errorf("%s: reported as %q", c.name, r)
		}
		if after := verdicts(pcapio.LinkTypeEthernet, out); !equalStatus(before, after) {
			t.Errorf("%s: checksum verdicts %v became %v", c.name, before, after)
		}
		for _, g := range c.gone {
			if i := bytes.Index(out[12:], g); i >= 0 {
				t.Errorf("%s: % x left at byte %d", c.name, g, 12+i)
			}
		}
		if c.check != nil && !c.check(out) {
			t.Errorf("%s: fields not mapped as the mapping says:\n% x", c.name, out)
		}
	}

	// A DHCP option that runs past the message is reported, so --strict
	// refuses the frame.
	bad := bytes.Clone(ack)
	i := bytes.Index(bad[42+240:], []byte{1, 4, 255, 255, 255, 0})
	if i < 0 {
		t.Fatal("no subnet mask option in the DHCP message built")
	}
	bad[42+240+i+1] = 200
	if _, r := a.Frame(pcapio.LinkTypeEthernet, bad); r != ReasonDHCP {
		t.Errorf("DHCP option past the end: reason %q, want %q", r, ReasonDHCP)
	}
}
