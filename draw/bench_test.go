package draw

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// ladderCapture forges n frames (rounded up to 10) of the tcp-echo lab: 10 frames per
// client, a new client every 10 ms.
func ladderCapture(n int) []byte {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	for i := 0; i*10 < n; i++ {
		c := s.TCP(fixtures.ClientPort(7, i), fixtures.TCPServer, uint32(i*104729), uint32(i*65537))
		c.Echo(time.Duration(i)*10*time.Millisecond, []byte("Hello turtle"), time.Millisecond)
	}
	return s.Bytes(fixtures.PcapMicro)
}

// BenchmarkLadder1000 reads a capture of 1,000 frames and draws all of
// them as one SVG ladder: go test -bench Ladder -benchmem ./draw/
func BenchmarkLadder1000(b *testing.B) {
	data := ladderCapture(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := pcapio.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		d, err := Collect(r, Options{Stream: -1, MaxFrames: 1000})
		if err != nil || len(d.Arrows) != 1000 {
			b.Fatalf("%d arrows, %v", len(d.Arrows), err)
		}
		if err := WriteLadderSVG(io.Discard, d, SVGOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLadder1000Text is the same ladder for the terminal.
func BenchmarkLadder1000Text(b *testing.B) {
	data := ladderCapture(1000)
	b.ReportAllocs()
	for b.Loop() {
		r, _ := pcapio.NewReader(bytes.NewReader(data))
		d, _ := Collect(r, Options{Stream: -1, MaxFrames: 1000})
		if err := WriteLadderText(io.Discard, d, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCollect100k draws 100,000 IMIX frames with the default 200
// arrows: B/op shows the memory stays that of 200 arrows and the bounded
// tables, whatever the capture's length.
func BenchmarkCollect100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		d, err := Collect(&imixSource{g: fixtures.NewIMIX(), n: 100000}, Options{Stream: -1})
		if err != nil || len(d.Arrows) != DefaultMaxFrames {
			b.Fatalf("%d arrows, %v", len(d.Arrows), err)
		}
	}
}
