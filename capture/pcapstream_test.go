package capture_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// A PcapStream reads back as the frames written, nanoseconds kept, to a
// file or to the caller's writer; a folder at the name is refused, named.
func TestPcapStream(t *testing.T) {
	frame := []byte("\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00payload")
	ci := pcapio.CaptureInfo{Timestamp: time.Unix(1700000000, 123456789), CaptureLength: len(frame), Length: len(frame) + 4}
	path := filepath.Join(t.TempDir(), "live.pcap")
	var stdout bytes.Buffer
	for _, name := range []string{path, "-"} {
		s, err := capture.CreatePcapStream(name, &stdout, pcapio.LinkTypeEthernet, 96)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, stdout.Bytes()) {
		t.Fatal("the file and the writer differ")
	}
	r, err := pcapio.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	data, got, err := r.ZeroCopyReadPacketData()
	if err != nil || !bytes.Equal(data, frame) || !got.Timestamp.Equal(ci.Timestamp) || got.Length != ci.Length || r.LinkType() != pcapio.LinkTypeEthernet {
		t.Errorf("read back %q %+v %v, link type %v", data, got, err, r.LinkType())
	}
	var none *capture.PcapStream
	if err := none.Close(); err != nil {
		t.Errorf("nil Close: %v", err)
	}
	if _, err := capture.CreatePcapStream(t.TempDir(), nil, pcapio.LinkTypeEthernet, 96); err == nil || !strings.HasPrefix(err.Error(), os.TempDir()) {
		t.Errorf("a folder: %v", err)
	}
}
