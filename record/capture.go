package record

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/netip"
	"sync"

	"github.com/turtle-sniffer/turtle/flow"
	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// capture reads the loopback in the background, keeps the frames of the
// scenario (decided in Go, see session.match) and lets the scenario wait
// for what it has seen: that is how a scenario knows a step is over
// without sleeping.
type capture struct {
	h     *live.Handle
	lt    pcapio.LinkType
	d     dissector           // used by read only
	match func(*summary) bool // called with mu held

	mu      sync.Mutex
	st      state
	changed chan struct{} // closed and replaced when st changes
	err     error         // why reading ended early
	done    chan struct{} // closed when the reader has returned
}

func newCapture(h *live.Handle, match func(*summary) bool) *capture {
	c := &capture{h: h, lt: h.LinkType(), match: match, changed: make(chan struct{}), done: make(chan struct{})}
	go c.read()
	return c
}

// read runs the capture loop (live.Recorder) until stop stops the handle.
func (c *capture) read() {
	defer close(c.done)
	r := &live.Recorder{H: c.h, Frame: c.frame}
	if err := r.Run(context.Background()); err != nil {
		c.mu.Lock()
		c.err = err
		c.notify()
		c.mu.Unlock()
	}
}

// frame keeps a frame of the scenario and wakes whoever waits for it.
func (c *capture) frame(data []byte, ci pcapio.CaptureInfo) (bool, error) {
	s, ok := c.d.summarize(c.lt, data)
	c.mu.Lock()
	if ok && c.match(&s) {
		ci.CaptureLength = len(data)
		c.st.add(Frame{Info: ci, Data: bytes.Clone(data)}, s)
		c.notify()
	}
	c.mu.Unlock()
	return false, nil
}

// notify wakes every waiter; mu must be held.
func (c *capture) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// wait returns when cond holds for what has been captured, or fails when
// ctx ends first (naming what was awaited) or the capture fails.
func (c *capture) wait(ctx context.Context, what string, cond func(*state) bool) error {
	for {
		c.mu.Lock()
		ok, err, ch, n := cond(&c.st), c.err, c.changed, len(c.st.pkts)
		c.mu.Unlock()
		if ok {
			return nil
		}
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s (%d frames captured): %w", what, n, ctx.Err())
		}
	}
}

// stop ends the capture and returns what it kept. The handle is closed.
func (c *capture) stop() (state, live.Stats, error) {
	c.h.Stop()
	<-c.done
	stats, serr := c.h.Stats()
	c.h.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.st, stats, fmt.Errorf("capture: %w", c.err)
	}
	return c.st, stats, serr
}

// state is what the capture kept, with the bookkeeping scenarios wait on.
type state struct {
	pkts []Frame
	sums []summary
	tcp  []*tcpTrack // connections in order of first appearance
	// conns are the same connections under flow's key, made on first use.
	// The first segment's sender is the client and a tuple is never used
	// again (Lookup and Start, not Frame's guesses): a scenario's
	// connections open with a SYN from fresh ports. Unbounded as the
	// frames kept are: a scenario's capture stops at its own end.
	conns *flow.Tracker[*tcpTrack]
}

// tcpTrack follows one TCP connection: dir[0] is the client's direction
// (the sender of the SYN), dir[1] the server's.
type tcpTrack struct {
	dir [2]dirTrack
	rst bool
}

// conn returns the connection of a TCP segment s, nil when none was
// started, and its direction: 0 from the client.
func (st *state) conn(s *summary) (*tcpTrack, int) {
	if st.conns == nil {
		return nil, 0
	}
	from := netip.AddrPortFrom(netip.AddrFrom4(s.src), s.sport)
	c := st.conns.Lookup(flow.NewKey(flow.TCP, from, netip.AddrPortFrom(netip.AddrFrom4(s.dst), s.dport)))
	if c == nil {
		return nil, 0
	}
	return c.User, c.Dir(from)
}

type dirTrack struct {
	next    uint32 // sequence number after the last one sent (SYN and FIN count)
	nextSet bool
	fin     bool
	finEnd  uint32 // sequence number after the FIN
	acked   uint32 // highest acknowledgment the peer sent
	ackSet  bool
	sizes   []int // payload sizes of the segments that carried data
}

func (st *state) add(p Frame, s summary) {
	st.pkts = append(st.pkts, p)
	st.sums = append(st.sums, s)
	if s.proto != protoTCP {
		return
	}
	t, i := st.conn(&s)
	if t == nil {
		if st.conns == nil {
			st.conns = flow.NewTracker[*tcpTrack](math.MaxInt, nil)
		}
		from := netip.AddrPortFrom(netip.AddrFrom4(s.src), s.sport)
		c := st.conns.Start(flow.NewKey(flow.TCP, from, netip.AddrPortFrom(netip.AddrFrom4(s.dst), s.dport)), from)
		t = &tcpTrack{}
		c.User = t
		st.tcp = append(st.tcp, t)
	}
	me, peer := &t.dir[i], &t.dir[1-i]
	end := s.seq + uint32(s.payload)
	if s.flags&flagSYN != 0 {
		end++
	}
	if s.flags&flagFIN != 0 {
		end++
		me.fin, me.finEnd = true, end
	}
	if !me.nextSet || after(end, me.next) {
		me.next, me.nextSet = end, true
	}
	if s.payload > 0 {
		me.sizes = append(me.sizes, s.payload)
	}
	if s.flags&flagACK != 0 && (!peer.ackSet || after(s.ack, peer.acked)) {
		peer.acked, peer.ackSet = s.ack, true
	}
	if s.flags&flagRST != 0 {
		t.rst = true
	}
}

// after reports whether sequence number a is after b (RFC 1982 arithmetic).
func after(a, b uint32) bool { return int32(a-b) > 0 }

// closed reports whether the connection is over: reset, or both FINs sent
// and acknowledged.
func (t *tcpTrack) closed() bool {
	if t.rst {
		return true
	}
	for _, d := range t.dir {
		if !d.fin || !d.ackSet || after(d.finEnd, d.acked) {
			return false
		}
	}
	return true
}

// dataAcked reports whether the client has sent data and the server has
// acknowledged all of it.
func (t *tcpTrack) dataAcked() bool {
	d := &t.dir[0]
	return len(d.sizes) > 0 && d.ackSet && !after(d.next, d.acked)
}

// tcpClosed is a wait condition: n connections are over.
func tcpClosed(n int) func(*state) bool {
	return func(st *state) bool {
		closed := 0
		for _, t := range st.tcp {
			if t.closed() {
				closed++
			}
		}
		return closed >= n
	}
}

// tcpDataAcked is a wait condition: the data of connection k (0-based, in
// order of appearance) has been acknowledged.
func tcpDataAcked(k int) func(*state) bool {
	return func(st *state) bool { return len(st.tcp) > k && st.tcp[k].dataAcked() }
}

// seen is a wait condition: n kept packets satisfy f.
func seen(n int, f func(*summary) bool) func(*state) bool {
	return func(st *state) bool {
		c := 0
		for i := range st.sums {
			if f(&st.sums[i]) {
				c++
			}
		}
		return c >= n
	}
}
