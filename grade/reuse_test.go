package grade

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// reusedTuple forges what a student's capture holds when the echo client
// runs twice from a fixed source port: a first connection that echoes
// hello and ends with end (an orderly close or a reset), then a second
// one on the same 4-tuple, with other initial sequence numbers, whose
// server answers echo. It returns the capture and the frame numbers of
// the second connection's request and answer.
func reusedTuple(end func(c *fixtures.Conn, at time.Duration), echo []byte) (data []byte, request, answer int) {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	ms := time.Millisecond
	c := s.TCP(client1, tcpSrv, 1000, 900000)
	c.Handshake(0)
	c.Send(1*ms, true, hello, 0)
	c.Send(2*ms, false, hello, 0)
	end(c, 3*ms)
	frames := countFrames(s.Bytes(fixtures.PcapMicro))
	c = s.TCP(client1, tcpSrv, 3000000000, 2000000000)
	c.Handshake(10 * ms) // frames+1 to frames+3
	c.Send(11*ms, true, hello, 0)
	c.Send(12*ms, false, echo, 0)
	c.Close(13*ms, true)
	return s.Bytes(fixtures.PcapMicro), frames + 4, frames + 6
}

// A client run twice from the same port reuses the 4-tuple: after the
// first connection's FIN or RST, a SYN starts a second connection, graded
// as its own. Reassembly keyed by the address pair merged the two (the
// second connection's bytes went to the first, or were dropped on its
// closed half), so a wrong echo in the second went unseen.
func TestReusedTupleIsANewConnection(t *testing.T) {
	bad := []byte("hellO turtle\n")
	for _, tc := range []struct {
		name string
		end  func(c *fixtures.Conn, at time.Duration)
	}{
		{"after FIN", func(c *fixtures.Conn, at time.Duration) { c.Close(at, true) }},
		{"after client RST", func(c *fixtures.Conn, at time.Duration) { c.Reset(at, true) }},
		{"after server RST", func(c *fixtures.Conn, at time.Duration) { c.Reset(at, false) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustLab(t, "tcp-echo")
			data, _, _ := reusedTuple(tc.end, hello)
			res := gradeBytes(t, r, data)
			expect(t, res, r.MaxScore(), nil)
			if len(res.Review) > 0 {
				t.Errorf("review on a whole capture: %q", res.Review)
			}

			data, request, answer := reusedTuple(tc.end, bad)
			res = gradeBytes(t, r, data)
			expect(t, res, r.MaxScore()-4, map[string]string{
				"echo": "the echo differs from what the client sent at offset 4: 'O' (0x4f) in frame " + itoa(answer) +
					" where the client sent 'o' (0x6f) in frame " + itoa(request),
			})
		})
	}
}

func countFrames(data []byte) int {
	r, err := pcapio.NewReader(bytes.NewReader(data))
	if err != nil {
		panic(err)
	}
	n := 0
	for {
		if _, _, err := r.ZeroCopyReadPacketData(); err == io.EOF {
			return n
		} else if err != nil {
			panic(err)
		}
		n++
	}
}
