package replay_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
	"github.com/turtle-sniffer/turtle/replay"
)

// The reference for ToEthernet is gopacket's own decoding, apart from ours:
// the original frame decoded as its link type and the synthesized one
// decoded as Ethernet must carry the same EtherType and the same bytes
// after the link header, behind the documented addresses.
func TestToEthernetAgainstGopacket(t *testing.T) {
	hdrLen := map[pcapio.LinkType]int{pcapio.LinkTypeLinuxSLL: 16, pcapio.LinkTypeLinuxSLL2: 20,
		pcapio.LinkTypeNull: 4, pcapio.LinkTypeLoop: 4, pcapio.LinkTypeRaw: 0, pcapio.LinkTypeIPv4: 0, pcapio.LinkTypeIPv6: 0}
	checked := map[pcapio.LinkType]int{}
	for _, c := range fixtures.Captures() {
		for i, f := range c.Frames {
			out, err := replay.ToEthernet(nil, c.LinkType, f.Data)
			if !replay.Supported(c.LinkType) {
				if err == nil {
					t.Errorf("%s: link type %d converted", c.Name, c.LinkType)
				}
				break
			}
			if err != nil {
				t.Logf("%s frame %d (%s): refused: %v", c.Name, i+1, f.Name, err)
				continue
			}
			if c.LinkType == pcapio.LinkTypeEthernet {
				if !bytes.Equal(out, f.Data) {
					t.Errorf("%s frame %d: Ethernet frame changed", c.Name, i+1)
				}
				continue
			}
			eth := gopacket.NewPacket(out, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
			if !bytes.Equal(eth.SrcMAC, replay.SynthSrc[:]) || !bytes.Equal(eth.DstMAC, replay.SynthDst[:]) {
				t.Errorf("%s frame %d: addresses %v > %v", c.Name, i+1, eth.SrcMAC, eth.DstMAC)
			}
			if !bytes.Equal(eth.Payload, f.Data[hdrLen[c.LinkType]:]) {
				t.Errorf("%s frame %d: payload changed", c.Name, i+1)
			}
			var want layers.EthernetType
			var decoder gopacket.Decoder = layers.LinkType(c.LinkType)
			switch c.LinkType { // gopacket has no LinkType for these two
			case pcapio.LinkTypeIPv4:
				decoder = layers.LayerTypeIPv4
			case pcapio.LinkTypeIPv6:
				decoder = layers.LayerTypeIPv6
			}
			orig := gopacket.NewPacket(f.Data, decoder, gopacket.Default)
			switch l := orig.Layers()[0].(type) {
			case *layers.LinuxSLL:
				want = l.EthernetType
			case *layers.LinuxSLL2:
				want = l.ProtocolType
			case *layers.Loopback:
				want = map[layers.ProtocolFamily]layers.EthernetType{layers.ProtocolFamilyIPv4: layers.EthernetTypeIPv4,
					layers.ProtocolFamilyIPv6BSD: layers.EthernetTypeIPv6, layers.ProtocolFamilyIPv6FreeBSD: layers.EthernetTypeIPv6,
					layers.ProtocolFamilyIPv6Darwin: layers.EthernetTypeIPv6}[l.Family]
			case *layers.IPv4:
				want = layers.EthernetTypeIPv4
			case *layers.IPv6:
				want = layers.EthernetTypeIPv6
			default:
				t.Logf("%s frame %d (%s): gopacket decodes no link layer (%v); EtherType %#04x from the version nibble",
					c.Name, i+1, f.Name, orig.Layers()[0].LayerType(), uint16(eth.EthernetType))
				continue
			}
			if eth.EthernetType != want {
				t.Errorf("%s frame %d: EtherType %#04x, gopacket says %#04x", c.Name, i+1, uint16(eth.EthernetType), uint16(want))
			}
			checked[c.LinkType]++
		}
	}
	for lt := range hdrLen {
		if lt != pcapio.LinkTypeIPv6 && checked[lt] == 0 {
			t.Errorf("no frame of link type %d checked", lt)
		}
	}
}

// Frames without an EtherType: 802.2 LLC and raw 802.3 in a cooked header
// get an 802.3 length field; CAN has no Ethernet form; the BSD IPv6
// families and a null header written in either byte order map as libpcap
// reads them.
func TestToEthernetSpecialCases(t *testing.T) {
	sll := func(proto uint16, payload ...byte) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[14:], proto)
		return append(h, payload...)
	}
	llc := []byte{0x42, 0x42, 0x03, 0, 0, 0}
	out, err := replay.ToEthernet(nil, pcapio.LinkTypeLinuxSLL, sll(0x0004, llc...))
	if err != nil || binary.BigEndian.Uint16(out[12:]) != uint16(len(llc)) || !bytes.Equal(out[14:], llc) {
		t.Errorf("LLC: % x, %v", out, err)
	}
	if _, err := replay.ToEthernet(nil, pcapio.LinkTypeLinuxSLL, sll(0x000c, 1, 2, 3)); err == nil {
		t.Error("CAN frame converted")
	}
	for _, tc := range []struct {
		lt   pcapio.LinkType
		hdr  []byte
		want uint16
	}{
		{pcapio.LinkTypeNull, []byte{2, 0, 0, 0}, 0x0800},
		{pcapio.LinkTypeNull, []byte{0, 0, 0, 2}, 0x0800},
		{pcapio.LinkTypeNull, []byte{30, 0, 0, 0}, 0x86dd},
		{pcapio.LinkTypeNull, []byte{0, 0, 0, 28}, 0x86dd},
		{pcapio.LinkTypeLoop, []byte{0, 0, 0, 24}, 0x86dd},
		{pcapio.LinkTypeIPv6, nil, 0x86dd},
	} {
		out, err := replay.ToEthernet(nil, tc.lt, append(tc.hdr, 0x60, 0, 0, 0))
		if err != nil || binary.BigEndian.Uint16(out[12:]) != tc.want || !bytes.Equal(out[14:], []byte{0x60, 0, 0, 0}) {
			t.Errorf("link type %d header % x: % x, %v", tc.lt, tc.hdr, out, err)
		}
	}
	if _, err := replay.ToEthernet(nil, pcapio.LinkTypeLoop, []byte{0, 0, 0, 7, 0x45}); err == nil {
		t.Error("unknown family converted")
	}
}
