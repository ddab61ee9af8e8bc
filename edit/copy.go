package edit

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/filter"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Spec is a selection as a command line gives it (turtle edit's -c,
// --frames, -f, --from, --to, -s and --dedup); Options checks it.
type Spec struct {
	Count    int
	Frames   string
	Filter   string
	From, To string
	Snaplen  int
	Dedup    bool
}

// Options checks the selection and returns it as Options; an error names
// the flag and says what it wants.
func (s Spec) Options() (Options, error) {
	opt := Options{Count: s.Count, Filter: s.Filter, Snaplen: s.Snaplen, Dedup: s.Dedup}
	var err error
	if s.Count < 0 {
		return opt, fmt.Errorf("-c %d: the frame count cannot be negative", s.Count)
	}
	if s.Snaplen < 0 || s.Snaplen > capture.MaxSnaplen {
		return opt, fmt.Errorf("-s %d: the snaplen must be 0 to %d", s.Snaplen, capture.MaxSnaplen)
	}
	if s.Frames != "" {
		if opt.Frames, err = ParseRanges(s.Frames); err != nil {
			return opt, fmt.Errorf("--frames: %v", err)
		}
	}
	if err := capture.CheckFilter(s.Filter); err != nil {
		return opt, err
	}
	if s.From != "" {
		if opt.From, err = ParseTime(s.From); err != nil {
			return opt, fmt.Errorf("--from: %v", err)
		}
	}
	if s.To != "" {
		if opt.To, err = ParseTime(s.To); err != nil {
			return opt, fmt.Errorf("--to: %v", err)
		}
	}
	if !opt.From.IsZero() && !opt.To.IsZero() && !opt.From.Before(opt.To) {
		return opt, fmt.Errorf("--from %s is not before --to %s", s.From, s.To)
	}
	return opt, nil
}

// ParseFormat reads an output container's name: pcap, pcap-ns or pcapng;
// "" is pcapio.FormatUnknown (the first input's).
func ParseFormat(s string) (pcapio.Format, error) {
	switch s {
	case "":
		return pcapio.FormatUnknown, nil
	case "pcap":
		return pcapio.FormatPcapMicro, nil
	case "pcap-ns":
		return pcapio.FormatPcapNano, nil
	case "pcapng":
		return pcapio.FormatPcapNG, nil
	}
	return 0, fmt.Errorf("%q: want pcap, pcap-ns or pcapng", s)
}

// ParseByteOrder reads an output byte order as MergedHeader takes it: 0
// for "" (the input's), 1 for little, 2 for big.
func ParseByteOrder(s string) (int, error) {
	switch s {
	case "":
		return 0, nil
	case "little":
		return 1, nil
	case "big":
		return 2, nil
	}
	return 0, fmt.Errorf("%q: want big or little", s)
}

// ErrStdinTwice is OpenInputs' refusal of a second "-": standard input
// can be read once.
var ErrStdinTwice = errors.New("standard input given twice")

// OpenInputs opens the captures names ("-": stdin, once) to be copied:
// their readers keep a record longer than its file's snapshot length
// whole (pcapio.Reader.KeepLong), as editcap copies it. A capture that
// cannot be opened is passed to failed with the cause and left out.
// closeAll closes those opened.
func OpenInputs(names []string, stdin io.Reader, failed func(name string, err error)) (inputs []Input, closeAll func()) {
	var srcs []*capture.Source
	stdinUsed := false
	for _, name := range names {
		if name == capture.Stdin {
			if stdinUsed {
				failed(name, ErrStdinTwice)
				continue
			}
			stdinUsed = true
		}
		src, err := capture.Open(name, stdin, capture.Options{})
		if err != nil {
			failed(name, err)
			continue
		}
		src.Reader().KeepLong()
		srcs = append(srcs, src)
		inputs = append(inputs, Input{Name: name, R: src.Reader()})
	}
	return inputs, func() {
		for _, s := range srcs {
			s.Close()
		}
	}
}

// Header is MergedHeader's header for inputs, refused (a *LinkTypesError)
// when it is pcap and the inputs' frames have several link types.
func Header(inputs []Input, format pcapio.Format, be, cut int) (SinkOptions, error) {
	sopt := MergedHeader(inputs, format, be, cut)
	if sopt.Format != pcapio.FormatPcapNG {
		if err := CheckPcapLinks(inputs); err != nil {
			return sopt, err
		}
	}
	return sopt, nil
}

// Copy is one capture made from several: their frames merged by time (or
// one input after the other), the selected ones, each rewritten, under one
// header.
type Copy struct {
	Inputs []Input
	// Append concatenates the inputs in order instead of merging them
	// (Merger).
	Append bool
	Header SinkOptions
	// Select keeps and cuts frames; nil keeps every frame.
	Select *Selector
	// Rewrite, when not nil, changes each frame kept before it is written.
	Rewrite func(*Frame)
	// CustomBlocks copies the inputs' copyable pcapng Custom Blocks, as
	// editcap does.
	CustomBlocks bool
	// Damaged is Merger.Damaged: called once for an input that cannot be
	// read to its end (its frames before the damage are written).
	Damaged func(input int, err error)
}

// Write writes the capture to w through a buffer of capture.BufferSize,
// flushed at the end. Its error is the output's or a filter's; a damaged
// input goes to Damaged instead.
func (c *Copy) Write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, capture.BufferSize)
	m := NewMerger(c.Inputs, c.Append)
	m.Damaged = c.Damaged
	sink := NewSink(bw, c.Header)
	var cbErr error
	if c.CustomBlocks {
		for _, in := range c.Inputs {
			r := in.R
			copyBlock := func(block []byte) {
				if cbErr == nil {
					cbErr = sink.WriteCustomBlock(block, r.BigEndian())
				}
			}
			for _, block := range r.EarlyCustomBlocks() {
				copyBlock(block)
			}
			r.CustomBlock = copyBlock
		}
	}
	err := c.frames(m, sink)
	if err == nil {
		err = cbErr
	}
	if err == nil {
		err = sink.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	return err
}

// ErrNotKept is WriteFile's error when its keep said no: the output was
// written whole and removed, on purpose.
var ErrNotKept = errors.New("not kept")

// WriteFile writes the capture to the file output through capture.Create
// (standard output for "-"): never onto one of inputs, whatever link
// names it, and removed on failure. keep, when not nil, is asked once all
// is written whether the file stays (false: ErrNotKept). Its errors name
// the cause, not the file.
func (c *Copy) WriteFile(output string, inputs []string, stdout io.Writer, keep func() bool) error {
	out, err := capture.Create(output, capture.CreateOptions{Inputs: inputs, Stdout: stdout})
	if err != nil {
		return err
	}
	defer out.Abort() // half a file would pass for a whole one
	if err := c.Write(out); err != nil {
		return err
	}
	if keep != nil && !keep() {
		return ErrNotKept
	}
	return out.Commit()
}

// frames copies the frames that Select keeps, rewritten.
func (c *Copy) frames(m *Merger, sink *Sink) error {
	for {
		f, err := m.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if c.Select != nil {
			keep, done, err := c.Select.Keep(f)
			if err != nil {
				return err
			}
			if done {
				return nil
			}
			if !keep {
				continue
			}
		}
		if c.Rewrite != nil {
			c.Rewrite(f)
		}
		if err := sink.Write(f); err != nil {
			return err
		}
	}
}

// NewCopySelector is NewSelector for the inputs of a copy: a filter
// compiled for each input's byte order of null/loopback headers.
func NewCopySelector(opt Options, inputs []Input) (*Selector, error) {
	return NewSelector(opt, func(i int) bool { return filter.FileOptions(inputs[i].R).Swapped })
}
