package grade

import (
	"bytes"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// classCapture forges about size bytes of tcp-echo lab traffic, as
// scripts/grade-captures does: echoes of 3000 bytes in 1448-byte segments.
func classCapture(size int) []byte {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	msg := bytes.Repeat([]byte("turtle "), 3000/7)
	for i, at := 0, time.Duration(0); i < size/6800; i, at = i+1, at+10*time.Millisecond {
		c := s.TCP(fixtures.ClientPort(1, i), fixtures.TCPServer, uint32(i*104729), uint32(i*65537))
		c.Handshake(at)
		c.Send(at+100*time.Microsecond, true, msg, 1448)
		c.Send(at+2*time.Millisecond, false, msg, 1448)
		c.Close(at+3*time.Millisecond, true)
	}
	return s.Bytes(fixtures.PcapMicro)
}

// BenchmarkGradeCapture grades one 1 MB capture: go test -bench
// GradeCapture -benchmem ./grade/ (MB/s is capture bytes per second on
// one core; scripts/bench-grade.sh measures a whole class).
func BenchmarkGradeCapture(b *testing.B) {
	data := classCapture(1 << 20)
	r, err := Lab("tcp-echo")
	if err != nil {
		b.Fatal(err)
	}
	cr, err := compile(r)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res := cr.gradeReader("bench", bytes.NewReader(data))
		if res.Score != 10 {
			b.Fatalf("score %v: %+v", res.Score, res.Failed())
		}
	}
}
