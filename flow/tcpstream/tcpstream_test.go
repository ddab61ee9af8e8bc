package tcpstream

import (
	"bytes"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// conn records what reassembly delivers to one stream.
type conn struct {
	Stream
	data     [2][]byte
	frames   [2][]int // the frame of each byte delivered
	skips    []int
	complete int
}

func (c *conn) Reassembled(ch *Chunk) {
	c.data[ch.Dir] = append(c.data[ch.Dir], ch.Data...)
	for i := range ch.Data {
		c.frames[ch.Dir] = append(c.frames[ch.Dir], ch.Frame(i))
	}
	if ch.Skip != 0 {
		c.skips = append(c.skips, ch.Skip)
	}
}

func (c *conn) Complete() { c.complete++ }

// assemble feeds every TCP segment of a capture through a flow.Tracker
// and an Assembler, as follow does, and returns the streams in order.
func assemble(t *testing.T, capture []byte) []*conn {
	t.Helper()
	r, err := pcapio.NewReader(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	tr := flow.NewTracker[*conn](16, nil)
	a := New(Limits{})
	var convs []*conn
	var p decode.Packet
	for frame := 1; ; frame++ {
		data, ci, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		p.Decode(ci.LinkType, data)
		from, to, proto, ok := flow.Endpoints(&p)
		if !ok || proto != flow.TCP {
			continue
		}
		f := p.TCP.Flags
		c := tr.Frame(flow.TCP, from, to, f&decode.TCPFlagSYN != 0 && f&decode.TCPFlagACK == 0)
		if c.User == nil {
			c.User = &conn{}
			convs = append(convs, c.User)
		}
		c.Segment(c.Dir(from), p.TCP.Seq, uint32(len(p.TCP.Payload)), f&decode.TCPFlagSYN != 0, f&decode.TCPFlagFIN != 0, f&decode.TCPFlagRST != 0)
		Add(a, c, from, &p.TCP, p.TCP.Payload, frame, ci.Timestamp)
	}
	a.Flush()
	return convs
}

// Two connections on one 4-tuple, the second after the first's reset, are
// two streams with their own bytes; the second's out-of-order segment is
// delivered with the frame that carried it, and a segment never captured
// is a hole of its length.
func TestReusedTupleOutOfOrderAndHole(t *testing.T) {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	ms := time.Millisecond
	client := fixtures.ClientPort(1, 0)
	c := s.TCP(client, fixtures.TCPServer, 100, 200)
	c.Handshake(0)                         // frames 1-3
	c.Send(1*ms, true, []byte("first"), 0) // 4, 5
	c.Reset(2*ms, true)                    // 6
	c = s.TCP(client, fixtures.TCPServer, 4000000000, 3000000000)
	c.Handshake(10 * ms)                                            // 7-9
	c.Segment(12*ms, true, fixtures.PSH|fixtures.ACK, []byte("ab")) // 11: captured after the next
	c.Segment(11*ms, true, fixtures.PSH|fixtures.ACK, []byte("cd")) // 10 (sequence numbers wrap)
	c.Segment(13*ms, true, fixtures.PSH|fixtures.ACK, []byte("lost"))
	c.Segment(14*ms, true, fixtures.PSH|fixtures.ACK, []byte("ef")) // 12
	c.Close(15*ms, true)                                            // 13-15
	data := s.Bytes(fixtures.PcapMicro)
	// Drop the "lost" segment: frame 12 of the written capture.
	var kept bytes.Buffer
	r, _ := pcapio.NewReader(bytes.NewReader(data))
	w, err := pcapio.NewPcapWriter(&kept, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if !bytes.Contains(b, []byte("lost")) {
			if err := w.WritePacket(ci, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	convs := assemble(t, kept.Bytes())
	if len(convs) != 2 {
		t.Fatalf("%d streams, want 2", len(convs))
	}
	first, second := convs[0], convs[1]
	if string(first.data[0]) != "first" || first.complete != 1 {
		t.Errorf("first stream: %q, completed %d times", first.data[0], first.complete)
	}
	if got := string(second.data[0]); got != "abcdef" {
		t.Errorf("second stream: %q, want abcdef", got)
	}
	if want := []int{11, 11, 10, 10, 12, 12}; !slices.Equal(second.frames[0], want) {
		t.Errorf("frames of the second stream's bytes %v, want %v", second.frames[0], want)
	}
	if second.Gaps[0] != 1 || second.Missing[0] != 4 || !slices.Equal(second.skips, []int{4}) || second.Bytes[0] != 6 || second.OutOfOrder[0] != 1 {
		t.Errorf("second stream: gaps %v missing %v skips %v bytes %v out of order %v", second.Gaps, second.Missing, second.skips, second.Bytes, second.OutOfOrder)
	}
	if base, ok := second.Base(0); !ok || base != 4000000001 {
		t.Errorf("base %d %v", base, ok)
	}
}
