package capture

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/turtle-sniffer/turtle/internal/termsafe"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Progress draws one line on standard error while a big capture is read
// (Options.Progress):
//
//	turtle read: big.pcap  1234567 frames  412.3 of 960.0 MB (42%)  380.1 MB/s
//
// rewritten in place at most four times a second and erased when the file
// is done. A regular file's bytes are counted by where its reader stands
// (pcapio.Reader.MappedRead, else the file's offset), so a mapped file
// stays mapped; only a pipe's bytes are counted through a wrapper.
type Progress struct {
	w     io.Writer
	name  string
	size  int64 // 0 when unknown (a pipe)
	file  *os.File
	base  int64 // the file's offset at the start
	r     *pcapio.Reader
	bytes int64 // counted through countingReader when file is nil
	n     int64 // frames
	start time.Time
	next  time.Time
	drawn bool
}

// progressMin is the size from which a capture gets a progress line (or,
// for a pipe, the bytes read before one appears).
const progressMin = 4 << 20

// NewProgress returns a progress line on stderr when on, else nil (no
// line). The caller turns it on only when stderr is a terminal and the
// text goes elsewhere (a file, a pipe): interleaved with text on the same
// terminal it would garble both.
func NewProgress(stderr io.Writer, on bool) *Progress {
	if !on {
		return nil
	}
	return &Progress{w: stderr}
}

// begin starts the file name read from r.
func (p *Progress) begin(name string, r io.Reader) io.Reader {
	p.name, p.size, p.file, p.base, p.r, p.bytes, p.n = name, FileSize(r), nil, 0, nil, 0, 0
	p.start = time.Now()
	p.next = p.start.Add(250 * time.Millisecond)
	if p.size > 0 {
		if off, err := r.(*os.File).Seek(0, io.SeekCurrent); err == nil {
			p.file, p.base = r.(*os.File), off
			return r
		}
	}
	return &countingReader{r: r, p: p}
}

// End erases the line.
func (p *Progress) End() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// read is how many bytes of the file were read (compressed bytes for
// gzip, which is what the size is of).
func (p *Progress) read() int64 {
	if p.file == nil {
		return p.bytes
	}
	if p.r != nil {
		if n, ok := p.r.MappedRead(); ok {
			return n
		}
	}
	off, _ := p.file.Seek(0, io.SeekCurrent)
	return off - p.base
}

type countingReader struct {
	r io.Reader
	p *Progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.bytes += int64(n)
	return n, err
}

// countingSource counts frames and redraws the line when it is due.
type countingSource struct {
	src pcapio.Source
	p   *Progress
}

func (c *countingSource) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	data, ci, err := c.src.ZeroCopyReadPacketData()
	n := 0
	if err == nil {
		n = 1
	}
	c.count(n)
	return data, ci, err
}

// count adds n frames read and redraws the line when it is due.
func (c *countingSource) count(n int) {
	p := c.p
	before := p.n
	p.n += int64(n)
	if p.n&1023 == 0 || p.n>>10 != before>>10 {
		p.tick()
	}
}

func (p *Progress) tick() {
	now := time.Now()
	if now.Before(p.next) {
		return
	}
	bytes := p.read()
	if p.size < progressMin && bytes < progressMin {
		return
	}
	p.next = now.Add(250 * time.Millisecond)
	mb := float64(bytes) / 1e6
	rate := mb / now.Sub(p.start).Seconds()
	line := fmt.Sprintf("turtle read: %s  %d frames  %.1f", termsafe.Name(DisplayName(p.name)), p.n, mb)
	if p.size > 0 {
		line += fmt.Sprintf(" of %.1f MB (%d%%)", float64(p.size)/1e6, bytes*100/p.size)
	} else {
		line += " MB"
	}
	line += fmt.Sprintf("  %.1f MB/s", rate)
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}
