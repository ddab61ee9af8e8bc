// Package flow tracks conversations: the canonical key of a TCP connection
// or UDP exchange (either direction gives the same key), the addresses and
// ports of a decoded frame, which side is the client, TCP stream numbers
// in the order Wireshark and `turtle follow` give them (a SYN on a closed
// connection starts a new stream), per-direction FIN, RST and
// retransmission state, and the conversation an ICMP error quotes.
//
// It is a package of its own because draw, follow, split and grade all
// need the same answers and each had written them again; a drawing's
// --stream N must be follow's stream N, so both number streams through a
// Tracker (and follow's bytes are reassembled per tracker stream).
// Grade and record's normalizer keep their TCP connections in a Tracker
// too, with Start for their own rules of role and reuse. Like net/netip
// it deals in small comparable values (Key is a map key); the
// per-conversation state lives in a Tracker that bounds how many
// conversations it holds.
//
// Reassembly (the bytes of a stream, in order) is flow/tcpstream's, keyed
// by a Tracker's stream: follow and grade use it.
package flow

import (
	"net/netip"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// IP protocol numbers of the transports a Key names.
const (
	ICMP uint8 = 1
	TCP  uint8 = 6
	UDP  uint8 = 17
)

// Key names a conversation whichever way a frame goes: A is the lesser
// endpoint (netip.AddrPort.Compare). The zero Key is no conversation.
type Key struct {
	Proto uint8
	A, B  netip.AddrPort
}

// NewKey is the key of the conversation between a and b over proto.
func NewKey(proto uint8, a, b netip.AddrPort) Key {
	if b.Compare(a) < 0 {
		a, b = b, a
	}
	return Key{proto, a, b}
}

// Addrs returns the source and destination addresses of a decoded frame
// and the protocol its IP header names; ok is false for a frame that is
// not IPv4 or IPv6 (decode never sets both).
func Addrs(p *decode.Packet) (src, dst netip.Addr, proto uint8, ok bool) {
	switch {
	case p.Layers&decode.LayerIPv4 != 0:
		return p.IPv4.Src, p.IPv4.Dst, p.IPv4.Protocol, true
	case p.Layers&decode.LayerIPv6 != 0:
		return p.IPv6.Src, p.IPv6.Dst, p.IPv6.Protocol, true
	}
	return src, dst, 0, false
}

// Endpoints returns the two ends of a TCP segment or UDP datagram, from
// and to, and its transport (TCP or UDP); ok is false for anything else.
func Endpoints(p *decode.Packet) (from, to netip.AddrPort, proto uint8, ok bool) {
	src, dst, _, ok := Addrs(p)
	if !ok {
		return from, to, 0, false
	}
	switch {
	case p.Layers&decode.LayerTCP != 0:
		return netip.AddrPortFrom(src, p.TCP.SrcPort), netip.AddrPortFrom(dst, p.TCP.DstPort), TCP, true
	case p.Layers&decode.LayerUDP != 0:
		return netip.AddrPortFrom(src, p.UDP.SrcPort), netip.AddrPortFrom(dst, p.UDP.DstPort), UDP, true
	}
	return from, to, 0, false
}

// IsICMPError reports whether an ICMP message of type typ is an error
// that quotes the datagram it is about: destination unreachable, source
// quench, redirect, time exceeded and parameter problem for ICMPv4;
// destination unreachable, packet too big, time exceeded and parameter
// problem (types 1 to 4) for ICMPv6 (decode.ICMPv6IsError says why not
// every type below 128).
func IsICMPError(typ uint8, v6 bool) bool {
	if v6 {
		return decode.ICMPv6IsError(typ)
	}
	return decode.ICMPIsError(typ)
}

// Quoted decodes into q the datagram an ICMP error quotes (body, the
// error's payload) and returns its ends and transport; ok is false when
// the quote holds no IP header or no TCP or UDP ports. The quote is the
// datagram as its sender sent it: from is that sender.
func Quoted(q *decode.Packet, body []byte, v6 bool) (from, to netip.AddrPort, proto uint8, ok bool) {
	link := pcapio.LinkTypeIPv4
	if v6 {
		link = pcapio.LinkTypeIPv6
	}
	q.Decode(link, body)
	return Endpoints(q)
}

// ServerPort reports whether a looks like the server's port against b:
// a registered or well-known port against an ephemeral one.
func ServerPort(a, b uint16) bool {
	return a < b && a < 49152 && (b >= 32768 || a < 1024)
}
