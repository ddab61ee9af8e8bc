package decode

import (
	"errors"
	"io"
	"runtime/debug"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Printer formats frames and writes their text to W in capture order,
// through a buffer it reuses, so the per-frame path neither allocates nor
// makes a syscall per frame. It is the one path from frames to text: files
// and live handles both feed it.
type Printer struct {
	Format Format
	W      io.Writer

	// Workers, when above 1, lets Copy format frames on that many
	// goroutines, each with its own Format from NewFormat; the text is
	// still written in capture order. Live capture prints frame by frame
	// and ignores it.
	Workers   int
	NewFormat func() Format

	buf   []byte
	frame pcapio.Frame
	n     int // frames printed in all
}

// flushAt is the buffered text size that triggers a write.
const flushAt = 256 << 10

// Print formats one frame and writes the text once enough is buffered.
// f.Number is left as the caller set it. f.Data may be reused after Print
// returns.
func (p *Printer) Print(f *pcapio.Frame) error {
	p.n++
	p.buf = p.Format.AppendFrame(p.buf, f)
	if len(p.buf) >= flushAt {
		return p.Flush()
	}
	return nil
}

// Flush writes the buffered text.
func (p *Printer) Flush() error {
	if len(p.buf) == 0 {
		return nil
	}
	_, err := p.W.Write(p.buf)
	p.buf = p.buf[:0]
	return err
}

// Frames reports how many frames were printed.
func (p *Printer) Frames() int { return p.n }

// ErrLimit is returned by Copy when it stopped at its frame limit.
var ErrLimit = errors.New("frame limit reached")

// Copy prints every frame of src, numbered from 1, until src ends (nil
// error), fails (the source's error, after every frame before it is
// written), or limit frames have been printed by this Printer in all
// (ErrLimit; limit <= 0 means no limit). Errors writing the text are
// returned as *WriteError, so callers can tell a full disk from a damaged
// capture. A mapped capture file (pcapio.NewMappedReader) cut shorter
// while it is read ends with ErrCutWhileRead, after every frame formatted
// before, rather than killing the process.
func (p *Printer) Copy(src pcapio.Source, limit int) (err error) {
	if p.Workers > 1 && p.NewFormat != nil {
		return p.copyParallel(src, limit)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if pcapio.IsFault(recover()) {
			// A frame cut short by the fault never reached p.buf's length.
			if err = p.Flush(); err != nil {
				err = &WriteError{err}
			} else {
				err = ErrCutWhileRead
			}
		}
	}()
	f := &p.frame
	for number := 1; limit <= 0 || p.n < limit; number++ {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			if ferr := p.Flush(); ferr != nil {
				return &WriteError{ferr}
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
		f.Number, f.Data, f.Info = number, data, ci
		if err := p.Print(f); err != nil {
			return &WriteError{err}
		}
	}
	if err := p.Flush(); err != nil {
		return &WriteError{err}
	}
	return ErrLimit
}

// ErrCutWhileRead is returned by Copy when the pages of a mapped capture
// file went away while it was read: another program cut the file shorter.
var ErrCutWhileRead = errors.New("the file was cut shorter by another program while it was read")

// WriteError is an error writing the text, as opposed to reading frames.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return "write output: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }
