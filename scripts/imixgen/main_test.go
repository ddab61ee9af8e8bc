package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// The capture is deterministic, of the IMIX sizes, and every checksum in it
// is correct, in both container formats.
func TestIMIX(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"pcap", "pcapng"} {
		a, b := filepath.Join(dir, "a."+format), filepath.Join(dir, "b."+format)
		for _, p := range []string{a, b} {
			if err := run(3000, p, format); err != nil {
				t.Fatal(err)
			}
		}
		da, _ := os.ReadFile(a)
		db, _ := os.ReadFile(b)
		if !bytes.Equal(da, db) {
			t.Fatalf("%s: two runs differ", format)
		}
		r, err := pcapio.NewReader(bytes.NewReader(da))
		if err != nil {
			t.Fatal(err)
		}
		sizes := map[int]int{}
		protos := map[decode.Layers]int{}
		var p decode.Packet
		for n := 1; ; n++ {
			data, ci, err := r.ZeroCopyReadPacketData()
			if err == io.EOF {
				if n-1 != 3000 {
					t.Fatalf("%s: %d frames", format, n-1)
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			sizes[len(data)]++
			p.Decode(ci.LinkType, data)
			if p.Problem.Kind != decode.ProblemNone || p.IPv4.Checksum.Status != decode.ChecksumGood {
				t.Fatalf("%s frame %d: %+v", format, n, p.Problem)
			}
			for _, c := range []struct {
				l decode.Layers
				s decode.ChecksumStatus
			}{{decode.LayerTCP, p.TCP.Checksum.Status}, {decode.LayerUDP, p.UDP.Checksum.Status}, {decode.LayerICMP, p.ICMP.Checksum.Status}} {
				if p.Layers&c.l != 0 {
					protos[c.l]++
					if c.s != decode.ChecksumGood {
						t.Fatalf("%s frame %d: bad checksum", format, n)
					}
				}
			}
		}
		if len(sizes) != 3 || sizes[64] < 1600 || sizes[594] < 850 || sizes[1514] < 150 {
			t.Errorf("%s: sizes %v", format, sizes)
		}
		if len(protos) != 3 {
			t.Errorf("%s: protocols %v", format, protos)
		}
	}
}
