package anonymize

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// FuzzAnonymize: any frame of any link type, any options: no panic, the
// output never grows, and written with pcapio it reads back whole.
func FuzzAnonymize(f *testing.F) {
	for _, fr := range fixtures.Protocols() {
		f.Add(fr.Data, uint16(fr.LinkType), uint8(0))
		f.Add(fr.Data, uint16(fr.LinkType), uint8(0x1f))
	}
	// ICMP cut inside its header (a router advertisement and a redirect,
	// whose second word is read): found by the fuzzer in CI.
	for _, typ := range []byte{5, 9} {
		ip := []byte{0x45, 0, 0, 24, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, typ, 0, 0, 0}
		f.Add(ip, uint16(2), uint8(0)) // links[2] is 101, raw IP
	}
	// Errors quoting cut packets, IPv6 chains, ICMP second words: cut at
	// every length, as Ethernet (links[1]) and the whole as raw IP.
	for _, fr := range fixtures.Hard() {
		for _, c := range fixtures.EveryCut(fr, 14) {
			f.Add(c.Data, uint16(1), uint8(0x1f))
		}
		f.Add(fr.Data[14:], uint16(2), uint8(0))
	}
	links := []pcapio.LinkType{0, 1, 101, 108, 113, 228, 229, 276}
	made := map[Options]*Anonymizer{} // the port table takes a while to make
	f.Fuzz(func(t *testing.T, data []byte, link uint16, o uint8) {
		opt := Options{IPs: IPMode(o % 3), MACs: o&4 != 0, KeepOUI: o&8 != 0, Ports: o&16 != 0,
			Payload: PayloadMode((o >> 5) % 3)}
		a := made[opt]
		if a == nil {
			var err error
			if a, err = New(referenceKey, opt); err != nil {
				t.Fatal(err)
			}
			made[opt] = a
		}
		lt := links[int(link)%len(links)]
		out, _ := a.Frame(lt, data)
		if len(out) > len(data) {
			t.Fatalf("output of %d bytes from %d", len(out), len(data))
		}
		if opt.Payload != PayloadDrop && len(out) != len(data) {
			t.Fatalf("length changed from %d to %d", len(data), len(out))
		}
		var buf bytes.Buffer
		w, err := pcapio.NewPcapWriter(&buf, pcapio.PcapOptions{LinkType: lt})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) > 262144 {
			return
		}
		if err := w.WritePacket(pcapio.CaptureInfo{Timestamp: time.Unix(1, 0), Length: len(data)}, out); err != nil {
			t.Fatal(err)
		}
		r, err := pcapio.NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		got, ci, err := r.ReadPacketData()
		if err != nil || !bytes.Equal(got, out) || ci.Length != len(data) {
			t.Fatalf("read back: %v, %d bytes, wire %d", err, len(got), ci.Length)
		}
		if _, _, err := r.ReadPacketData(); err != io.EOF {
			t.Fatalf("after the frame: %v", err)
		}
	})
}
