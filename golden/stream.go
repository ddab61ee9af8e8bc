package golden

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// The golden check streams: the output of a case is compared with its
// golden frame by frame as the text is printed, so that memory holds one
// frame of each, the first differing pair and the printer's buffer, never
// a whole text. A 400 KB .pcap.gz that expands to 200 MB of capture is
// checked in the memory `turtle read` needs for it.

// splitter cuts a text that arrives in pieces into frames, with a
// Framing's Split: a frame is returned once the start of the next one has
// been seen, the last one when the text ends.
type splitter struct {
	split   func(text []byte) []int
	buf     []byte
	head    int   // start of the first frame not yet returned
	scanned int   // buf[:scanned] has been searched for starts
	starts  []int // starts found after head, in order
	n       int   // frames returned
}

func (s *splitter) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// next returns the next complete frame, or nil when none is complete yet
// (or, with final, when the text is used up). The frame is valid until the
// next call.
func (s *splitter) next(final bool) []byte {
	if len(s.starts) == 0 {
		s.scan()
	}
	var f []byte
	switch {
	case len(s.starts) > 0:
		f = s.buf[s.head:s.starts[0]]
		s.head = s.starts[0]
		s.starts = s.starts[1:]
	case final && s.head < len(s.buf):
		f = s.buf[s.head:]
		s.head = len(s.buf)
	default:
		return nil
	}
	s.n++
	return f
}

// scan finds the frame starts in the text that arrived since the last
// scan. Every split rule decides a start at i from the bytes i-2 to i+1,
// so the scan goes back 3 bytes, and a start at window offset 0 (a frame
// start, or the middle of a frame) is not one it found.
func (s *splitter) scan() {
	if s.head > 0 { // forget the frames returned
		n := copy(s.buf, s.buf[s.head:])
		s.buf = s.buf[:n]
		s.scanned = max(s.scanned-s.head, 0)
		s.head = 0
	}
	s.starts = s.starts[:0]
	if s.scanned == len(s.buf) {
		return
	}
	base := max(s.scanned-3, 0)
	for _, st := range s.split(s.buf[base:]) {
		if st > 0 {
			s.starts = append(s.starts, base+st)
		}
	}
	s.scanned = len(s.buf)
}

// streamCompare compares the text written to it (the output) with the
// text read from want (the golden), frame by frame, and keeps the first
// differing pair. Golden files must be LF-only: CRLF in want is compared as
// LF, and reported as a hint when the output has none.
type streamCompare struct {
	against string
	fr      Framing
	want    io.Reader // nil: an empty text
	got     splitter
	exp     splitter
	rbuf    []byte
	wantEOF bool
	err     error // reading want

	crlf, gotCR bool // want had CRLF; the output had a CR
	lastCR      bool // the last chunk of want ended in CR
	d           Diff
	diffs       bool
}

func newStreamCompare(against string, fr Framing, want io.Reader) *streamCompare {
	return &streamCompare{against: against, fr: fr, want: want, wantEOF: want == nil,
		got: splitter{split: fr.Split}, exp: splitter{split: fr.Split}, d: Diff{Against: against, Unit: fr.Unit}}
}

// Write takes the next piece of the output and compares the frames it
// completes.
func (c *streamCompare) Write(p []byte) (int, error) {
	if bytes.IndexByte(p, '\r') >= 0 {
		c.gotCR = true
	}
	c.got.Write(p)
	for {
		g := c.got.next(false)
		if g == nil {
			break
		}
		c.pair(g)
	}
	return len(p), c.err
}

// wantFrame returns the next frame of want, reading as much as needed.
func (c *streamCompare) wantFrame() []byte {
	for {
		if f := c.exp.next(c.wantEOF); f != nil || c.wantEOF {
			return f
		}
		if c.rbuf == nil {
			c.rbuf = make([]byte, 64<<10)
		}
		n, err := c.want.Read(c.rbuf)
		c.feed(c.rbuf[:n])
		if err == io.EOF {
			if c.lastCR {
				c.exp.Write([]byte{'\r'})
				c.lastCR = false
			}
			c.wantEOF = true
		} else if err != nil {
			c.err, c.wantEOF = err, true
		}
	}
}

// feed adds text of want with CRLF turned into LF.
func (c *streamCompare) feed(p []byte) {
	if c.lastCR {
		c.lastCR = false
		if len(p) == 0 || p[0] != '\n' {
			c.exp.Write([]byte{'\r'})
		} else {
			c.crlf = true
		}
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\r')
		if i < 0 {
			c.exp.Write(p)
			return
		}
		c.exp.Write(p[:i])
		switch {
		case i+1 == len(p):
			c.lastCR = true
		case p[i+1] == '\n':
			c.crlf = true
		default:
			c.exp.Write(p[i : i+1])
		}
		p = p[i+1:]
	}
}

// pair compares the next frame of want with g (nil: the output ended).
func (c *streamCompare) pair(g []byte) {
	w := c.wantFrame()
	if w == nil && g == nil {
		return
	}
	if w != nil && g != nil && bytes.Equal(w, g) {
		return
	}
	c.diffs = true
	c.d.Changed++
	if c.d.Index == 0 {
		c.d.Index = max(c.got.n, c.exp.n)
		c.d.Text = unifiedDiff(c.against, c.fr.Unit, c.d.Index, w, g)
	}
}

// finish compares what is left once the output has ended and returns the
// difference, or nil when the texts are equal.
func (c *streamCompare) finish() (*Diff, error) {
	for {
		g := c.got.next(true)
		if g == nil {
			break
		}
		c.pair(g)
	}
	for {
		w := c.wantFrame()
		if w == nil {
			break
		}
		c.diffs = true
		c.d.Changed++
		if c.d.Index == 0 {
			c.d.Index = c.exp.n
			c.d.Text = unifiedDiff(c.against, c.fr.Unit, c.d.Index, w, nil)
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	c.d.Want, c.d.Got = c.exp.n, c.got.n
	if c.crlf && !c.gotCR {
		c.d.Hint = "the expected text has CRLF line endings: golden files must be LF-only (see .gitattributes)"
		if !c.diffs { // only the line endings differ: every frame does
			c.d.Index, c.d.Changed = 1, c.d.Want
			c.diffs = true
		}
	}
	if !c.diffs {
		return nil, nil
	}
	return &c.d, nil
}

// escapeControls returns text with every byte a terminal would act on
// escaped, as the formats escape them: C0 controls other than tab and
// newline, and DEL, as \xNN; C1 controls and the bidi and line-separator
// marks as \uNNNN; invalid UTF-8 as \xNN. A diff shows a golden's bytes
// this way, so a golden cannot clear the screen or reorder the report.
func escapeControls(text []byte) []byte {
	clean := true
	for _, c := range text {
		if c < 0x20 && c != '\t' && c != '\n' || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return text
	}
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(text)+16)
	for len(text) > 0 {
		r, n := utf8.DecodeRune(text)
		switch {
		case r == '\t' || r == '\n' || r >= 0x20 && r < 0x7f:
			out = append(out, byte(r))
		case r == utf8.RuneError && n == 1, r < 0x80:
			out = append(out, '\\', 'x', hex[text[0]>>4], hex[text[0]&15])
		case r < 0xa0 || r == 0x200e || r == 0x200f || r >= 0x2028 && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			out = append(out, '\\', 'u', hex[r>>12], hex[r>>8&15], hex[r>>4&15], hex[r&15])
		default:
			out = append(out, text[:n]...)
		}
		text = text[n:]
	}
	return out
}
