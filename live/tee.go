package live

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// FramePrinter prints frames as text and flushes it (decode.Printer does).
type FramePrinter interface {
	Print(f *pcapio.Frame) error
	Flush() error
}

// PacketWriter writes frames to a capture file and flushes it
// (capture.PcapStream).
type PacketWriter interface {
	WritePacket(ci pcapio.CaptureInfo, data []byte) error
	Flush() error
}

// TeeFlush bounds how long a Tee's text and file data wait in buffers.
const TeeFlush = 200 * time.Millisecond

// Tee is turtle sniff's loop: a Recorder on H that hands each frame to
// Write and to Print, either one optional, numbering frames from 1 and
// giving Print each frame's link-layer addresses, and flushes both every
// TeeFlush at the latest, so that text and file keep up with a slow trickle
// of frames. Frames are written before they are printed.
type Tee struct {
	H     *Handle
	Print FramePrinter
	Write PacketWriter

	n     int
	addr  pcapio.LinkAddr
	frame pcapio.Frame
}

// Run reads until ctx ends (after DefaultDrain), count frames (0: no
// limit), or an error, err; see Recorder.Run. Whatever stopped it, it
// then flushes, so that everything captured is written out: werr is the
// last flush's error.
func (t *Tee) Run(ctx context.Context, count int) (err, werr error) {
	r := &Recorder{H: t.H, Frame: t.take, Every: TeeFlush, Count: count, Drain: DefaultDrain,
		Tick: func(time.Time) (bool, error) { return false, t.Flush() }}
	err = r.Run(ctx)
	return err, t.Flush()
}

// Frames is the number of frames read so far.
func (t *Tee) Frames() int { return t.n }

func (t *Tee) take(data []byte, ci pcapio.CaptureInfo) (bool, error) {
	t.n++
	if t.Write != nil {
		if err := t.Write.WritePacket(ci, data); err != nil {
			return false, err
		}
	}
	if t.Print != nil {
		t.H.LinkAddr(&t.addr)
		t.frame = pcapio.Frame{Number: t.n, Data: data, Info: ci, Live: &t.addr}
		if err := t.Print.Print(&t.frame); err != nil {
			return false, err
		}
	}
	return false, nil
}

// Flush flushes the text, then the file.
func (t *Tee) Flush() error {
	if t.Print != nil {
		if err := t.Print.Flush(); err != nil {
			return err
		}
	}
	if t.Write != nil {
		return t.Write.Flush()
	}
	return nil
}

// WriteEnd ends turtle sniff's run on w: "turtle> Bye." after Ctrl-C
// (interrupted), then the frames captured and those the kernel dropped.
func (t *Tee) WriteEnd(w io.Writer, interrupted bool) {
	st, _ := t.H.Stats()
	if interrupted {
		fmt.Fprintln(w, "turtle> Bye.")
	}
	fmt.Fprintf(w, "%d packets captured, %d dropped by kernel\n", t.Frames(), st.Dropped)
}
