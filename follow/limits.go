package follow

import (
	"cmp"
	"fmt"
)

// Limits bound the memory Run holds whatever the capture holds: a million
// SYNs would otherwise be a million streams (some 1.3 KB each), and
// out-of-order segments a page of gopacket's assembler (1,900 bytes) each.
// The zero value means the defaults.
type Limits struct {
	// MaxStreams is how many streams are tracked (a tuple used again is
	// a new stream each time); segments of streams started after that
	// are counted and skipped.
	MaxStreams int
	// MaxBufferedBytes and MaxBufferedBytesPerStream bound the
	// out-of-order data waiting for a hole to fill, in all and per
	// direction of a stream: past them the oldest hole is given up, and
	// reported as a gap.
	MaxBufferedBytes          int64
	MaxBufferedBytesPerStream int64
}

// The defaults: 65,536 connections (a million SYNs, one connection each,
// peak at some 140 MB: about 2 KB a connection between gopacket's and
// ours) and 16 MB of out-of-order data, 1 MB of it in one stream.
const (
	DefaultMaxStreams                = 65536
	DefaultMaxBufferedBytes          = 16 << 20
	DefaultMaxBufferedBytesPerStream = 1 << 20
)

// withDefaults sets every field that is not positive to its default.
func (l Limits) withDefaults() Limits {
	l.MaxStreams = cmp.Or(max(l.MaxStreams, 0), DefaultMaxStreams)
	l.MaxBufferedBytes = cmp.Or(max(l.MaxBufferedBytes, 0), DefaultMaxBufferedBytes)
	l.MaxBufferedBytesPerStream = cmp.Or(max(l.MaxBufferedBytesPerStream, 0), DefaultMaxBufferedBytesPerStream)
	return l
}

// Capped says what Run left out because of its Limits.
type Capped struct {
	// Streams is set when the stream table was full; SkippedSegments
	// counts the segments of the connections that were not tracked.
	Streams         bool
	SkippedSegments int
	// BufferGaps counts the holes given up because the out-of-order
	// data reached a limit, before the capture ended.
	BufferGaps int
}

// Hit reports whether any limit was reached.
func (c *Capped) Hit() bool { return c.Streams || c.BufferGaps > 0 }

// Message is one line that says which limits were reached, for stderr.
func (c *Capped) Message(l Limits) string {
	l = l.withDefaults()
	var msg string
	if c.Streams {
		msg = fmt.Sprintf("only the first %d TCP connections are tracked: %d segments of later ones were skipped", l.MaxStreams, c.SkippedSegments)
	}
	if c.BufferGaps > 0 {
		if msg != "" {
			msg += "; "
		}
		msg += fmt.Sprintf("out-of-order data reached its limit (%d MB, %d MB per stream): %d holes were given up and are reported as gaps",
			l.MaxBufferedBytes>>20, l.MaxBufferedBytesPerStream>>20, c.BufferGaps)
	}
	return msg
}
