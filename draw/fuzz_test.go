package draw

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// frameSource serves frames cut from one fuzzed buffer: each starts with
// a length byte, and a second byte sets the captured length short of the
// wire length now and then.
type frameSource struct {
	b    []byte
	link pcapio.LinkType
	n    int
}

func (s *frameSource) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	if len(s.b) < 2 {
		return nil, pcapio.CaptureInfo{}, io.EOF
	}
	n, extra := int(s.b[0]), int(s.b[1]%4)
	s.b = s.b[2:]
	n = min(n, len(s.b))
	data := s.b[:n]
	s.b = s.b[n:]
	s.n++
	at := time.Duration(s.n) * 300 * time.Millisecond
	if s.b != nil && n > 0 && data[0]&0x80 != 0 {
		at -= 2 * time.Second // timestamps do go backwards in real captures
	}
	ci := pcapio.CaptureInfo{Timestamp: time.Unix(0, int64(at)), CaptureLength: n, Length: n + extra, LinkType: s.link}
	return data, ci, nil
}

// Any bytes draw without a panic, into well-formed SVG and escaped text.
func FuzzDraw(f *testing.F) {
	for _, name := range []string{"tcp-echo", "udp-unreachable", "icmp-ping"} {
		data, err := os.ReadFile("../testdata/" + name + ".pcap")
		if err != nil {
			f.Fatal(err)
		}
		r, err := pcapio.NewReader(bytes.NewReader(data))
		if err != nil {
			f.Fatal(err)
		}
		var seed []byte
		for {
			frame, _, err := r.ReadPacketData()
			if err != nil {
				break
			}
			if len(frame) < 256 {
				seed = append(seed, byte(len(frame)), 0)
				seed = append(seed, frame...)
			}
		}
		f.Add(seed, uint8(1))
	}
	// Errors quoting cut packets, IPv6 chains, ICMP second words, cut at
	// every length: Ethernet (links[0]), 40 frames a seed.
	for _, fr := range fixtures.Hard() {
		cuts := fixtures.EveryCut(fr, 14)
		for len(cuts) > 0 {
			var seed []byte
			for _, c := range cuts[:min(40, len(cuts))] {
				seed = append(seed, byte(len(c.Data)), 0)
				seed = append(seed, c.Data...)
			}
			cuts = cuts[min(40, len(cuts)):]
			f.Add(seed, uint8(0))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, link uint8) {
		links := []pcapio.LinkType{pcapio.LinkTypeEthernet, pcapio.LinkTypeRaw, pcapio.LinkTypeLinuxSLL2, pcapio.LinkTypeNull}
		src := &frameSource{b: b, link: links[int(link)%len(links)]}
		d, err := Collect(src, Options{Stream: -1, MaxFrames: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Arrows) > 50 || len(d.Rows) > 50 || len(d.Endpoints) > maxColumns+1 {
			t.Fatalf("not bounded: %d arrows, %d rows, %d columns", len(d.Arrows), len(d.Rows), len(d.Endpoints))
		}
		for suffix, pic := range pictures(t, d) {
			if bytes.HasSuffix([]byte(suffix), []byte(".svg")) {
				wellFormed(t, suffix, pic)
			}
			if bytes.HasSuffix([]byte(suffix), []byte(".txt")) || bytes.HasSuffix([]byte(suffix), []byte(".mmd")) {
				for _, c := range pic {
					if c < 0x20 && c != '\n' || c == 0x7f {
						t.Fatalf("%s: control byte %#02x", suffix, c)
					}
				}
			}
		}
	})
}
