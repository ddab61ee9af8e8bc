package replay_test

import (
	"bytes"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
	"github.com/turtle-sniffer/turtle/replay"
)

// FuzzToEthernet: whatever the bytes and link type, ToEthernet never
// panics, and a frame it accepts keeps every byte after its link header,
// behind the documented addresses (or unchanged, for Ethernet).
func FuzzToEthernet(f *testing.F) {
	for _, c := range fixtures.Captures() {
		for _, fr := range c.Frames {
			f.Add(uint16(c.LinkType), fr.Data)
		}
		for _, cut := range fixtures.EveryCut(c.Frames[0], 0)[:min(len(c.Frames[0].Data), 24)] { // link headers cut
			f.Add(uint16(c.LinkType), cut.Data)
		}
	}
	hdr := map[pcapio.LinkType]int{pcapio.LinkTypeLinuxSLL: 16, pcapio.LinkTypeLinuxSLL2: 20,
		pcapio.LinkTypeNull: 4, pcapio.LinkTypeLoop: 4}
	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		prefix := []byte("keep")
		out, err := replay.ToEthernet(prefix, pcapio.LinkType(lt), data)
		if !bytes.Equal(out[:4], []byte("keep")) {
			t.Fatal("dst's bytes changed")
		}
		if err != nil {
			if len(out) != 4 {
				t.Fatalf("refused (%v) but appended %d bytes", err, len(out)-4)
			}
			return
		}
		out = out[4:]
		if pcapio.LinkType(lt) == pcapio.LinkTypeEthernet {
			if !bytes.Equal(out, data) {
				t.Fatal("Ethernet frame changed")
			}
			return
		}
		if len(out) < 14 || !bytes.Equal(out[:6], replay.SynthDst[:]) || !bytes.Equal(out[6:12], replay.SynthSrc[:]) ||
			!bytes.Equal(out[14:], data[hdr[pcapio.LinkType(lt)]:]) {
			t.Fatalf("link type %d: % x from % x", lt, out, data)
		}
	})
}
