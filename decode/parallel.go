package decode

import (
	"io"
	"runtime/debug"

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
//
// When the source can pin (a mapped capture file: pcapio.Reader.Pin), a
// batch holds the window its first frame lies in and its frames inside
// that window are not copied at all: the workers format them where the
// kernel mapped them, and the window is released when the batch has been
// written. Frames outside it (a filter skipping past a window's end) are
// copied as before. At most one window per batch is held, so memory stays
// bounded too.
//
// When the source can also take runs of records (a mapped classic pcap
// file: pcapio.Reader.PinRun), a batch is one run: the reading goroutine
// only walks the records' lengths, 4 bytes a frame into the batch instead
// of a frameRef, and the worker builds each frame's CaptureInfo as it
// formats it. The frames a run cannot take (the one across a window's
// end, a record to cut to the snapshot length, a damaged one) are read
// one by one as above.

// pinner is a pcapio.Source whose frames can outlive the next read.
type pinner interface {
	Pin(data []byte) *pcapio.Window
}

// runPinner is a pcapio.Source that can take runs of records.
type runPinner interface {
	PinRun(lens []uint32, maxFrames, maxBytes int) (pcapio.Run, *pcapio.Window)
}

// A batch's size is a trade: each one costs the reader, a worker and the
// writer a hand-over (channel operations, often a goroutine woken), and
// 1,000,000 IMIX frames in batches of 64 KiB were 5,900 of them, a tenth
// of `turtle read --format summary`; batches of 256 KiB or 1024 frames
// took 15 % less time there, 7 % less for `read` and `--format json`,
// and 512 KiB or 4096 frames were slower again (a batch's frames and text
// no longer fit a core's 2 MiB of L2 as they are formatted). Memory: at
// most 2*Workers+2 batches of 256 KiB and their text (five times that for
// `read`'s hex), so about 10 MB with two workers.
const (
	batchFrames = 1024      // frames per batch at most
	batchBytes  = 256 << 10 // captured bytes per batch at most (one frame may exceed it)
)

type frameRef struct {
	off, end int    // in batch.data, when copied
	pinned   []byte // in batch.pin, when not
	number   int
	info     pcapio.CaptureInfo
}

type batch struct {
	data   []byte
	pin    *pcapio.Window // held until the batch is written; nil if none
	bytes  int            // captured bytes of its frames, copied or not
	cut    bool           // formatting stopped at a fault: see formatBatch
	frames []frameRef
	run    pcapio.Run // when the batch is a run: frames is then empty
	first  int        // the number of the run's first frame
	lens   []uint32   // the memory of a run's lengths, reused
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

	pins, _ := src.(pinner)
	runs, _ := src.(runPinner)
	// ran: a run was taken from this source, so one is tried again after
	// each frame read one by one (a pcapng file never gives one: it is
	// then asked once a batch, not once a frame).
	ran := false
	var spare []uint32 // lengths for the next run, swapped with a batch's
	number := 0
	b := <-free
	b.data, b.frames = b.data[:0], b.frames[:0]
	// send hands the current batch on and takes a free one; it reports
	// false once the writer has failed, so reading stops early.
	send := func() bool {
		if len(b.frames) > 0 || b.run.Len() > 0 {
			work <- b
			ordered <- b
			b = <-free
			b.data, b.frames, b.bytes, b.run = b.data[:0], b.frames[:0], 0, pcapio.Run{}
		}
		select {
		case <-failed:
			return false
		default:
			return true
		}
	}
	// read fills batches until the source ends; a fault on a mapped
	// file's page (cut shorter meanwhile) ends it with ErrCutWhileRead,
	// the frames before it still sent.
	read := func() (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if pcapio.IsFault(recover()) {
				err = ErrCutWhileRead
			}
		}()
		for {
			if limit > 0 && p.n >= limit {
				return ErrLimit
			}
			if runs != nil && (ran || len(b.frames) == 0) {
				max := batchFrames
				if limit > 0 {
					max = min(max, limit-p.n)
				}
				run, win := runs.PinRun(spare, max, batchBytes)
				spare = run.Lens()
				if n := run.Len(); n > 0 {
					ran = true
					if !send() { // the frames read one by one before it
						win.Release()
						return nil
					}
					// b is free: its lengths become the spare ones.
					spare, b.lens = b.lens, spare
					b.run, b.pin, b.first = run, win, number+1
					number += n
					p.n += n
					if !send() {
						return nil
					}
					continue
				}
			}
			data, ci, err := src.ZeroCopyReadPacketData()
			if err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
			number++
			p.n++
			if pins != nil && len(b.frames) == 0 && len(data) > 0 {
				b.pin = pins.Pin(data)
			}
			if b.pin != nil && b.pin.Contains(data) {
				b.frames = append(b.frames, frameRef{pinned: data, number: number, info: ci})
			} else {
				off := len(b.data)
				b.data = append(b.data, data...)
				b.frames = append(b.frames, frameRef{off: off, end: len(b.data), number: number, info: ci})
			}
			b.bytes += len(data)
			if len(b.frames) == batchFrames || b.bytes >= batchBytes {
				if !send() {
					return nil
				}
			}
		}
	}
	readErr := read()
	send()
	b.pin.Release() // a batch never sent (no frames) may hold one
	close(work)
	close(ordered)
	if werr := <-writeErr; werr == ErrCutWhileRead {
		return werr
	} else if werr != nil {
		return &WriteError{werr}
	}
	return readErr
}

// formatBatches formats each batch it receives into the batch's own
// output buffer.
func formatBatches(format Format, work <-chan *batch) {
	debug.SetPanicOnFault(true) // this goroutine's own setting
	var f pcapio.Frame
	for b := range work {
		b.cut = !formatBatch(format, &f, b)
		b.done <- struct{}{}
	}
}

// formatBatch formats b's frames; it reports false when a fault on a
// mapped page stopped it, b.out then holding the text of the frames
// before (a frame cut short never reaches b.out's length).
func formatBatch(format Format, f *pcapio.Frame, b *batch) (ok bool) {
	defer func() {
		if pcapio.IsFault(recover()) {
			ok = false
		}
	}()
	b.out = b.out[:0]
	if b.run.Len() > 0 {
		f.Number = b.first
		for b.run.Next(f) {
			b.out = format.AppendFrame(b.out, f)
			f.Number++
		}
		return true
	}
	for i := range b.frames {
		r := &b.frames[i]
		f.Number, f.Data, f.Info = r.number, r.pinned, r.info
		if r.pinned == nil {
			f.Data = b.data[r.off:r.end]
		}
		b.out = format.AppendFrame(b.out, f)
	}
	return true
}

// writeBatches writes batches in the order they were read and returns them
// to the free list. After a write error, or a batch cut short by a fault
// (its frames before the fault written, then ErrCutWhileRead), it closes
// failed, so the reader stops, and keeps draining, so the reader never
// blocks; it returns the first error.
func writeBatches(w io.Writer, ordered <-chan *batch, free chan<- *batch, failed chan<- struct{}) error {
	var first error
	for b := range ordered {
		<-b.done
		if first == nil {
			if _, err := w.Write(b.out); err != nil {
				first = err
			} else if b.cut {
				first = ErrCutWhileRead
			}
			if first != nil {
				close(failed)
			}
		}
		b.pin.Release()
		b.pin = nil
		free <- b
	}
	return first
}
