package decode

import (
	"encoding/binary"
	"net/netip"
	"os"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// routedUDP is an Ethernet frame carrying IPv6 with a Routing header of
// the given type (0, 2: addresses; 4: an SRH whose Segment List[0] is the
// first address), segments left, and a UDP datagram whose checksum uses
// sumDst in its pseudo-header.
func routedUDP(rtype, segleft byte, addrs []netip.Addr, sumDst netip.Addr) []byte {
	rh := []byte{17, byte(2 * len(addrs)), rtype, segleft, 0, 0, 0, 0}
	if rtype == 4 {
		rh[4] = byte(len(addrs) - 1) // last entry
	}
	for _, a := range addrs {
		b := a.As16()
		rh = append(rh, b[:]...)
	}
	udp := []byte{0x16, 0x0d, 0x16, 0x0a, 0, 12, 0, 0, 'a', 'b', 'c', 'd'}
	src := netip.MustParseAddr("2001:db8::1").As16()
	dst := sumDst.As16()
	s := onesSum(src[:], 0)
	s = onesSum(dst[:], s)
	s = onesSum(udp, s+17+uint64(len(udp)))
	binary.BigEndian.PutUint16(udp[6:], ^fold(s))
	ip := make([]byte, 40)
	ip[0] = 0x60
	binary.BigEndian.PutUint16(ip[4:], uint16(len(rh)+len(udp)))
	ip[6], ip[7] = 43, 64
	copy(ip[8:], src[:])
	d := netip.MustParseAddr("2001:db8::2").As16() // the next hop
	copy(ip[24:], d[:])
	eth := []byte{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x86, 0xdd}
	return append(append(append(eth, ip...), rh...), udp...)
}

// Issue 19 item 16: with a Routing header, the checksum's pseudo-header
// uses the final destination (RFC 8200 §8.1).
func TestRoutingHeaderChecksumUsesFinalDestination(t *testing.T) {
	hop := netip.MustParseAddr("2001:db8::2")
	a := netip.MustParseAddr("2001:db8::a")
	final := netip.MustParseAddr("2001:db8::f")
	for _, tc := range []struct {
		name   string
		frame  []byte
		wantOK bool
	}{
		{"type 0, final is the last address", routedUDP(0, 2, []netip.Addr{a, final}, final), true},
		{"type 0, summed with the next hop", routedUDP(0, 2, []netip.Addr{a, final}, hop), false},
		{"type 2, the home address", routedUDP(2, 1, []netip.Addr{final}, final), true},
		{"SRH, Segment List[0]", routedUDP(4, 1, []netip.Addr{final, a}, final), true},
		{"SRH, summed with the last entry", routedUDP(4, 1, []netip.Addr{final, a}, a), false},
		{"no segments left: the destination field", routedUDP(0, 0, []netip.Addr{a, final}, hop), true},
	} {
		var p Packet
		p.Decode(pcapio.LinkTypeEthernet, tc.frame)
		if p.Layers&LayerUDP == 0 {
			t.Fatalf("%s: no UDP decoded: %+v", tc.name, p.Problem)
		}
		if got := p.UDP.Checksum.Status == ChecksumGood; got != tc.wantOK {
			t.Errorf("%s: checksum status %d, want good=%v", tc.name, p.UDP.Checksum.Status, tc.wantOK)
		}
	}
}

// The captures tcpdump and tshark both call "sum ok": every UDP and
// ICMPv6 checksum of ipv6-routing-header.pcap and of
// ipv6-srh-insert-cksum.pcap frame 1.
func TestRoutingHeaderChecksumCorpus(t *testing.T) {
	for _, name := range []string{"ipv6-routing-header.pcap", "ipv6-srh-insert-cksum.pcap"} {
		f, err := os.Open(testcorpus.File(t, name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapio.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		for n := 1; ; n++ {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				break
			}
			var p Packet
			p.Decode(ci.LinkType, data)
			st := p.UDP.Checksum.Status
			if p.Layers&LayerICMPv6 != 0 {
				st = p.ICMPv6.Checksum.Status
			}
			if st != ChecksumGood {
				t.Errorf("%s frame %d: checksum status %d, tcpdump and tshark say ok", name, n, st)
			}
		}
		f.Close()
	}
}
