package decode

import (
	"errors"
	"io"
)

// Printer formats frames and writes their text to W in capture order,
// through a buffer it reuses, so the per-frame path neither allocates nor
// makes a syscall per frame. It is the one path from frames to text: files
// and live handles both feed it.
type Printer struct {
	Format Format
	W      io.Writer

	buf   []byte
	frame Frame
	n     int // frames printed
}

// flushAt is the buffered text size that triggers a write.
const flushAt = 256 << 10

// Print formats one frame (its Number is set by the Printer) and writes the
// text once enough is buffered. f.Data may be reused after Print returns.
func (p *Printer) Print(f *Frame) error {
	p.n++
	f.Number = p.n
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

// Copy prints every frame of src until it ends (nil error), fails (the
// source's error, after the frames before it are flushed), or limit frames
// have been printed in all (ErrLimit; limit <= 0 means no limit). Errors
// writing the text are returned as *WriteError, so callers can tell a full
// disk from a damaged capture.
func (p *Printer) Copy(src Source, limit int) error {
	f := &p.frame
	for limit <= 0 || p.n < limit {
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
		f.Data, f.Info = data, ci
		if err := p.Print(f); err != nil {
			return &WriteError{err}
		}
	}
	if err := p.Flush(); err != nil {
		return &WriteError{err}
	}
	return ErrLimit
}

// WriteError is an error writing the text, as opposed to reading frames.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return "write output: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }
