package main

import (
	"fmt"
	"io"
	"time"

	"github.com/turtle-sniffer/turtle/echo"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// progress draws one line on standard error while a big capture is read:
//
//	turtle read: big.pcap  1234567 frames  412.3 of 960.0 MB (42%)  380.1 MB/s
//
// rewritten in place at most four times a second and erased when the file
// is done. It is only on when standard error is a terminal and the text
// goes elsewhere (a file, a pipe): interleaved with text on the same
// terminal it would garble both.
type progress struct {
	w     io.Writer
	on    bool
	name  string
	size  int64 // 0 when unknown (a pipe)
	bytes int64
	n     int64 // frames
	start time.Time
	next  time.Time
	drawn bool
}

// progressMin is the size from which a capture gets a progress line (or,
// for a pipe, the bytes read before one appears).
const progressMin = 4 << 20

func newProgress(stderr, out io.Writer) *progress {
	return &progress{w: stderr, on: isTerminal(stderr) && !isTerminal(out)}
}

// begin starts a file of the given size (0 if unknown).
func (p *progress) begin(name string, size int64) {
	p.name, p.size, p.bytes, p.n = name, size, 0, 0
	p.start = time.Now()
	p.next = p.start.Add(250 * time.Millisecond)
}

// end erases the line.
func (p *progress) end() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// reader counts the bytes read from the file (compressed bytes for gzip,
// which is what the size is of).
func (p *progress) reader(r io.Reader) io.Reader {
	if !p.on {
		return r
	}
	return &countingReader{r: r, p: p}
}

// source counts frames and redraws the line when it is due.
func (p *progress) source(src pcapio.Source) pcapio.Source {
	if !p.on {
		return src
	}
	return &countingSource{src: src, p: p}
}

type countingReader struct {
	r io.Reader
	p *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.bytes += int64(n)
	return n, err
}

type countingSource struct {
	src pcapio.Source
	p   *progress
}

func (c *countingSource) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	data, ci, err := c.src.ZeroCopyReadPacketData()
	p := c.p
	p.n++
	if p.n&1023 == 0 {
		p.tick()
	}
	return data, ci, err
}

func (p *progress) tick() {
	now := time.Now()
	if now.Before(p.next) || (p.size < progressMin && p.bytes < progressMin) {
		return
	}
	p.next = now.Add(250 * time.Millisecond)
	mb := float64(p.bytes) / 1e6
	rate := mb / now.Sub(p.start).Seconds()
	line := fmt.Sprintf("turtle read: %s  %d frames  %.1f", printableName(displayName(p.name)), p.n, mb)
	if p.size > 0 {
		line += fmt.Sprintf(" of %.1f MB (%d%%)", float64(p.size)/1e6, p.bytes*100/p.size)
	} else {
		line += " MB"
	}
	line += fmt.Sprintf("  %.1f MB/s", rate)
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}

// printableName is a file or interface name for a terminal: every byte or
// rune a terminal would act on (C0 and C1 controls, ESC, BEL, bidi marks,
// invalid UTF-8) escaped as echo's replies are (\x1b, \a, \u202e), so a
// name cannot move the cursor or forge a line.
func printableName(s string) string {
	return string(echo.AppendPrintable(nil, []byte(s)))
}
