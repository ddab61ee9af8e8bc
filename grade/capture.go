package grade

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// maxTracked bounds every per-capture table (connections, datagrams, echo
// requests): a capture with more is graded on the first maxTracked of each,
// with a note, so memory does not grow with the capture.
const maxTracked = 4096

// capture is everything the checks need from one capture file, gathered in
// one streaming pass.
type capture struct {
	frames    int       // frames read
	ipFrames  int       // frames with an IPv4 or IPv6 packet decoded
	badFrames frameSet  // frames whose headers could not be decoded
	badErr    string    // why the first of them could not
	cut       frameSet  // frames cut by the snapshot length
	first     time.Time // timestamp of frame 1
	ifaces    []string  // pcapng interface names seen
	linkTypes []pcapio.LinkType
	damage    error // the read error that ended the capture early, if any

	udp   udpState
	tcp   tcpState
	icmp  icmpState
	sums  checksums
	print fingerprint
	ports ports
}

// ports are the lab ports the rubric's checks look at; traffic to others
// is only counted, to tell a student which port they used instead.
type ports struct {
	udp, tcp []uint16
}

func (p *ports) isUDP(port uint16) bool { return contains(p.udp, port) }
func (p *ports) isTCP(port uint16) bool { return contains(p.tcp, port) }

func contains(s []uint16, v uint16) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// decoder decodes one frame with gopacket's DecodingLayerParser into
// reused layers: one parser per first layer, chosen by the packet's link
// type, all sharing the same layer structs.
type decoder struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	loop  layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	tcp   layers.TCP
	udp   layers.UDP
	icmp4 layers.ICMPv4
	icmp6 layers.ICMPv6
	echo6 layers.ICMPv6Echo

	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newDecoder() *decoder {
	d := &decoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}}
	for _, first := range []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL,
		layers.LayerTypeLinuxSLL2, layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6} {
		p := gopacket.NewDecodingLayerParser(first, &d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop,
			&d.ip4, &d.ip6, &d.tcp, &d.udp, &d.icmp4, &d.icmp6, &d.echo6)
		p.IgnoreUnsupported = true // ARP, DNS, IPv6 extension headers: not graded
		d.parsers[first] = p
	}
	d.decoded = make([]gopacket.LayerType, 0, 8)
	return d
}

// firstLayer is the layer a frame of link type lt starts with;
// gopacket.LayerTypeZero when turtle does not grade that link type.
func firstLayer(lt pcapio.LinkType, data []byte) gopacket.LayerType {
	switch lt {
	case pcapio.LinkTypeEthernet:
		return layers.LayerTypeEthernet
	case pcapio.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL
	case pcapio.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2
	case pcapio.LinkTypeNull, pcapio.LinkTypeLoop:
		return layers.LayerTypeLoopback
	case pcapio.LinkTypeIPv4:
		return layers.LayerTypeIPv4
	case pcapio.LinkTypeIPv6:
		return layers.LayerTypeIPv6
	case pcapio.LinkTypeRaw:
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6
		}
		return layers.LayerTypeIPv4
	}
	return gopacket.LayerTypeZero
}

// packet is what one decoded frame tells the flow tables.
type packet struct {
	frame     int
	ts        time.Time
	src, dst  netip.Addr
	outbound  bool // sent by the capturing host: checksums may be left to the NIC
	loopback  bool // captured on a loopback interface
	truncated bool // cut by the snapshot length: payloads are incomplete
}

// grader reads one capture for one rubric.
type grader struct {
	c   *capture
	dec *decoder
	asm *reassembly.Assembler
	fac *streamFactory
}

func newGrader(p ports) *grader {
	g := &grader{c: &capture{ports: p}, dec: newDecoder(), fac: &streamFactory{}}
	g.c.udp.init()
	g.c.tcp.init()
	g.c.icmp.init()
	g.c.print.init()
	g.asm = reassembly.NewAssembler(reassembly.NewStreamPool(g.fac))
	// Out-of-order data waits in pages of about 1900 bytes: bound them per
	// connection and in all, so a capture with holes cannot grow memory.
	g.asm.MaxBufferedPagesPerConnection = 64
	g.asm.MaxBufferedPagesTotal = 1024
	return g
}

// read grades every packet of r. It returns nil when the capture was read
// to its end or to damage (recorded in c.damage); only errors of the file
// itself, before any packet, are returned.
func (g *grader) read(r io.Reader) error {
	pr, err := pcapio.NewReader(r)
	if err != nil {
		return err
	}
	for {
		data, ci, err := pr.ZeroCopyReadPacketData()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				g.c.damage = err
			}
			break
		}
		g.c.frames++
		if g.c.frames == 1 {
			g.c.first = ci.Timestamp
		}
		g.noteInterface(ci)
		g.packet(data, ci)
	}
	g.asm.FlushAll()
	g.c.print.finish()
	return nil
}

func (g *grader) noteInterface(ci pcapio.CaptureInfo) {
	c := g.c
	seen := false
	for _, lt := range c.linkTypes {
		seen = seen || lt == ci.LinkType
	}
	if !seen && len(c.linkTypes) < 8 {
		c.linkTypes = append(c.linkTypes, ci.LinkType)
	}
	if ci.InterfaceName == "" {
		return
	}
	for _, n := range c.ifaces {
		if n == ci.InterfaceName {
			return
		}
	}
	if len(c.ifaces) < 8 {
		c.ifaces = append(c.ifaces, ci.InterfaceName)
	}
}

// packet decodes one frame and hands it to the flow tables.
func (g *grader) packet(data []byte, ci pcapio.CaptureInfo) {
	c, d := g.c, g.dec
	p := packet{frame: c.frames, ts: ci.Timestamp, outbound: ci.Direction == pcapio.DirectionOutbound,
		truncated: ci.CaptureLength < ci.Length}
	if p.truncated {
		c.cut.add(p.frame)
	}
	first := firstLayer(ci.LinkType, data)
	c.print.add(data, ci)
	if first == gopacket.LayerTypeZero {
		return
	}
	parser := d.parsers[first]
	err := parser.DecodeLayers(data, &d.decoded)
	p.truncated = p.truncated || parser.Truncated
	var net, transport gopacket.LayerType
	for _, lt := range d.decoded {
		switch lt {
		case layers.LayerTypeEthernet:
			p.loopback = isZero(d.eth.SrcMAC) && isZero(d.eth.DstMAC)
		case layers.LayerTypeLinuxSLL:
			p.loopback = d.sll.AddrType == 772
			p.outbound = p.outbound || d.sll.PacketType == layers.LinuxSLLPacketTypeOutgoing
		case layers.LayerTypeLinuxSLL2:
			p.loopback = d.sll2.ARPHardwareType == 772
			p.outbound = p.outbound || d.sll2.PacketType == layers.LinuxSLL2PacketTypeOutgoing
		case layers.LayerTypeLoopback:
			p.loopback = true
		case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
			net = lt
		case layers.LayerTypeTCP, layers.LayerTypeUDP, layers.LayerTypeICMPv4, layers.LayerTypeICMPv6,
			layers.LayerTypeICMPv6Echo:
			if transport == gopacket.LayerTypeZero || lt == layers.LayerTypeICMPv6Echo {
				transport = lt
			}
		}
	}
	if err != nil && transport == gopacket.LayerTypeZero {
		c.badFrames.add(p.frame)
		if c.badErr == "" {
			c.badErr = err.Error()
		}
	}
	if net == gopacket.LayerTypeZero {
		return
	}
	c.ipFrames++
	fragment := false
	if net == layers.LayerTypeIPv4 {
		p.src, _ = netip.AddrFromSlice(d.ip4.SrcIP)
		p.dst, _ = netip.AddrFromSlice(d.ip4.DstIP)
		fragment = d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0
		if !p.truncated {
			c.sums.checkIPv4(&d.ip4, p)
		}
	} else {
		p.src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
		p.dst, _ = netip.AddrFromSlice(d.ip6.DstIP)
	}
	p.loopback = p.loopback || p.src.IsLoopback() || p.dst.IsLoopback()
	if fragment {
		return // a piece of a datagram: not graded (labs never fragment)
	}
	switch transport {
	case layers.LayerTypeTCP:
		if !p.truncated {
			c.sums.checkTransport(g.netPayload(net), net, layers.IPProtocolTCP, 16, p, d)
		}
		g.tcpPacket(&d.tcp, p)
	case layers.LayerTypeUDP:
		if !p.truncated {
			c.sums.checkTransport(g.netPayload(net), net, layers.IPProtocolUDP, 6, p, d)
		}
		c.udp.packet(c, &d.udp, p)
	case layers.LayerTypeICMPv4:
		if !p.truncated {
			c.sums.checkICMP(g.netPayload(net), net, p, d)
		}
		c.icmp.v4(c, &d.icmp4, p)
	case layers.LayerTypeICMPv6Echo:
		if !p.truncated {
			c.sums.checkICMP(g.netPayload(net), net, p, d)
		}
		c.icmp.v6(&d.icmp6, &d.echo6, p)
	case layers.LayerTypeICMPv6:
		if !p.truncated {
			c.sums.checkICMP(g.netPayload(net), net, p, d)
		}
	}
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// netPayload is the IP payload of the decoded packet: the transport
// header and its data, cut to the IP length.
func (g *grader) netPayload(net gopacket.LayerType) []byte {
	if net == layers.LayerTypeIPv4 {
		return g.dec.ip4.Payload
	}
	return g.dec.ip6.Payload
}

// checksums counts real checksum errors. Loopback and sender-side captures
// carry TCP and UDP checksums the kernel left for the NIC (offload): those
// are not errors. ICMP checksums are always computed by the sender, and a
// bad one makes the receiver drop the packet.
type checksums struct {
	ip, tcp, udp, icmp frameSet
}

// pseudoSum is the one's complement sum of the TCP/UDP pseudo-header.
func pseudoSum(d *decoder, net gopacket.LayerType, proto layers.IPProtocol, n int) uint32 {
	var sum uint32
	if net == layers.LayerTypeIPv4 {
		sum = gopacket.ComputeChecksum(d.ip4.SrcIP.To4(), 0)
		sum = gopacket.ComputeChecksum(d.ip4.DstIP.To4(), sum)
	} else {
		sum = gopacket.ComputeChecksum(d.ip6.SrcIP.To16(), 0)
		sum = gopacket.ComputeChecksum(d.ip6.DstIP.To16(), sum)
	}
	return sum + uint32(proto) + uint32(n)&0xffff + uint32(n)>>16
}

func (s *checksums) checkIPv4(ip *layers.IPv4, p packet) {
	if ip.Checksum == 0 && (p.outbound || p.loopback) {
		return // left to the NIC by a sender that offloads the header checksum too
	}
	if gopacket.FoldChecksum(gopacket.ComputeChecksum(ip.Contents, 0)) != 0 {
		s.ip.add(p.frame)
	}
}

// transport checks a TCP or UDP checksum at offset off of seg.
func (s *checksums) checkTransport(seg []byte, net gopacket.LayerType, proto layers.IPProtocol, off int, p packet, d *decoder) {
	if len(seg) < off+2 || p.outbound || p.loopback {
		return
	}
	field := binary.BigEndian.Uint16(seg[off:])
	if proto == layers.IPProtocolUDP && field == 0 && net == layers.LayerTypeIPv4 {
		return // no checksum
	}
	ps := pseudoSum(d, net, proto, len(seg))
	if gopacket.FoldChecksum(gopacket.ComputeChecksum(seg, ps)) == 0 {
		return
	}
	// CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, the
	// NIC was to finish it. Seen in captures on the sending host.
	if partial := ^gopacket.FoldChecksum(ps); field == partial || field == ^partial {
		return
	}
	if proto == layers.IPProtocolTCP {
		s.tcp.add(p.frame)
	} else {
		s.udp.add(p.frame)
	}
}

func (s *checksums) checkICMP(msg []byte, net gopacket.LayerType, p packet, d *decoder) {
	var sum uint32
	if net == layers.LayerTypeIPv6 {
		sum = pseudoSum(d, net, layers.IPProtocolICMPv6, len(msg))
	}
	if len(msg) >= 4 && gopacket.FoldChecksum(gopacket.ComputeChecksum(msg, sum)) != 0 {
		s.icmp.add(p.frame)
	}
}

// warnings words the checksum errors found.
func (s *checksums) warnings() []string {
	var w []string
	if s.ip.n > 0 {
		w = append(w, "bad IPv4 header checksum in "+s.ip.String())
	}
	if s.tcp.n > 0 {
		w = append(w, "bad TCP checksum in received "+s.tcp.String()+" (not offload: the packets came in from the network)")
	}
	if s.udp.n > 0 {
		w = append(w, "bad UDP checksum in received "+s.udp.String()+" (not offload: the packets came in from the network)")
	}
	if s.icmp.n > 0 {
		w = append(w, "bad ICMP checksum in "+s.icmp.String()+": the receiver drops these packets")
	}
	return w
}
