package grade

import (
	"errors"
	"io"
	"net/netip"
	"time"

	capfile "github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
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
	arp, nd   int   // ARP and IPv6 neighbour-discovery frames: what a capture of the wrong interface holds
	mld       int   // IPv6 multicast listener reports and queries
	snap      int   // the longest frame cut by the snapshot length: the capture's snaplen
	review    []string

	udp   udpState
	tcp   tcpState
	icmp  icmpState
	sums  checksums
	print fingerprint
	ports ports
}

// addReview notes why a person should look at the capture (once per reason).
func (c *capture) addReview(why string) {
	for _, r := range c.review {
		if r == why {
			return
		}
	}
	c.review = append(c.review, why)
}

// snapText is how a review reason names a short snapshot length.
func (c *capture) snapText() string {
	return "the capture keeps only the first " + itoa(c.snap) + " bytes of each frame (snapshot length)"
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
	pkt decode.Packet
	pad []byte // a cut segment's payload, padded to its length on the wire
}

func newGrader(p ports) *grader {
	g := &grader{c: &capture{ports: p}}
	g.c.udp.init()
	g.c.tcp.init()
	g.c.icmp.init()
	g.c.print.init()
	return g
}

// read grades every packet of r. It returns nil when the capture was read
// to its end or to damage (recorded in c.damage); only errors of the file
// itself, before any packet, are returned.
func (g *grader) read(r io.Reader) error {
	pr, err := capfile.NewSource(r, capfile.Options{})
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
		g.add(data, ci)
	}
	g.finish()
	return nil
}

// add grades one frame: the one step of every source, a file (read) or a
// live capture (Stream).
func (g *grader) add(data []byte, ci pcapio.CaptureInfo) {
	g.c.frames++
	if g.c.frames == 1 {
		g.c.first = ci.Timestamp
	}
	g.noteInterface(ci)
	g.packet(data, ci)
}

// finish ends the capture: data the reassembler still holds is delivered.
func (g *grader) finish() {
	g.c.tcp.asm.Flush()
	g.c.print.finish()
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

// packet decodes one frame with the project's decoder (decode.Packet:
// every link type, VLAN tag and IP header turtle reads) and hands it to the
// flow tables. Checksums are decode's verdicts; grade only adds its offload
// policy on top (checksums.judge).
func (g *grader) packet(data []byte, ci pcapio.CaptureInfo) {
	c, d := g.c, &g.pkt
	p := packet{frame: c.frames, ts: ci.Timestamp, outbound: ci.Direction == pcapio.DirectionOutbound,
		truncated: ci.CaptureLength < ci.Length}
	if p.truncated {
		c.cut.add(p.frame)
		c.snap = max(c.snap, ci.CaptureLength)
	}
	d.Decode(ci.LinkType, data)
	c.print.add(data, ci, d)
	switch {
	case d.Layers&decode.LayerEthernet != 0:
		p.loopback = d.Eth.Src == [6]byte{} && d.Eth.Dst == [6]byte{}
	case d.Layers&decode.LayerSLL != 0:
		p.loopback = d.SLL.HardwareType == 772
		p.outbound = p.outbound || d.SLL.PacketType == 4
	case d.Layers&decode.LayerSLL2 != 0:
		p.loopback = d.SLL2.HardwareType == 772
		p.outbound = p.outbound || d.SLL2.PacketType == 4
	case d.Layers&decode.LayerLoopback != 0:
		p.loopback = true
	}
	if pr := d.Problem; pr.Kind != decode.ProblemNone {
		if pr.Kind == decode.ProblemTruncated && p.truncated {
			// cut by the snapshot length: noted as such
		} else {
			c.badFrames.add(p.frame)
			if c.badErr == "" {
				c.badErr = problemText(pr)
			}
		}
	}
	if d.Layers&decode.LayerARP != 0 {
		c.arp++
	}
	if d.Layers&decode.LayerICMPv6 != 0 {
		switch t := d.ICMPv6.Type; {
		case t >= 133 && t <= 137:
			c.nd++
		case t >= 130 && t <= 132 || t == 143:
			c.mld++
		}
	}
	var missing int // bytes of the IP packet the frame does not hold
	fragment := d.Fragment
	switch {
	case d.Layers&decode.LayerIPv4 != 0 && !(d.Problem.Layer == decode.ProblemIPv4):
		p.src, p.dst = d.IPv4.Src, d.IPv4.Dst
		missing = d.IPv4.Missing
		fragment = fragment || d.IPv4.Flags&decode.IPv4MoreFragments != 0 || d.IPv4.FragOffset != 0
		if d.IPv4.Checksum.Status == decode.ChecksumBad && !(d.IPv4.Checksum.Value == 0 && (p.outbound || p.loopback)) {
			c.sums.ip.add(p.frame) // a zero field was left to the NIC by a sender that offloads it too
		}
	case d.Layers&decode.LayerIPv6 != 0 && !(d.Problem.Layer == decode.ProblemIPv6):
		p.src, p.dst = d.IPv6.Src, d.IPv6.Dst
		missing = d.IPv6.Missing
		for i := 0; i < d.IPv6.NumExt && i < len(d.IPv6.Ext); i++ {
			if d.IPv6.Ext[i].Type == 44 {
				fragment = true
			}
		}
	default:
		return
	}
	c.ipFrames++
	p.loopback = p.loopback || p.src.IsLoopback() || p.dst.IsLoopback()
	if fragment {
		return // a piece of a datagram: not graded (labs never fragment)
	}
	p.truncated = p.truncated || missing > 0
	whole := d.Problem.Kind == decode.ProblemNone
	switch {
	case d.Layers&decode.LayerTCP != 0 && (whole || d.Problem.Layer != decode.ProblemTCP):
		c.sums.judge(&d.TCP.Checksum, d, 6, len(d.TCP.Segment), &c.sums.tcp, p)
		g.tcpPacket(&d.TCP, p, missing)
	case d.Layers&decode.LayerUDP != 0 && (whole || d.Problem.Layer != decode.ProblemUDP):
		c.sums.judge(&d.UDP.Checksum, d, 17, int(d.UDP.Length), &c.sums.udp, p)
		c.udp.packet(c, d.UDP.SrcPort, d.UDP.DstPort, d.UDP.Payload, len(d.UDP.Payload)+d.UDP.Missing, p)
	case d.Layers&decode.LayerICMP != 0:
		if d.ICMP.Checksum.Status == decode.ChecksumBad {
			c.sums.icmp.add(p.frame)
		}
		if d.ICMP.HasRest {
			c.icmp.v4(c, &d.ICMP, p)
		}
	case d.Layers&decode.LayerICMPv6 != 0:
		if d.ICMPv6.Checksum.Status == decode.ChecksumBad {
			c.sums.icmp.add(p.frame)
		}
		if d.ICMPv6.HasRest {
			c.icmp.v6(&d.ICMPv6, p)
		}
	}
}

// problemText words why decode stopped in a frame.
func problemText(pr decode.Problem) string {
	if pr.Kind == decode.ProblemTruncated {
		return string(pr.Layer) + " header truncated (" + itoa(pr.Value) + " of " + itoa(pr.Need) + " bytes)"
	}
	s := string(pr.Layer) + " " + pr.Field + " " + itoa(pr.Value)
	if pr.Note != "" {
		s += " (" + pr.Note + ")"
	}
	return s
}

// checksums counts real checksum errors. Loopback and sender-side captures
// carry TCP and UDP checksums the kernel left for the NIC (offload): those
// are not errors. ICMP checksums are always computed by the sender, and a
// bad one makes the receiver drop the packet.
type checksums struct {
	ip, tcp, udp, icmp frameSet
}

// judge applies the offload policy to decode's verdict on a TCP or UDP
// checksum over length bytes: packets sent by the capturing host or on
// loopback are not judged, and a field holding the pseudo-header sum
// (CHECKSUM_PARTIAL: the NIC was to finish it) is offload, not an error.
func (s *checksums) judge(sum *decode.Checksum, d *decode.Packet, proto uint8, length int, bad *frameSet, p packet) {
	if sum.Status != decode.ChecksumBad || p.outbound || p.loopback {
		return
	}
	if partial := d.PseudoHeaderSum(proto, length); sum.Value == partial || sum.Value == ^partial {
		return
	}
	bad.add(p.frame)
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
