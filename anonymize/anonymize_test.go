package anonymize

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

func testFrames() []fixtures.Frame {
	fs := append(fixtures.Protocols(), fixtures.EthernetBranches()...)
	fs = append(fs, fixtures.TCPConversations()...)
	g := fixtures.NewIMIX()
	for i := 0; i < 3000; i++ {
		data, _ := g.Next()
		fs = append(fs, fixtures.Frame{Name: "imix", LinkType: pcapio.LinkTypeEthernet, Data: bytes.Clone(data)})
	}
	return fs
}

// verdicts lists the checksum verdicts of every layer of a frame, those of
// an ICMP error's quoted packet included.
func verdicts(link pcapio.LinkType, b []byte) []decode.ChecksumStatus {
	var p decode.Packet
	p.Decode(link, b)
	v := []decode.ChecksumStatus{}
	add := func(l decode.Layers, c decode.Checksum) {
		if p.Layers&l != 0 {
			v = append(v, c.Status)
		} else {
			v = append(v, 255)
		}
	}
	add(decode.LayerIPv4, p.IPv4.Checksum)
	add(decode.LayerTCP, p.TCP.Checksum)
	add(decode.LayerUDP, p.UDP.Checksum)
	add(decode.LayerICMP, p.ICMP.Checksum)
	add(decode.LayerICMPv6, p.ICMPv6.Checksum)
	return v
}

var optionSets = map[string]Options{
	"prefix":            {},
	"prefix+macs+ports": {MACs: true, Ports: true},
	"zero+oui":          {IPs: IPsZero, MACs: true, KeepOUI: true},
	"payload-zero":      {Payload: PayloadZero, Ports: true},
	"payload-drop":      {Payload: PayloadDrop},
	"keep":              {IPs: IPsKeep},
}

// Every checksum keeps its verdict: right stays right, wrong stays wrong,
// none stays none, for every forged frame and 3000 IMIX frames.
func TestChecksumsKeepTheirVerdict(t *testing.T) {
	for name, opt := range optionSets {
		a, err := New(referenceKey, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range testFrames() {
			before := verdicts(f.LinkType, f.Data)
			out, _ := a.Frame(f.LinkType, f.Data)
			if opt.Payload == PayloadDrop {
				continue // a cut frame's checksums cannot be verified
			}
			if after := verdicts(f.LinkType, out); !equalStatus(before, after) {
				t.Errorf("%s: %s: checksum verdicts %v became %v", name, f.Name, before, after)
			}
		}
	}
}

func equalStatus(a, b []decode.ChecksumStatus) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func frameNamed(t *testing.T, name string) fixtures.Frame {
	for _, f := range fixtures.Protocols() {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no fixture frame %q", name)
	return fixtures.Frame{}
}

func decoded(link pcapio.LinkType, b []byte) *decode.Packet {
	p := new(decode.Packet)
	p.Decode(link, b)
	return p
}

func TestAddressesMapped(t *testing.T) {
	a, _ := New(referenceKey, Options{})
	cp, _ := NewCryptoPAn(referenceKey)
	m4 := func(x netip.Addr) netip.Addr { return netip.AddrFrom4(cp.Map4(x.As4())) }
	m6 := func(x netip.Addr) netip.Addr { return netip.AddrFrom16(cp.Map16(x.As16())) }

	f := frameNamed(t, "udp: ipv4 and udp checksums correct")
	in := decoded(f.LinkType, f.Data)
	out, r := a.Frame(f.LinkType, f.Data)
	o := decoded(f.LinkType, out)
	if r != ReasonNone || o.IPv4.Src != m4(in.IPv4.Src) || o.IPv4.Dst != m4(in.IPv4.Dst) {
		t.Errorf("udp: %v -> %v, %v -> %v (%v)", in.IPv4.Src, o.IPv4.Src, in.IPv4.Dst, o.IPv4.Dst, r)
	}

	f = frameNamed(t, "icmp port unreachable quoting udp")
	out, r = a.Frame(f.LinkType, f.Data)
	var qi, qo decode.Packet
	qi.Decode(pcapio.LinkTypeIPv4, decoded(f.LinkType, f.Data).ICMP.Body)
	qo.Decode(pcapio.LinkTypeIPv4, decoded(f.LinkType, out).ICMP.Body)
	if r != ReasonNone || qo.IPv4.Src != m4(qi.IPv4.Src) || qo.IPv4.Dst != m4(qi.IPv4.Dst) {
		t.Errorf("quote: %v -> %v (%v)", qi.IPv4.Src, qo.IPv4.Src, r)
	}

	f = frameNamed(t, "dns response: cname, a, aaaa, mx, txt (compressed names)")
	in = decoded(f.LinkType, f.Data)
	out, r = a.Frame(f.LinkType, f.Data)
	o = decoded(f.LinkType, out)
	seen := 0
	for i := 0; i < in.DNS.NumRecords; i++ {
		ri, ro := in.DNS.Records[i], o.DNS.Records[i]
		if ri.Section == decode.DNSQuestion {
			continue
		}
		switch ri.Type {
		case 1:
			want := cp.Map4([4]byte(ri.Data))
			if !bytes.Equal(ro.Data, want[:]) {
				t.Errorf("dns A %v -> %v", ri.Data, ro.Data)
			}
			seen++
		case 28:
			want := cp.Map16([16]byte(ri.Data))
			if !bytes.Equal(ro.Data, want[:]) {
				t.Errorf("dns AAAA %v -> %v", ri.Data, ro.Data)
			}
			seen++
		}
	}
	if seen != 2 || r != ReasonNone {
		t.Errorf("dns: %d address records mapped (want 2), reason %v", seen, r)
	}

	f = frameNamed(t, "arp request")
	in = decoded(f.LinkType, f.Data)
	out, _ = a.Frame(f.LinkType, f.Data)
	o = decoded(f.LinkType, out)
	if w := m4(netip.AddrFrom4([4]byte(in.ARP.SenderProto))).As4(); !bytes.Equal(o.ARP.SenderProto, w[:]) {
		t.Errorf("arp sender %v -> %v", in.ARP.SenderProto, o.ARP.SenderProto)
	}

	f = frameNamed(t, "icmpv6 neighbor solicitation")
	in = decoded(f.LinkType, f.Data)
	out, _ = a.Frame(f.LinkType, f.Data)
	o = decoded(f.LinkType, out)
	if o.IPv6.Src != m6(in.IPv6.Src) || !bytes.Equal(o.ICMPv6.Body[:16], func() []byte { x := cp.Map16([16]byte(in.ICMPv6.Body[:16])); return x[:] }()) {
		t.Errorf("ndp: %v -> %v", in.IPv6.Src, o.IPv6.Src)
	}

	// Not parsed: said so, never silently passed.
	for name, want := range map[string]Reason{
		"lldp: an ethertype not decoded":       ReasonNetwork,
		"ipv4 options: router alert, nop, eol": ReasonIPProtocol, // IGMP
		"dns name compression loop":            ReasonDNS,
	} {
		f := frameNamed(t, name)
		if _, r := a.Frame(f.LinkType, f.Data); r != want {
			t.Errorf("%s: reason %q, want %q", name, r, want)
		}
	}
}

func TestMACsAndPorts(t *testing.T) {
	f := frameNamed(t, "udp: ipv4 and udp checksums correct")
	a, _ := New(referenceKey, Options{MACs: true, KeepOUI: true, Ports: true})
	in := decoded(f.LinkType, f.Data)
	out, _ := a.Frame(f.LinkType, f.Data)
	o := decoded(f.LinkType, out)
	if o.Eth.Src == in.Eth.Src || !bytes.Equal(o.Eth.Src[:3], in.Eth.Src[:3]) {
		t.Errorf("mac %x -> %x: want the OUI kept and the rest changed", in.Eth.Src, o.Eth.Src)
	}
	for _, pair := range [][2]uint16{{in.UDP.SrcPort, o.UDP.SrcPort}, {in.UDP.DstPort, o.UDP.DstPort}} {
		if pair[0] < 1024 && pair[0] != pair[1] || pair[0] >= 1024 && (pair[1] < 1024) {
			t.Errorf("port %d -> %d", pair[0], pair[1])
		}
	}
	// one to one
	seen := map[uint16]bool{}
	for _, p := range a.ports {
		if seen[p] {
			t.Fatalf("port %d mapped twice", p)
		}
		seen[p] = true
	}
	// broadcast kept
	f = frameNamed(t, "arp request")
	out, _ = a.Frame(f.LinkType, f.Data)
	if !bytes.Equal(out[:6], f.Data[:6]) || f.Data[0] != 0xff {
		t.Errorf("broadcast destination changed: %x", out[:6])
	}
}

func TestPayloadZeroAndDrop(t *testing.T) {
	f := frameNamed(t, "http request line")
	z, _ := New(referenceKey, Options{Payload: PayloadZero})
	out, _ := z.Frame(f.LinkType, f.Data)
	o := decoded(f.LinkType, out)
	if len(out) != len(f.Data) || len(o.TCP.Payload) == 0 || bytes.Count(o.TCP.Payload, []byte{0}) != len(o.TCP.Payload) {
		t.Errorf("zero: payload %q", o.TCP.Payload)
	}
	d, _ := New(referenceKey, Options{Payload: PayloadDrop})
	in := decoded(f.LinkType, f.Data)
	out, _ = d.Frame(f.LinkType, f.Data)
	if want := len(f.Data) - len(in.TCP.Payload) - len(in.Trailer); len(out) != want {
		t.Errorf("drop: %d bytes, want %d (the headers)", len(out), want)
	}
}

func TestParseKey(t *testing.T) {
	hex := "15221780338ba4cf80130a5b1649907d10d8988f8379796527625740582d842a02"
	if _, err := ParseKey([]byte(hex[:64] + "\n")); err != nil {
		t.Error(err)
	}
	if _, err := ParseKey(make([]byte, 32)); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"abc", hex[:63] + "g", hex[:62]} {
		if _, err := ParseKey([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func BenchmarkAnonymizeIMIX(b *testing.B) {
	a, _ := New(referenceKey, Options{MACs: true})
	g := fixtures.NewIMIX()
	frames := make([][]byte, 4096)
	for i := range frames {
		d, _ := g.Next()
		frames[i] = bytes.Clone(d)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Frame(pcapio.LinkTypeEthernet, frames[i%len(frames)])
	}
}

func TestIPModesAndQuotedPorts(t *testing.T) {
	f := frameNamed(t, "icmp port unreachable quoting udp")
	in := decoded(f.LinkType, f.Data)
	var qi decode.Packet
	qi.Decode(pcapio.LinkTypeIPv4, in.ICMP.Body)

	z, _ := New(referenceKey, Options{IPs: IPsZero, Ports: true})
	out, _ := z.Frame(f.LinkType, f.Data)
	o := decoded(f.LinkType, out)
	var qo decode.Packet
	qo.Decode(pcapio.LinkTypeIPv4, o.ICMP.Body)
	zero4 := netip.AddrFrom4([4]byte{})
	if o.IPv4.Src != zero4 || o.IPv4.Dst != zero4 || qo.IPv4.Src != zero4 || qo.IPv4.Dst != zero4 {
		t.Errorf("zero: %v %v, quoted %v %v", o.IPv4.Src, o.IPv4.Dst, qo.IPv4.Src, qo.IPv4.Dst)
	}
	if qo.UDP.SrcPort != z.ports[qi.UDP.SrcPort] || qo.UDP.DstPort != z.ports[qi.UDP.DstPort] {
		t.Errorf("quoted ports %d %d -> %d %d", qi.UDP.SrcPort, qi.UDP.DstPort, qo.UDP.SrcPort, qo.UDP.DstPort)
	}

	k, _ := New(referenceKey, Options{IPs: IPsKeep})
	out, _ = k.Frame(f.LinkType, f.Data)
	if !bytes.Equal(out, f.Data) {
		t.Error("--ips keep with nothing else changed the frame")
	}
}

// Damaged frames keep their verdicts too: every forged frame with single
// bytes changed here and there (in headers, quotes, DNS records).
func TestMutatedFramesKeepTheirVerdicts(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	var as []*Anonymizer
	for _, name := range []string{"prefix+macs+ports", "payload-zero", "zero+oui"} {
		a, _ := New(referenceKey, optionSets[name])
		as = append(as, a)
	}
	bad := 0
	for _, f := range fixtures.Protocols() {
		for i := 0; i < 200 && len(f.Data) > 0; i++ {
			m := bytes.Clone(f.Data)
			m[rnd.IntN(len(m))] = byte(rnd.IntN(256))
			before := verdicts(f.LinkType, m)
			for _, a := range as {
				out, _ := a.Frame(f.LinkType, m)
				if after := verdicts(f.LinkType, out); !equalStatus(before, after) {
					bad++
					if bad < 10 {
						t.Errorf("%s, byte changed: % x\nverdicts %v became %v", f.Name, m, before, after)
					}
				}
			}
		}
	}
}
