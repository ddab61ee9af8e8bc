package decode

import (
	"io"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// The parallel path of Printer.Copy. Formatting is the cost of printing a
// capture (a frame's text is four to five times its size), so it is spread
// over Workers goroutines while this one reads and a writer goroutine
// writes. Frames travel in batches that are copied out of the source's
// buffer, formatted by whichever worker is free, and written strictly in
// batch order. A fixed set of batches is recycled, so memory stays bounded
// by batch size times batch count whatever the capture's size, and the
// steady state allocates nothing.

const (
	batchFrames = 512      // frames per batch at most
	batchBytes  = 64 << 10 // captured bytes per batch at most (one frame may exceed it)
)

type frameRef struct {
	off, end int
	number   int
	info     pcapio.CaptureInfo
}

type batch struct {
	data   []byte
	frames []frameRef
	out    []byte
	done   chan struct{} // receives once the batch is formatted
}

func (p *Printer) copyParallel(src pcapio.Source, limit int) error {
	nbatches := 2*p.Workers + 2
	free := make(chan *batch, nbatches)
	for range nbatches {
		free <- &batch{done: make(chan struct{}, 1)}
	}
	work := make(chan *batch, nbatches)
	ordered := make(chan *batch, nbatches)
	for range p.Workers {
		go formatBatches(p.NewFormat(), work)
	}
	writeErr := make(chan error, 1)
	failed := make(chan struct{})
	go func() { writeErr <- writeBatches(p.W, ordered, free, failed) }()

	var readErr error
	number := 0
	b := <-free
	b.data, b.frames = b.data[:0], b.frames[:0]
	// send hands the current batch on and takes a free one; it reports
	// false once the writer has failed, so reading stops early.
	send := func() bool {
		if len(b.frames) > 0 {
			work <- b
			ordered <- b
			b = <-free
			b.data, b.frames = b.data[:0], b.frames[:0]
		}
		select {
		case <-failed:
			return false
		default:
			return true
		}
	}
	for {
		if limit > 0 && p.n >= limit {
			readErr = ErrLimit
			break
		}
		data, ci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			if err != io.EOF {
				readErr = err
			}
			break
		}
		number++
		p.n++
		off := len(b.data)
		b.data = append(b.data, data...)
		b.frames = append(b.frames, frameRef{off: off, end: len(b.data), number: number, info: ci})
		if len(b.frames) == batchFrames || len(b.data) >= batchBytes {
			if !send() {
				break
			}
		}
	}
	send()
	close(work)
	close(ordered)
	if werr := <-writeErr; werr != nil {
		return &WriteError{werr}
	}
	return readErr
}

// formatBatches formats each batch it receives into the batch's own
// output buffer.
func formatBatches(format Format, work <-chan *batch) {
	var f pcapio.Frame
	for b := range work {
		b.out = b.out[:0]
		for i := range b.frames {
			r := &b.frames[i]
			f.Number, f.Data, f.Info = r.number, b.data[r.off:r.end], r.info
			b.out = format.AppendFrame(b.out, &f)
		}
		b.done <- struct{}{}
	}
}

// writeBatches writes batches in the order they were read and returns them
// to the free list. After a write error it closes failed, so the reader
// stops, and keeps draining, so the reader never blocks; it returns the
// first error.
func writeBatches(w io.Writer, ordered <-chan *batch, free chan<- *batch, failed chan<- struct{}) error {
	var first error
	for b := range ordered {
		<-b.done
		if first == nil {
			if _, err := w.Write(b.out); err != nil {
				first = err
				close(failed)
			}
		}
		free <- b
	}
	return first
}
