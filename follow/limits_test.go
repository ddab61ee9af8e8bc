package follow

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// rawTCP is a raw-IPv4 frame (link type 228) of a TCP segment; the
// checksums are left 0, which reassembly does not look at.
func rawTCP(src uint32, sport uint16, seq uint32, flags byte, payload []byte) fixtures.Frame {
	b := make([]byte, 40+len(payload))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	b[8], b[9] = 64, 6
	binary.BigEndian.PutUint32(b[12:], src)
	binary.BigEndian.PutUint32(b[16:], 0x0a000002)
	binary.BigEndian.PutUint16(b[20:], sport)
	binary.BigEndian.PutUint16(b[22:], 12500)
	binary.BigEndian.PutUint32(b[24:], seq)
	b[32], b[33] = 5<<4, flags
	binary.BigEndian.PutUint16(b[34:], 65535)
	copy(b[40:], payload)
	return fixtures.Frame{LinkType: pcapio.LinkTypeIPv4, Data: b}
}

// Issue 19 item 3: a flood of SYNs, each a connection of its own, fills
// the stream table only up to its limit, and Run says so.
func TestFollowCapsStreams(t *testing.T) {
	const syns = DefaultMaxStreams + 4000
	fs := make([]fixtures.Frame, 0, syns)
	for i := range syns {
		fs = append(fs, rawTCP(0x0a000000|uint32(i>>16+1)<<16|uint32(i&0xffff), uint16(1024+i%50000), uint32(i), 0x02, nil))
	}
	var capped Capped
	streams, err := Run(&frames{fs: fs}, Options{Capped: &capped})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != DefaultMaxStreams || !capped.Streams || capped.SkippedSegments != 4000 || capped.BufferGaps != 0 {
		t.Errorf("%d streams, capped %+v; want %d streams and 4000 segments skipped", len(streams), capped, DefaultMaxStreams)
	}
	if msg := capped.Message(Limits{}); !strings.Contains(msg, "only the first 65536 TCP connections are tracked: 4000 segments") {
		t.Errorf("message %q", msg)
	}
}

// A 4-tuple used again and again is a new stream each time, and each
// counts against MaxStreams: the stream table stays bounded even though
// the tracker holds one conversation.
func TestFollowCapsReusedTuple(t *testing.T) {
	var fs []fixtures.Frame
	for i := range 10 {
		fs = append(fs, rawTCP(0x0a000001, 40000, uint32(i*1000), 0x02, nil), // SYN
			rawTCP(0x0a000001, 40000, uint32(i*1000+1), 0x04, nil)) // RST
	}
	var capped Capped
	streams, err := Run(&frames{fs: fs}, Options{Limits: Limits{MaxStreams: 3}, Capped: &capped})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 3 || !capped.Streams || capped.SkippedSegments != 14 {
		t.Errorf("%d streams, capped %+v; want 3 streams and 14 segments skipped", len(streams), capped)
	}
	for i, s := range streams {
		if s.Index != i || s.Packets != [2]int{2, 0} || s.State != StateReset {
			t.Errorf("stream %d: index %d packets %v state %v", i, s.Index, s.Packets, s.State)
		}
	}
}

// Out-of-order segments behind a hole that never fills stop at the
// buffer limit: the oldest hole is given up, counted as a gap, and Run
// says that a limit did it.
func TestFollowCapsBufferedBytes(t *testing.T) {
	data := make([]byte, 1000)
	fs := []fixtures.Frame{
		rawTCP(0x0a000001, 40000, 999, 0x02, nil), // SYN: data starts at 1000
	}
	// Segment 0 (bytes 1000-1999) is never sent; the next 300 are all
	// out of order.
	for i := 1; i <= 300; i++ {
		fs = append(fs, rawTCP(0x0a000001, 40000, uint32(1000+1000*i), 0x18, data))
	}
	var capped Capped
	lim := Limits{MaxBufferedBytes: 64 * 1900, MaxBufferedBytesPerStream: 32 * 1900} // pages of gopacket's assembler
	streams, err := Run(&frames{fs: fs}, Options{Limits: lim, Capped: &capped})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 1 || capped.BufferGaps == 0 || capped.Streams {
		t.Fatalf("%d streams, capped %+v; want a gap given up at the limit", len(streams), capped)
	}
	s := streams[0]
	if s.Bytes[ClientToServer] != 300*1000 || s.Missing[ClientToServer] != 1000 {
		t.Errorf("bytes %d missing %d, want 300000 and 1000", s.Bytes[ClientToServer], s.Missing[ClientToServer])
	}
	// Without a limit in the way, the same hole is reported at the end
	// of the capture and no limit is blamed.
	capped = Capped{}
	if _, err := Run(&frames{fs: fs}, Options{Capped: &capped}); err != nil || capped.Hit() {
		t.Errorf("default limits: %+v %v", capped, err)
	}
}
