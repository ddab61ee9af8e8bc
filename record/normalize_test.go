package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Forged packets are built with gopacket and then given the checksums a
// Linux loopback leaves (the pseudo-header sum only), so that Normalize
// must recompute them; gopacket verifies them afterwards.

var (
	client = net.IPv4(127, 0, 0, 1).To4()
	server = net.IPv4(127, 0, 0, 2).To4()
	t0     = time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC)
)

// forge serializes layers into an Ethernet frame with correct lengths and
// checksums, then spoils the transport checksum as a loopback does.
func forge(t testing.TB, at time.Duration, ls ...gopacket.SerializableLayer) Frame {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: make(net.HardwareAddr, 6), DstMAC: make(net.HardwareAddr, 6), EthernetType: layers.EthernetTypeIPv4}
	for _, l := range ls {
		if ip, ok := l.(*layers.IPv4); ok {
			for _, u := range ls {
				switch u := u.(type) {
				case *layers.TCP:
					u.SetNetworkLayerForChecksum(ip)
				case *layers.UDP:
					u.SetNetworkLayerForChecksum(ip)
				}
			}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, append([]gopacket.SerializableLayer{eth}, ls...)...); err != nil {
		t.Fatal(err)
	}
	data := bytes.Clone(buf.Bytes())
	ip := data[14:]
	ihl := int(ip[0]&0xf) * 4
	switch ip[9] {
	case protoTCP:
		binary.BigEndian.PutUint16(ip[ihl+16:], 0xfe30)
	case protoUDP:
		binary.BigEndian.PutUint16(ip[ihl+6:], 0xfe2b)
	}
	return Frame{Info: pcapio.CaptureInfo{Timestamp: t0.Add(at), CaptureLength: len(data), Length: len(data),
		LinkType: pcapio.LinkTypeEthernet}, Data: data}
}

func ip4(src, dst net.IP, id uint16, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: id, Flags: layers.IPv4DontFragment, Protocol: proto, SrcIP: src, DstIP: dst}
}

func tcpSeg(sport, dport uint16, seq, ack uint32, flags string, tsval, tsecr uint32, sack ...uint32) *layers.TCP {
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, Window: 512}
	for _, f := range flags {
		switch f {
		case 'S':
			tcp.SYN = true
		case 'A':
			tcp.ACK = true
		case 'P':
			tcp.PSH = true
		case 'F':
			tcp.FIN = true
		}
	}
	ts := make([]byte, 8)
	binary.BigEndian.PutUint32(ts, tsval)
	binary.BigEndian.PutUint32(ts[4:], tsecr)
	tcp.Options = append(tcp.Options,
		layers.TCPOption{OptionType: layers.TCPOptionKindNop},
		layers.TCPOption{OptionType: layers.TCPOptionKindNop},
		layers.TCPOption{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: ts})
	if len(sack) > 0 {
		b := make([]byte, 4*len(sack))
		for i, v := range sack {
			binary.BigEndian.PutUint32(b[4*i:], v)
		}
		tcp.Options = append(tcp.Options,
			layers.TCPOption{OptionType: layers.TCPOptionKindNop},
			layers.TCPOption{OptionType: layers.TCPOptionKindNop},
			layers.TCPOption{OptionType: layers.TCPOptionKindSACK, OptionLength: uint8(2 + len(b)), OptionData: b})
	}
	return tcp
}

// decoded is a normalized frame taken apart by gopacket, with every
// checksum verified.
type decoded struct {
	ip   *layers.IPv4
	tcp  *layers.TCP
	udp  *layers.UDP
	icmp *layers.ICMPv4
}

func decodeValid(t *testing.T, p Frame) decoded {
	t.Helper()
	pkt := gopacket.NewPacket(p.Data, layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("gopacket: %v", el.Error())
	}
	var d decoded
	d.ip, _ = pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if d.ip == nil {
		t.Fatal("no IPv4 layer")
	}
	verify(t, "IPv4", d.ip)
	if d.tcp, _ = pkt.Layer(layers.LayerTypeTCP).(*layers.TCP); d.tcp != nil {
		d.tcp.SetNetworkLayerForChecksum(d.ip)
		verify(t, "TCP", d.tcp)
	}
	if d.udp, _ = pkt.Layer(layers.LayerTypeUDP).(*layers.UDP); d.udp != nil {
		d.udp.SetNetworkLayerForChecksum(d.ip)
		verify(t, "UDP", d.udp)
	}
	if d.icmp, _ = pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); d.icmp != nil {
		verify(t, "ICMP", d.icmp)
	}
	return d
}

type verifier interface {
	VerifyChecksum() (error, gopacket.ChecksumVerificationResult)
}

func verify(t *testing.T, name string, l verifier) {
	t.Helper()
	err, r := l.VerifyChecksum()
	if err != nil {
		t.Fatalf("%s checksum: %v", name, err)
	}
	if !r.Valid {
		t.Errorf("%s checksum %#04x, want %#04x", name, r.Actual, r.Correct)
	}
}

func tsOption(t *testing.T, tcp *layers.TCP) (val, ecr uint32) {
	t.Helper()
	for _, o := range tcp.Options {
		if o.OptionType == layers.TCPOptionKindTimestamps {
			return binary.BigEndian.Uint32(o.OptionData), binary.BigEndian.Uint32(o.OptionData[4:])
		}
	}
	t.Fatal("no timestamp option")
	return 0, 0
}

func sackBlocks(tcp *layers.TCP) []uint32 {
	for _, o := range tcp.Options {
		if o.OptionType == layers.TCPOptionKindSACK {
			var v []uint32
			for b := o.OptionData; len(b) >= 4; b = b[4:] {
				v = append(v, binary.BigEndian.Uint32(b))
			}
			return v
		}
	}
	return nil
}

// A whole connection: ephemeral ports, random ISNs (one about to wrap),
// random timestamp values and IP IDs come out fixed, acknowledgments and
// SACK blocks follow, every checksum is valid, and the input is untouched.
func TestNormalizeTCP(t *testing.T) {
	const cport, sport = 51234, 33333
	var (
		cisn, sisn uint32 = 0xdeadbeef, 0xfffffff0 // the server's wraps past zero
		cts, sts   uint32 = 777777, 0xfffffff0     // and so does its clock
	)
	in := []Frame{
		forge(t, 0, ip4(client, server, 4242, layers.IPProtocolTCP), tcpSeg(cport, sport, cisn, 0, "S", cts, 0)),
		forge(t, 10*time.Microsecond, ip4(server, client, 0, layers.IPProtocolTCP), tcpSeg(sport, cport, sisn, cisn+1, "SA", sts, cts)),
		forge(t, 20*time.Microsecond, ip4(client, server, 4243, layers.IPProtocolTCP), tcpSeg(cport, sport, cisn+1, sisn+1, "A", cts, sts)),
		forge(t, 3*time.Millisecond, ip4(client, server, 4244, layers.IPProtocolTCP), tcpSeg(cport, sport, cisn+1, sisn+1, "PA", cts+3, sts), gopacket.Payload("hello")),
		forge(t, 3*time.Millisecond+5*time.Microsecond, ip4(server, client, 9000, layers.IPProtocolTCP),
			tcpSeg(sport, cport, sisn+1, cisn+6, "A", sts+3, cts+3, cisn+1, cisn+6)),
		forge(t, 1*time.Second, ip4(server, client, 9001, layers.IPProtocolTCP), tcpSeg(sport, cport, sisn+1, cisn+6, "FA", sts+1000, cts+3)),
	}
	orig := make([][]byte, len(in))
	for i, p := range in {
		orig[i] = bytes.Clone(p.Data)
	}
	out, err := Normalize(pcapio.LinkTypeEthernet, in, NormalizeOptions{Ports: map[uint16]uint16{sport: 12500}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if !bytes.Equal(in[i].Data, orig[i]) {
			t.Fatalf("frame %d: Normalize changed its input", i+1)
		}
	}
	want := []struct {
		src, dst   uint16
		seq, ack   uint32
		val, ecr   uint32
		id         uint16
		sack       []uint32
		at         time.Duration
		payloadLen int
	}{
		{40001, 12500, 100000, 0, 10000, 0, 1, nil, 0, 0},
		{12500, 40001, 150000, 100001, 15000, 10000, 0, nil, 10 * time.Microsecond, 0},
		{40001, 12500, 100001, 150001, 10000, 15000, 2, nil, 20 * time.Microsecond, 0},
		{40001, 12500, 100001, 150001, 10003, 15000, 3, nil, 3 * time.Millisecond, 5},
		{12500, 40001, 150001, 100006, 15003, 10003, 1, []uint32{100001, 100006}, 3*time.Millisecond + 5*time.Microsecond, 0},
		{12500, 40001, 150001, 100006, 16000, 10003, 2, nil, time.Second, 0},
	}
	for i, w := range want {
		d := decodeValid(t, out[i])
		tcp := d.tcp
		if uint16(tcp.SrcPort) != w.src || uint16(tcp.DstPort) != w.dst {
			t.Errorf("frame %d: ports %d > %d, want %d > %d", i+1, tcp.SrcPort, tcp.DstPort, w.src, w.dst)
		}
		if tcp.Seq != w.seq || tcp.Ack != w.ack {
			t.Errorf("frame %d: seq %d ack %d, want %d %d", i+1, tcp.Seq, tcp.Ack, w.seq, w.ack)
		}
		if val, ecr := tsOption(t, tcp); val != w.val || ecr != w.ecr {
			t.Errorf("frame %d: TS val %d ecr %d, want %d %d", i+1, val, ecr, w.val, w.ecr)
		}
		if d.ip.Id != w.id {
			t.Errorf("frame %d: IP ID %d, want %d", i+1, d.ip.Id, w.id)
		}
		if got := sackBlocks(tcp); len(got) != len(w.sack) || len(got) > 0 && (got[0] != w.sack[0] || got[1] != w.sack[1]) {
			t.Errorf("frame %d: SACK %v, want %v", i+1, got, w.sack)
		}
		if got := out[i].Info.Timestamp; !got.Equal(DefaultEpoch().Add(w.at)) {
			t.Errorf("frame %d: timestamp %v, want %v", i+1, got, DefaultEpoch().Add(w.at))
		}
		if len(tcp.Payload) != w.payloadLen {
			t.Errorf("frame %d: payload %d bytes, want %d", i+1, len(tcp.Payload), w.payloadLen)
		}
	}
	// Normalizing a normalized recording changes nothing.
	again, err := Normalize(pcapio.LinkTypeEthernet, out, NormalizeOptions{Ports: map[uint16]uint16{12500: 12500}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if !bytes.Equal(again[i].Data, out[i].Data) || !again[i].Info.Timestamp.Equal(out[i].Info.Timestamp) {
			t.Errorf("frame %d: not a fixed point of Normalize", i+1)
		}
	}
}

// Connections are numbered in order of appearance, and so are their ISNs
// and ports; a port in Options.Ports is never given to another.
func TestNormalizeSecondConnection(t *testing.T) {
	in := []Frame{
		forge(t, 0, ip4(client, server, 1, layers.IPProtocolTCP), tcpSeg(40001, 12500, 5, 0, "S", 1, 0)),
		forge(t, 0, ip4(client, server, 1, layers.IPProtocolTCP), tcpSeg(60000, 8080, 77, 0, "S", 1, 0)),
	}
	out, err := Normalize(pcapio.LinkTypeEthernet, in, NormalizeOptions{Ports: map[uint16]uint16{8080: 40001}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := decodeValid(t, out[0]).tcp, decodeValid(t, out[1]).tcp
	if a.SrcPort != 40002 || a.DstPort != 40003 || b.SrcPort != 40004 || b.DstPort != 40001 {
		t.Errorf("ports %d>%d and %d>%d, want 40002>40003 and 40004>40001", a.SrcPort, a.DstPort, b.SrcPort, b.DstPort)
	}
	if a.Seq != 100000 || b.Seq != 200000 {
		t.Errorf("ISNs %d and %d, want 100000 and 200000", a.Seq, b.Seq)
	}
}

// An ICMP port unreachable quotes the datagram it answers: the quoted
// ports, IP ID and checksums are those of the normalized original.
func TestNormalizeUDPAndUnreachable(t *testing.T) {
	dgram := forge(t, 0, ip4(client, server, 777, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 55555, DstPort: 44444}, gopacket.Payload("Hello turtle"))
	quoted := bytes.Clone(dgram.Data[14:]) // with the loopback's unfinished UDP checksum
	icmpErr := forge(t, 200*time.Microsecond,
		&layers.IPv4{Version: 4, IHL: 5, TOS: 0xc0, TTL: 64, Id: 31337, Protocol: layers.IPProtocolICMPv4, SrcIP: server, DstIP: client},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)}, gopacket.Payload(quoted))
	out, err := Normalize(pcapio.LinkTypeEthernet, []Frame{dgram, icmpErr}, NormalizeOptions{Ports: map[uint16]uint16{44444: 10001}})
	if err != nil {
		t.Fatal(err)
	}
	d := decodeValid(t, out[0])
	if d.udp.SrcPort != 40001 || d.udp.DstPort != 10001 || d.ip.Id != 1 {
		t.Errorf("datagram %d > %d id %d, want 40001 > 10001 id 1", d.udp.SrcPort, d.udp.DstPort, d.ip.Id)
	}
	e := decodeValid(t, out[1])
	if e.ip.Id != 1 {
		t.Errorf("ICMP error's IP ID %d, want 1", e.ip.Id)
	}
	inner := gopacket.NewPacket(e.icmp.Payload, layers.LayerTypeIPv4, gopacket.Default)
	qip, _ := inner.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	qudp, _ := inner.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if qip == nil || qudp == nil {
		t.Fatal("the quoted datagram does not decode")
	}
	verify(t, "quoted IPv4", qip)
	qudp.SetNetworkLayerForChecksum(qip)
	verify(t, "quoted UDP", qudp)
	if !bytes.Equal(e.icmp.Payload, out[0].Data[14:]) {
		t.Errorf("quoted datagram\n%x\ndiffers from the normalized original\n%x", e.icmp.Payload, out[0].Data[14:])
	}
}

// Echo identifiers are mapped like ports; sequence numbers stay.
func TestNormalizeEcho(t *testing.T) {
	req := forge(t, 0, ip4(client, server, 5, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 0x4d2e, Seq: 7}, gopacket.Payload("ping"))
	rep := forge(t, time.Millisecond, ip4(server, client, 0x9999, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(0, 0), Id: 0x4d2e, Seq: 7}, gopacket.Payload("ping"))
	out, err := Normalize(pcapio.LinkTypeEthernet, []Frame{req, rep}, NormalizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range out {
		d := decodeValid(t, p)
		if d.icmp.Id != 1 || d.icmp.Seq != 7 || d.ip.Id != 1 {
			t.Errorf("frame %d: echo id %d seq %d IP ID %d, want 1 7 1", i+1, d.icmp.Id, d.icmp.Seq, d.ip.Id)
		}
	}
}

// The same datagram normalizes to the same IP bytes whatever link layer
// carries it.
func TestNormalizeLinkTypes(t *testing.T) {
	p := forge(t, 0, ip4(client, server, 99, layers.IPProtocolUDP), &layers.UDP{SrcPort: 1111, DstPort: 2222}, gopacket.Payload("x"))
	ipBytes := p.Data[14:]
	want, err := Normalize(pcapio.LinkTypeEthernet, []Frame{p}, NormalizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sll2 := append(make([]byte, 20), ipBytes...)
	binary.BigEndian.PutUint16(sll2, 0x0800)
	null := append([]byte{2, 0, 0, 0}, ipBytes...)
	for _, c := range []struct {
		lt   pcapio.LinkType
		data []byte
		off  int
	}{
		{pcapio.LinkTypeRaw, bytes.Clone(ipBytes), 0},
		{pcapio.LinkTypeLinuxSLL2, sll2, 20},
		{pcapio.LinkTypeNull, null, 4},
	} {
		in := Frame{Info: pcapio.CaptureInfo{Timestamp: t0, CaptureLength: len(c.data), Length: len(c.data)}, Data: c.data}
		got, err := Normalize(c.lt, []Frame{in}, NormalizeOptions{})
		if err != nil {
			t.Fatalf("link type %d: %v", c.lt, err)
		}
		if !bytes.Equal(got[0].Data[c.off:], want[0].Data[14:]) {
			t.Errorf("link type %d: IP bytes differ from Ethernet's", c.lt)
		}
	}
}

// What cannot be rewritten faithfully is an error, not passed through.
func TestNormalizeUnstable(t *testing.T) {
	cut := forge(t, 0, ip4(client, server, 1, layers.IPProtocolUDP), &layers.UDP{SrcPort: 1, DstPort: 2}, gopacket.Payload("abcdef"))
	cut.Info.Length = len(cut.Data)
	cut.Data = cut.Data[:len(cut.Data)-3]
	cut.Info.CaptureLength = len(cut.Data)

	frag := ip4(client, server, 1, layers.IPProtocolUDP)
	frag.Flags = layers.IPv4MoreFragments
	fragment := forge(t, 0, frag, &layers.UDP{SrcPort: 1, DstPort: 2}, gopacket.Payload("abcdef"))

	buf := gopacket.NewSerializeBuffer()
	v6 := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolUDP, HopLimit: 64, SrcIP: net.IPv6loopback, DstIP: net.IPv6loopback}
	udp := &layers.UDP{SrcPort: 1, DstPort: 2}
	udp.SetNetworkLayerForChecksum(v6)
	eth := &layers.Ethernet{SrcMAC: make(net.HardwareAddr, 6), DstMAC: make(net.HardwareAddr, 6), EthernetType: layers.EthernetTypeIPv6}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, v6, udp); err != nil {
		t.Fatal(err)
	}
	ipv6 := Frame{Info: pcapio.CaptureInfo{CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, Data: buf.Bytes()}

	for name, p := range map[string]Frame{"snaplen": cut, "fragment": fragment, "IPv6": ipv6} {
		if _, err := Normalize(pcapio.LinkTypeEthernet, []Frame{p}, NormalizeOptions{}); !errors.Is(err, ErrUnstable) {
			t.Errorf("%s: error %v, want ErrUnstable", name, err)
		}
	}

	// A frame that is not IP passes, only its timestamp moved.
	arp := Frame{Info: pcapio.CaptureInfo{Timestamp: t0, CaptureLength: 42, Length: 42}, Data: make([]byte, 42)}
	binary.BigEndian.PutUint16(arp.Data[12:], 0x0806)
	out, err := Normalize(pcapio.LinkTypeEthernet, []Frame{arp}, NormalizeOptions{})
	if err != nil || !bytes.Equal(out[0].Data, arp.Data) || !out[0].Info.Timestamp.Equal(DefaultEpoch()) {
		t.Errorf("ARP frame: %v", err)
	}
}

// Normalize never panics, whatever the bytes, and rewrites only IPv4.
func FuzzNormalize(f *testing.F) {
	for _, p := range []Frame{
		forge(f, 0, ip4(client, server, 1, layers.IPProtocolTCP), tcpSeg(1, 2, 3, 4, "SA", 5, 6, 7, 8)),
		forge(f, 0, ip4(client, server, 1, layers.IPProtocolUDP), &layers.UDP{SrcPort: 1, DstPort: 2}, gopacket.Payload("x")),
		forge(f, 0, ip4(client, server, 1, layers.IPProtocolICMPv4), &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)},
			gopacket.Payload([]byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1, 0, 1, 0, 2, 0, 8, 0, 0})),
	} {
		f.Add(uint16(pcapio.LinkTypeEthernet), p.Data)
		f.Add(uint16(pcapio.LinkTypeRaw), p.Data[14:])
	}
	for _, fr := range fixtures.Hard() { // errors quoting cut packets, at every cut
		for _, c := range fixtures.EveryCut(fr, 14) {
			f.Add(uint16(pcapio.LinkTypeEthernet), c.Data)
		}
		f.Add(uint16(pcapio.LinkTypeRaw), fr.Data[14:])
	}
	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		p := Frame{Info: pcapio.CaptureInfo{CaptureLength: len(data), Length: len(data)}, Data: data}
		out, err := Normalize(pcapio.LinkType(lt), []Frame{p, p}, NormalizeOptions{})
		if err == nil && (len(out) != 2 || len(out[0].Data) != len(data)) {
			t.Fatalf("Normalize changed a frame's length")
		}
	})
}
