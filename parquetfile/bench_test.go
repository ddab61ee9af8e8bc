package parquetfile

import (
	"io"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// BenchmarkWrite writes IMIX frames (scripts/bench-parquet.sh does the
// same through the command, with a capture file and peak RSS).
func BenchmarkWrite(b *testing.B) {
	g := fixtures.NewIMIX()
	w := NewWriter(io.Discard, Options{})
	w.SetFile("imix.pcap")
	var f pcapio.Frame
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		data, ts := g.Next()
		f.Number, f.Data = i+1, data
		f.Info = pcapio.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data), LinkType: pcapio.LinkTypeEthernet}
		if err := w.Write(&f); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
