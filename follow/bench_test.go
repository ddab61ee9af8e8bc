package follow

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// bulkCapture forges conns connections that each send size bytes in
// 1448-byte segments and get them back, every 16th segment captured
// after the one that follows it and every 32nd sent twice, as a busy
// link shows them.
func bulkCapture(conns, size int) []byte {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	data := bytes.Repeat([]byte("turtle follows a bulk transfer\n"), size/31+1)[:size]
	for i := range conns {
		at := time.Duration(i) * time.Second
		c := s.TCP(fixtures.ClientPort(5, i), fixtures.TCPServer, uint32(i*104729), uint32(i*65537))
		c.Handshake(at)
		at += time.Millisecond
		for k, off := 0, 0; off < size; k, off = k+1, off+1448 {
			seg := data[off:min(off+1448, size)]
			when := at + time.Duration(k)*10*time.Microsecond
			if k%16 == 1 {
				when += 15 * time.Microsecond // after the next one
			}
			c.Segment(when, true, fixtures.PSH|fixtures.ACK, seg)
			if k%32 == 5 {
				c.Retransmit(when+time.Microsecond, true, seg)
			}
		}
		c.Send(at+time.Duration(size/1448+2)*10*time.Microsecond, false, data, 1448)
		c.Close(at+500*time.Millisecond, true)
	}
	return s.Bytes(fixtures.PcapMicro)
}

// BenchmarkFollowBulk reassembles and writes every stream of 20
// connections of 1 MB each way (about 29,000 frames, 44 MB): go test
// -bench FollowBulk -benchmem ./follow/
func BenchmarkFollowBulk(b *testing.B) {
	data := bulkCapture(20, 1<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := pcapio.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		w := &Writer{W: io.Discard, Report: io.Discard, Format: Raw}
		streams, err := Run(r, Options{Select: func(*Stream) bool { return true }, Chunk: w.Chunk, End: w.End})
		if err != nil || len(streams) != 20 || streams[19].Bytes != [2]int64{1 << 20, 1 << 20} {
			b.Fatalf("%d streams, %v", len(streams), err)
		}
	}
}
