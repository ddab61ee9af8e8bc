package record

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// tcpState builds the capture state of one TCP connection from its segments:
// direction 0 is the client's.
func tcpState(segs ...summary) *state {
	st := &state{}
	for _, s := range segs {
		st.add(Frame{}, s)
	}
	return st
}

func seg(fromClient bool, flags uint8, seq, ack uint32, payload int) summary {
	s := summary{proto: protoTCP, src: [4]byte{127, 0, 0, 1}, dst: [4]byte{127, 0, 0, 1},
		sport: 40001, dport: 12500, flags: flags, seq: seq, ack: ack, payload: payload}
	if !fromClient {
		s.sport, s.dport = s.dport, s.sport
	}
	return s
}

// A connection whose echo came back in two segments is reported as
// unstable, naming the connection and direction, not passed on.
func TestCheckSplitSegments(t *testing.T) {
	sc, _ := Lookup("tcp-echo")
	const c, s = 1000, 5000
	segs := []summary{
		seg(true, flagSYN, c, 0, 0),
		seg(false, flagSYN|flagACK, s, c+1, 0),
		seg(true, flagACK, c+1, s+1, 0),
		seg(true, flagACK, c+1, s+1, 12),
		seg(false, flagACK, s+1, c+13, 5),
		seg(false, flagACK, s+6, c+13, 7),
	}
	err := sc.check(tcpState(segs...))
	if !errors.Is(err, ErrUnstable) || errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "connection 1, server to client: payload sizes [5 7], want [12]") {
		t.Fatalf("error %v, want the split echo reported", err)
	}
	whole := append(segs[:4:4],
		seg(false, flagACK, s+1, c+13, 12),
		seg(true, flagACK|flagFIN, c+13, s+13, 0),
		seg(false, flagACK|flagFIN, s+13, c+14, 0),
		seg(true, flagACK, c+14, s+14, 0))
	if err := sc.check(tcpState(whole...)); err != nil {
		t.Fatalf("the expected shape: %v", err)
	}
	// The same segments in another order (the server's FIN before the
	// client's) are reported too, as something a less busy machine would
	// not do.
	whole[5], whole[6] = whole[6], whole[5]
	if err := sc.check(tcpState(whole...)); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "TCP events [1>S 1>12 1<12 1<F 1>F]") {
		t.Fatalf("error %v, want the order reported", err)
	}
}

// The bookkeeping scenarios wait on: data acknowledged, then both FINs
// sent and acknowledged.
func TestTrackClose(t *testing.T) {
	var c, s uint32 = 0xfffffff0, 5000 // the client's sequence numbers wrap
	st := tcpState(
		seg(true, flagSYN, c, 0, 0),
		seg(false, flagSYN|flagACK, s, c+1, 0),
		seg(true, flagACK, c+1, s+1, 0),
		seg(true, flagACK, c+1, s+1, 30),
	)
	if tcpDataAcked(0)(st) {
		t.Fatal("data acknowledged before the server acknowledged it")
	}
	for _, x := range []summary{
		seg(false, flagACK, s+1, c+31, 0),
		seg(false, flagACK, s+1, c+31, 30),
		seg(true, flagACK|flagFIN, c+31, s+31, 0),
		seg(false, flagACK|flagFIN, s+31, c+32, 0),
	} {
		st.add(Frame{}, x)
	}
	if !tcpDataAcked(0)(st) {
		t.Error("data not seen acknowledged")
	}
	if tcpClosed(1)(st) {
		t.Fatal("closed before the server's FIN was acknowledged")
	}
	st.add(Frame{}, seg(true, flagACK, c+32, s+32, 0))
	if !tcpClosed(1)(st) {
		t.Error("not closed after both FINs were acknowledged")
	}
}

func TestLookup(t *testing.T) {
	want := []string{"icmp-ping", "tcp-echo", "tcp-echo-concurrent", "tcp-echo-iterative", "udp-echo", "udp-unreachable"}
	list := List()
	if len(list) != len(want) {
		t.Fatalf("%d scenarios, want %d", len(list), len(want))
	}
	for i, sc := range list {
		if sc.Name != want[i] || sc.About == "" {
			t.Errorf("scenario %d: %q (%q), want %q with a description", i, sc.Name, sc.About, want[i])
		}
	}
	if _, err := Record(context.Background(), "nope", nil); err == nil || !strings.Contains(err.Error(), `unknown scenario "nope"`) {
		t.Errorf("unknown scenario: %v", err)
	}
}
