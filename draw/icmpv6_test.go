package draw

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Only the ICMPv6 errors RFC 4443 defines to quote the invoking packet
// (types 1 to 4) are drawn as errors about a conversation; an unassigned
// type below 128 carrying the same bytes is not read as a quote.
func TestICMPv6ErrorTypes(t *testing.T) {
	client, server := net.ParseIP("fd00::1"), net.ParseIP("fd00::2")
	frame := func(typ uint8) []byte {
		// The datagram the error would quote: client to server, UDP.
		q := gopacket.NewSerializeBuffer()
		qip := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolUDP, HopLimit: 64, SrcIP: client, DstIP: server}
		qudp := &layers.UDP{SrcPort: 40000, DstPort: 7}
		_ = qudp.SetNetworkLayerForChecksum(qip)
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		if err := gopacket.SerializeLayers(q, opts, qip, qudp, gopacket.Payload("hello")); err != nil {
			t.Fatal(err)
		}
		b := gopacket.NewSerializeBuffer()
		ip := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolICMPv6, HopLimit: 64, SrcIP: server, DstIP: client}
		icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, 0)}
		_ = icmp.SetNetworkLayerForChecksum(ip)
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, EthernetType: layers.EthernetTypeIPv6}
		body := append([]byte{0, 0, 0, 0}, q.Bytes()...) // the unused word, then the quote
		if err := gopacket.SerializeLayers(b, opts, eth, ip, icmp, gopacket.Payload(body)); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	var out bytes.Buffer
	w, err := pcapio.NewPcapWriter(&out, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet, Snaplen: 262144})
	if err != nil {
		t.Fatal(err)
	}
	types := []uint8{1, 2, 3, 4, 0, 5, 100, 127}
	for i, typ := range types {
		data := frame(typ)
		ci := pcapio.CaptureInfo{Timestamp: time.Unix(1700000000, int64(i)*1000).UTC(), CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	d := collectBytes(t, out.Bytes(), Options{Stream: -1})
	if len(d.Arrows) != len(types) {
		t.Fatalf("%d arrows, want %d", len(d.Arrows), len(types))
	}
	for i, a := range d.Arrows {
		isErr := a.Problems&ProblemICMPError != 0
		if want := types[i] >= 1 && types[i] <= 4; isErr != want {
			t.Errorf("ICMPv6 type %d (%s): drawn as an error %v, want %v", types[i], a.Label, isErr, want)
		}
	}
}
