package edit

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// udpFrame is an Ethernet/IPv4/UDP frame from 10.0.0.2:port to 10.0.0.1:53.
func udpFrame(port uint16) []byte {
	f := make([]byte, 42)
	f[12], f[13] = 0x08, 0x00
	ip := f[14:]
	ip[0], ip[3], ip[8], ip[9] = 0x45, 28, 64, 17
	copy(ip[12:], []byte{10, 0, 0, 2, 10, 0, 0, 1})
	binary.BigEndian.PutUint16(f[34:], port)
	binary.BigEndian.PutUint16(f[36:], 53)
	binary.BigEndian.PutUint16(f[38:], 8)
	return f
}

// Splitting by flow makes at most MaxFiles conversation files, sends the
// later conversations' frames to "other" and says so once; a closed file
// keeps no buffer (at most MaxOpen exist), and every frame is written.
func TestSplitBoundsFilesAndBuffers(t *testing.T) {
	dir := t.TempDir()
	sp, err := NewSplitter(ByFlow, 0, 0, filepath.Join(dir, "f-{n}.pcap"),
		SinkOptions{Format: pcapio.FormatPcapMicro, Link: pcapio.LinkTypeEthernet}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	sp.LimitHit = func(files int) {
		hits++
		if files != 3 {
			t.Errorf("limit hit at %d files, want 3", files)
		}
	}
	ports := []uint16{1, 2, 1, 3, 4, 5, 2, 4, 6}
	for i, p := range ports {
		fr := &Frame{Data: udpFrame(p), CI: pcapio.CaptureInfo{Timestamp: time.Unix(int64(1700000000+i), 0),
			CaptureLength: 42, Length: 42, LinkType: pcapio.LinkTypeEthernet}}
		if err := sp.Write(fr); err != nil {
			t.Fatal(err)
		}
		buffers := len(sp.spare)
		for _, f := range sp.files {
			if f.bw != nil {
				buffers++
			}
			if f.elem == nil && f.bw != nil {
				t.Fatalf("frame %d: closed file %s keeps its buffer", i+1, f.name)
			}
		}
		if buffers > 2 {
			t.Fatalf("frame %d: %d buffers for --max-open 2", i+1, buffers)
		}
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	if hits != 1 {
		t.Errorf("limit said %d times, want once", hits)
	}
	want := map[string]int{"f-0001.pcap": 2, "f-0002.pcap": 2, "f-0003.pcap": 1, "f-other.pcap": 4}
	if got := sp.Files(); len(got) != len(want) {
		t.Errorf("files %v", got)
	}
	for name, n := range want {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapio.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for {
			if _, _, err := r.ReadPacketData(); err != nil {
				break
			}
			got++
		}
		f.Close()
		if got != n {
			t.Errorf("%s: %d frames, want %d", name, got, n)
		}
	}
}
