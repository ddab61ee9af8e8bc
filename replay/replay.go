// Package replay sends the frames of capture files out of an interface,
// byte for byte and in capture order, paced by their own timestamps, at a
// fixed rate, or as fast as the device takes them: `turtle replay`, and the
// sniffer labs of `turtle grade`, which replay a reference capture into the
// student's namespace.
//
// It is a package of its own because what it does belongs to none of the
// packages it joins: pcapio reads, filter selects and live sends, and none
// of them should know about clocks, loops or the Ethernet header a cooked
// or raw-IP frame needs before an Ethernet device takes it (ToEthernet).
//
// Run streams: it reads one frame at a time through pcapio's zero-copy
// path (--topspeed copies a batch of at most 256 frames and 1 MiB, sent
// with one system call), so memory stays flat whatever the size of the
// capture. Nothing is dropped
// silently: every frame is sent, filtered out, or counted as failed and
// reported with its file and frame number, and a file that cannot be read
// to its end or has frames of a link type no Ethernet device takes is
// reported in one line.
package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/filter"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Sender is where frames go: *live.Sender, or a fake in tests.
type Sender interface {
	// Send sends one frame; an error means the device refused it.
	Send(frame []byte) error
	// SendBatch sends frames in order and returns how many went out
	// before the first refusal, and that refusal (nil when all went).
	SendBatch(frames [][]byte) (int, error)
}

// Input is one capture to replay. Open is called once per loop.
type Input struct {
	Name string // how messages name it
	Open func() (io.ReadCloser, error)
}

// File is the capture file called name; "-" is standard input (which can
// be read once: loop over it and the second pass finds it empty).
func File(name string) Input {
	return Input{Name: name, Open: func() (io.ReadCloser, error) {
		return capture.OpenFile(name, os.Stdin)
	}}
}

// Bytes is a capture held in memory (a built-in reference capture).
func Bytes(name string, capture []byte) Input {
	return Input{Name: name, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(capture)), nil
	}}
}

// Forever as Options.Loop replays the inputs until Count frames or the
// context ends.
const Forever = -1

// Options say how to pace and what to send. The zero value replays every
// frame once at the pace of its capture timestamps.
type Options struct {
	PPS      float64 // frames per second on an absolute schedule; 0: not this mode
	Speed    float64 // capture timestamps divided by Speed (2: twice as fast); 0 means 1
	TopSpeed bool    // no pacing: as fast as the device takes frames, in batches
	Count    int     // stop after this many frames sent or failed; 0: no limit
	Loop     int     // passes over all inputs; 0 means 1, Forever means no end
	Filter   string  // tcpdump filter expression, run on each frame as captured
	// Report receives, as they happen, every *FrameError (a frame that
	// failed) and *FileError (a file not read to its end, or refused). nil
	// counts them only.
	Report func(error)
}

// Stats count what Run did.
type Stats struct {
	Sent       uint64        // frames sent
	Bytes      uint64        // bytes of the frames sent, link header included
	Failed     uint64        // frames refused by the device or without an Ethernet form
	Filtered   uint64        // frames the filter left out
	FileErrors int           // files refused or not read to their end
	Elapsed    time.Duration // from the first frame's send to the last one's
	// Idle is set when a run looping Forever stopped because a whole pass
	// over the inputs sent no frame (all empty, refused or filtered out):
	// the next would not either, and it would spin without end.
	Idle bool
}

// AppendText appends the one-line summary that turtle replay prints last:
//
//	20000 frames (1240000 bytes) sent, 0 failed, 1.999900 s, 10000.5 frames/s, 4.96 Mbit/s
func (s Stats) AppendText(b []byte) []byte {
	b = strconv.AppendUint(b, s.Sent, 10)
	b = append(b, " frames ("...)
	b = strconv.AppendUint(b, s.Bytes, 10)
	b = append(b, " bytes) sent, "...)
	b = strconv.AppendUint(b, s.Failed, 10)
	b = append(b, " failed, "...)
	sec := s.Elapsed.Seconds()
	b = strconv.AppendFloat(b, sec, 'f', 6, 64)
	b = append(b, " s, "...)
	var fps, mbps float64
	if sec > 0 {
		fps, mbps = float64(s.Sent)/sec, float64(s.Bytes)*8/sec/1e6
	}
	b = strconv.AppendFloat(b, fps, 'f', 1, 64)
	b = append(b, " frames/s, "...)
	b = strconv.AppendFloat(b, mbps, 'f', 2, 64)
	return append(b, " Mbit/s"...)
}

func (s Stats) String() string { return string(s.AppendText(nil)) }

// FrameError is a frame that was not sent: the device refused it, or it
// has no Ethernet form. Frame is its 1-based number in its file.
type FrameError struct {
	File  string
	Frame int
	Err   error
}

func (e *FrameError) Error() string {
	return e.File + ": frame " + strconv.Itoa(e.Frame) + ": " + e.Err.Error()
}

func (e *FrameError) Unwrap() error { return e.Err }

// FileError is a file that could not be opened or read to its end, or
// whose frames cannot be sent (the rest of the file is skipped).
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }

// maxBatch and batchBytes bound a --topspeed batch: one sendmmsg call.
const (
	maxBatch   = 256
	batchBytes = 1 << 20
)

// errDone ends the run when Count frames have gone.
var errDone = errors.New("count reached")

type runner struct {
	ctx  context.Context
	s    Sender
	opt  Options
	st   Stats
	pace pacer

	attempted int // frames sent or failed, for Count and --pps
	first     time.Time
	scratch   []byte // a synthesized frame (paced modes)

	slab   []byte   // --topspeed: the batch's frames, copied
	batch  [][]byte // into slab
	origin []struct {
		file  string
		frame int
	}
}

// Run replays inputs through s as opt says and returns what it did. It
// returns ctx's error when the context ended the run (the Stats are
// complete up to that moment), an error for invalid Options, and nil
// otherwise: frames and files that failed are in the Stats and went to
// opt.Report.
func Run(ctx context.Context, s Sender, inputs []Input, opt Options) (Stats, error) {
	if err := opt.Check(); err != nil {
		return Stats{}, err
	}
	r := &runner{ctx: ctx, s: s, opt: opt}
	r.pace.init(&opt)
	if !opt.TopSpeed {
		defer preciseThread()()
	}
	loops := max(opt.Loop, 1)
	var err error
loop:
	for pass := 0; opt.Loop == Forever || pass < loops; pass++ {
		before := r.st.Sent
		for _, in := range inputs {
			if err = r.file(in); err != nil {
				break loop
			}
		}
		if opt.Loop == Forever {
			r.flush() // what this pass queued counts
			if r.st.Sent == before {
				r.st.Idle = true
				break
			}
		}
	}
	if err == nil || err == errDone {
		r.flush()
		err = nil
	}
	if !r.first.IsZero() {
		r.st.Elapsed = time.Since(r.first)
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return r.st, err
}

// Check reports Options that Run refuses: two paces at once, a rate or
// speed out of range, a negative count, a filter no link type accepts.
func (o Options) Check() error {
	modes := 0
	if o.PPS != 0 {
		modes++
		if !(o.PPS > 0 && o.PPS <= 1e9) {
			return fmt.Errorf("frames per second %v out of range (above 0, at most 1e9)", o.PPS)
		}
	}
	if o.Speed != 0 {
		modes++
		if !(o.Speed > 0 && o.Speed <= 1e9) {
			return fmt.Errorf("speed %v out of range (above 0, at most 1e9)", o.Speed)
		}
	}
	if o.TopSpeed {
		modes++
	}
	if modes > 1 {
		return errors.New("choose one pace: frames per second, a speed, or top speed")
	}
	if o.Count < 0 {
		return fmt.Errorf("frame count %d cannot be negative", o.Count)
	}
	if o.Loop < Forever {
		return fmt.Errorf("loop count %d cannot be negative", o.Loop)
	}
	if o.Filter != "" {
		// Refused only when no link type accepts it (a syntax error); whether
		// it fits each file's link types is checked per file.
		if err := capture.CheckFilter(o.Filter); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) report(err error) {
	if r.opt.Report != nil {
		r.opt.Report(err)
	}
}

func (r *runner) fileError(name string, err error) {
	r.st.FileErrors++
	r.report(&FileError{File: name, Err: err})
}

// file replays one input; an error stops the run (context, Count).
func (r *runner) file(in Input) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	rc, err := in.Open()
	if err != nil {
		r.fileError(in.Name, err)
		return nil
	}
	defer rc.Close()
	src, err := capture.NewSource(rc, capture.Options{})
	if err != nil {
		r.fileError(in.Name, err)
		return nil
	}
	rd := src.Reader()
	var (
		filters map[pcapio.LinkType]*filter.Filter
		frame   int
	)
	r.pace.newFile()
	for {
		data, ci, err := rd.ZeroCopyReadPacketData()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			r.fileError(in.Name, err)
			return nil
		}
		frame++
		lt := ci.LinkType
		if !Supported(lt) {
			r.fileError(in.Name, fmt.Errorf("frame %d: link type %d cannot be sent out of an Ethernet device; the rest of the file is skipped", frame, lt))
			return nil
		}
		if r.opt.Filter != "" {
			f, ok := filters[lt]
			if !ok {
				f, err = filter.NewOptions(r.opt.Filter, lt, rd.Snaplen(), filter.FileOptions(rd))
				if err != nil {
					r.fileError(in.Name, fmt.Errorf("frame %d: filter: %w; the rest of the file is skipped", frame, err))
					return nil
				}
				if filters == nil {
					filters = make(map[pcapio.LinkType]*filter.Filter)
				}
				filters[lt] = f
			}
			if !f.Matches(data, ci.Length) {
				r.st.Filtered++
				continue
			}
		}
		if err := r.frame(in.Name, frame, lt, data, ci.Timestamp); err != nil {
			return err
		}
	}
}

// frame paces and sends (or queues) one frame.
func (r *runner) frame(file string, n int, lt pcapio.LinkType, data []byte, ts time.Time) error {
	if r.opt.TopSpeed {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if len(r.batch) == maxBatch || cap(r.slab)-len(r.slab) < len(data)+ethHdrLen {
			r.flush()
		}
		if r.slab == nil {
			r.slab = make([]byte, 0, batchBytes)
		}
		start := len(r.slab)
		out, err := ToEthernet(r.slab[start:start], lt, data)
		if err != nil {
			r.failed(file, n, err)
		} else {
			r.slab = r.slab[:start+len(out)]
			r.batch = append(r.batch, out)
			r.origin = append(r.origin, struct {
				file  string
				frame int
			}{file, n})
		}
	} else {
		if err := r.pace.wait(r.ctx, r.attempted, ts); err != nil {
			return err
		}
		out := data
		if lt != pcapio.LinkTypeEthernet || len(data) < ethHdrLen {
			var err error
			if r.scratch, err = ToEthernet(r.scratch[:0], lt, data); err != nil {
				r.failed(file, n, err)
				out = nil
			} else {
				out = r.scratch
			}
		}
		if out != nil {
			r.started()
			if err := r.s.Send(out); err != nil {
				r.failed(file, n, err)
			} else {
				r.st.Sent++
				r.st.Bytes += uint64(len(out))
			}
		}
	}
	r.attempted++
	if r.opt.Count > 0 && r.attempted >= r.opt.Count {
		return errDone
	}
	return nil
}

func (r *runner) started() {
	if r.first.IsZero() {
		r.first = time.Now()
	}
}

func (r *runner) failed(file string, n int, err error) {
	r.st.Failed++
	r.report(&FrameError{File: file, Frame: n, Err: err})
}

// flush sends the queued --topspeed batch; a refused frame is counted and
// reported, and the frames after it still go.
func (r *runner) flush() {
	r.started()
	b := r.batch
	for len(b) > 0 {
		n, err := r.s.SendBatch(b)
		for _, f := range b[:n] {
			r.st.Bytes += uint64(len(f))
		}
		r.st.Sent += uint64(n)
		if err == nil {
			break
		}
		if n >= len(b) { // a sender that reports an error past the end
			break
		}
		o := r.origin[len(r.batch)-len(b)+n]
		r.failed(o.file, o.frame, err)
		b = b[n+1:]
	}
	r.batch, r.origin, r.slab = r.batch[:0], r.origin[:0], r.slab[:0]
}

// WriteEnd writes the lines turtle replay ends with on w: why a run
// looping Forever stopped when it was Idle, then the summary (AppendText),
// marked "(interrupted)" when Ctrl-C stopped the run.
func (s Stats) WriteEnd(w io.Writer, interrupted bool) error {
	var b []byte
	if s.Idle {
		b = append(b, "turtle replay: --loop 0: a whole pass over the captures sent no frame (empty, refused or filtered out); stopping\n"...)
	}
	b = s.AppendText(append(b, "turtle replay: "...))
	if interrupted {
		b = append(b, " (interrupted)"...)
	}
	_, err := w.Write(append(b, '\n'))
	return err
}
