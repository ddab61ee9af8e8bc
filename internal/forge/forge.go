// Package forge builds IPv4 packets (UDP, TCP, ICMP) and Ethernet frames
// from fixed inputs, with gopacket's serializer computing lengths and
// checksums, and the small byte helpers that patch them by hand.
//
// It is a package of its own because turtle itself sends forged frames
// (grade/programs sends the sniffer labs' reference capture to every
// student's sniffer) and the tests forge many more (internal/fixtures):
// both build on this one owner, and the binary links it without the test
// forge. Its inputs are the caller's constants, so a serializer error is a
// bug in the caller and panics.
package forge

import (
	"encoding/binary"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Serialize builds a packet from its layers with lengths and checksums
// computed.
func Serialize(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		panic("forge: " + err.Error()) // the inputs are fixed: a failure is a bug in the caller
	}
	return append([]byte(nil), buf.Bytes()...)
}

// IPv4 is the IPv4 header of every forged packet: TTL 64, don't fragment,
// identification 0x1c46.
func IPv4(proto layers.IPProtocol, src, dst net.IP) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: 0x1c46, Flags: layers.IPv4DontFragment,
		Protocol: proto, SrcIP: src, DstIP: dst}
}

// UDP is an IPv4 UDP datagram without a link header.
func UDP(src, dst net.IP, sport, dport uint16, payload []byte) []byte {
	ip := IPv4(layers.IPProtocolUDP, src, dst)
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	udp.SetNetworkLayerForChecksum(ip)
	return Serialize(ip, udp, gopacket.Payload(payload))
}

// TCP is an IPv4 TCP segment with header tcp, without a link header.
func TCP(src, dst net.IP, tcp *layers.TCP, payload []byte) []byte {
	ip := IPv4(layers.IPProtocolTCP, src, dst)
	tcp.SetNetworkLayerForChecksum(ip)
	return Serialize(ip, tcp, gopacket.Payload(payload))
}

// ICMP is an IPv4 ICMP message of type typ, code 0, without a link header.
func ICMP(src, dst net.IP, typ uint8, id, seq uint16, payload []byte) []byte {
	ip := IPv4(layers.IPProtocolICMPv4, src, dst)
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: id, Seq: seq}
	return Serialize(ip, icmp, gopacket.Payload(payload))
}

// EthernetHeader is a 14-byte Ethernet II header.
func EthernetHeader(dst, src net.HardwareAddr, etherType uint16) []byte {
	h := make([]byte, 14)
	copy(h[0:6], dst)
	copy(h[6:12], src)
	binary.BigEndian.PutUint16(h[12:14], etherType)
	return h
}

// Concat returns the parts one after the other, in a new slice.
func Concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Pad extends an Ethernet frame to the 60-byte minimum with zeros, as a
// NIC does: the padding then follows the IPv4 payload in the captured bytes.
func Pad(b []byte) []byte {
	for len(b) < 60 {
		b = append(b, 0)
	}
	return b
}

// Seq returns n bytes 0, 1, 2, ...
func Seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}
