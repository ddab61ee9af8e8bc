package flow

import "net/netip"

// Conv is one conversation a Tracker holds, with the caller's own state
// in User (draw keeps its timeline row there).
type Conv[T any] struct {
	Key Key
	// Client is the side that opened it: the SYN's sender, else the side
	// whose port is not the well-known one, else the first sender.
	Client netip.AddrPort
	// Stream is the TCP stream number, from 0 in order of first frame
	// (a SYN on a closed connection starts the next); -1 for others.
	Stream int
	// FIN says which directions sent a FIN (0: client to server), RST
	// whether either side reset.
	FIN [2]bool
	RST bool
	// Retransmits counts, per direction, segments whose data ends at or
	// before the highest end already sent that way.
	Retransmits [2]int
	User        T

	maxEnd [2]uint32
	seen   [2]bool
}

// Dir is the direction of a frame sent by from: 0 client to server, 1 back.
func (c *Conv[T]) Dir(from netip.AddrPort) int {
	if c.Client != from {
		return 1
	}
	return 0
}

// Closed reports whether both sides sent a FIN or either reset.
func (c *Conv[T]) Closed() bool { return c.RST || (c.FIN[0] && c.FIN[1]) }

// Segment records a TCP segment of n bytes of data from sequence number
// seq in direction dir, with its flags, and reports whether its data was
// sent before (a retransmission). n counts the bytes the segment carried
// on the wire, also those a snapshot length cut off.
func (c *Conv[T]) Segment(dir int, seq, n uint32, syn, fin, rst bool) (retransmit bool) {
	if n > 0 && !syn {
		end := seq + n
		if c.seen[dir] && int32(end-c.maxEnd[dir]) <= 0 {
			retransmit = true
			c.Retransmits[dir]++
		}
		if !c.seen[dir] || int32(end-c.maxEnd[dir]) > 0 {
			c.maxEnd[dir], c.seen[dir] = end, true
		}
	}
	if fin {
		c.FIN[dir] = true
	}
	if rst {
		c.RST = true
	}
	return retransmit
}

// Tracker holds the conversations of a capture, at most Max of them
// (memory stays bounded whatever the capture holds).
type Tracker[T any] struct {
	Max     int
	convs   map[Key]*Conv[T]
	streams int
	init    func(*Conv[T])
}

// NewTracker returns a Tracker of at most max conversations; init, when
// not nil, sets the User state of each new one.
func NewTracker[T any](max int, init func(*Conv[T])) *Tracker[T] {
	return &Tracker[T]{Max: max, convs: map[Key]*Conv[T]{}, init: init}
}

// Len is the number of conversations held.
func (t *Tracker[T]) Len() int { return len(t.convs) }

// Streams is the number of TCP streams numbered so far.
func (t *Tracker[T]) Streams() int { return t.streams }

// Lookup returns the conversation of k, or nil.
func (t *Tracker[T]) Lookup(k Key) *Conv[T] { return t.convs[k] }

// Add files a conversation under k as it is (not canonical: an ICMP
// echo exchange keyed by identifier and sequence number) with client as
// its client, unless it exists; nil when the table is full.
func (t *Tracker[T]) Add(k Key, client netip.AddrPort) *Conv[T] {
	if c := t.convs[k]; c != nil {
		return c
	}
	if len(t.convs) >= t.Max {
		return nil
	}
	return t.add(k, client, -1)
}

// Start files a new conversation under k with client as its client, in
// place of any there, for a caller whose own rule says when a tuple is
// used again (grade starts a new connection at a client's SYN once the
// client closed or was refused; Frame waits for both FINs or a reset). A
// TCP key gets the next stream number. nil when the table is full.
func (t *Tracker[T]) Start(k Key, client netip.AddrPort) *Conv[T] {
	if t.convs[k] == nil && len(t.convs) >= t.Max {
		return nil
	}
	stream := -1
	if k.Proto == TCP {
		stream = t.streams
		t.streams++
	}
	return t.add(k, client, stream)
}

func (t *Tracker[T]) add(k Key, client netip.AddrPort, stream int) *Conv[T] {
	c := &Conv[T]{Key: k, Client: client, Stream: stream}
	if t.init != nil {
		t.init(c)
	}
	t.convs[k] = c
	return c
}

// Frame finds or starts the conversation of a TCP segment or UDP
// datagram from from to to; synOnly is a TCP segment with SYN and no ACK.
// A SYN on a closed TCP connection starts a new stream under the same
// key. nil when the table is full.
func (t *Tracker[T]) Frame(proto uint8, from, to netip.AddrPort, synOnly bool) *Conv[T] {
	k := NewKey(proto, from, to)
	c := t.convs[k]
	if c != nil && !(proto == TCP && synOnly && c.Closed()) {
		return c
	}
	if c == nil && len(t.convs) >= t.Max {
		return nil
	}
	client, stream := from, -1
	switch {
	case proto == TCP:
		stream = t.streams
		t.streams++
		if !synOnly && ServerPort(from.Port(), to.Port()) {
			client = to // joined mid-stream: the well-known port is the server's
		}
	case ServerPort(from.Port(), to.Port()):
		client = to // a reply seen first
	}
	return t.add(k, client, stream)
}
