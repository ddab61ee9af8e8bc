package parquetfile

import (
	"errors"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// failAfter is an io.Writer that fails once n bytes were written.
type failAfter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failAfter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

// An error of the underlying writer, met by the column writers on their
// goroutines in the middle of the frames, comes back from Write or Close,
// and neither blocks afterwards.
func TestWriterError(t *testing.T) {
	g := fixtures.NewIMIX()
	w := NewWriter(&failAfter{n: 64 << 10}, Options{RowGroupRows: 1000})
	w.SetFile("imix.pcap")
	var f pcapio.Frame
	var err error
	for i := 0; i < 20000 && err == nil; i++ {
		data, ts := g.Next()
		f.Number, f.Data = i+1, data
		f.Info = pcapio.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data), LinkType: pcapio.LinkTypeEthernet}
		err = w.Write(&f)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("error %v, want %v", err, errDiskFull)
	}
	if w.Write(&f) == nil {
		t.Error("Write after Close: no error")
	}
}
