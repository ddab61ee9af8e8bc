// Package capture is the one way turtle opens a capture file to read its
// frames and creates one to write them: every command (read, follow,
// draw, edit, split, anonymize, replay, grade, golden) goes through it, so
// that what is refused, how standard input is named and how an output is
// kept off its inputs is decided in one place.
//
// Open refuses what is not a file before it opens it (a folder, a device
// such as /dev/zero that never ends, a socket, a named pipe that would
// hang the command until some writer came; internal/inputfile words the
// refusal), reads standard input for "-", recognises the container
// (pcapio.NewReader) and, with a filter, compiles the tcpdump expression
// for the file's link type so that a bad one is refused before a frame
// is read. A pcapng file that mixes link types gets the expression
// compiled once per link type (filter.Source).
//
// Create writes through outfile, the one writer of turtle's files: a
// temporary file in the output's folder that is renamed over the output
// only when complete (Commit), so a failure never leaves half a file that
// would pass for a whole one, never through a link planted in a folder
// someone else controls, and never onto an output that is one of the
// inputs (os.SameFile, so a link or another spelling of the input is
// caught too): writing there would truncate the input before it is read.
//
// It is a package of its own because the job sits between pcapio (which
// reads any io.Reader and knows nothing of names) and filter (which knows
// nothing of files), and the commands share no other home below them.
// Its errors name the cause, not the file: every caller already prefixes
// the file's name, as "turtle read: a.pcap: is a directory, not a file".
package capture

import (
	"io"
	"os"

	"github.com/turtle-sniffer/turtle/filter"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/internal/outfile"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// MaxSnaplen is the largest snapshot length turtle reads, writes or
// filters for: libpcap's MAXIMUM_SNAPLEN, which is also the largest
// captured length pcapio accepts in a record.
const MaxSnaplen = pcapio.MaxSnaplen

// BufferSize is the size of the buffered writer in front of an output
// file (and of pcapio's read window): large enough that a frame is rarely
// split between two system calls.
const BufferSize = 256 << 10

// Stdin is the name that stands for standard input.
const Stdin = "-"

// Options say how a capture is read. The zero value reads every frame.
type Options struct {
	// Filter is a tcpdump expression; only matching frames are read.
	Filter string
	// Tap, if set, wraps the frames as read, before the filter (to count
	// or record them).
	Tap func(*pcapio.Reader) pcapio.Source
	// Progress, if not nil, draws a progress line while the file is
	// read, cleared by Progress.End.
	Progress *Progress
	// Mapped maps a big regular file rather than reading it
	// (pcapio.NewMappedReader): for a reader that recovers from the fault
	// of a file cut shorter while it is read, as decode.Printer does.
	Mapped bool
}

// Source is an open capture: its frames (filtered when asked), its
// reader's header information and the file to close.
type Source struct {
	// Name is the name it was opened by ("-" for standard input).
	Name string
	r    *pcapio.Reader
	src  pcapio.Source
	file *os.File // nil for standard input and readers
}

// OpenFile opens name for reading as a capture is opened, without reading
// it: standard input for "-" (never closed), otherwise a regular file or
// an anonymous pipe (a shell's <(zcat a.pcap.gz)). The error says what
// the name is instead, without the name.
func OpenFile(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == Stdin {
		return io.NopCloser(stdin), nil
	}
	f, err := inputfile.Open(name)
	if err != nil {
		return nil, unwrapPath(err)
	}
	return f, nil
}

// Open opens the capture called name ("-": stdin) and reads its header.
func Open(name string, stdin io.Reader, opts Options) (*Source, error) {
	in, err := OpenFile(name, stdin)
	if err != nil {
		return nil, err
	}
	var raw io.Reader = in
	if name == Stdin {
		raw = stdin // as it is: a redirected file still has a size
	}
	s, err := newSource(raw, name, opts)
	if err != nil {
		in.Close()
		return nil, err
	}
	s.Name = name
	if f, ok := in.(*os.File); ok {
		s.file = f
	}
	return s, nil
}

// NewSource reads a capture from r (a file already open, a zip member, a
// capture in memory). Closing the Source does not close r.
func NewSource(r io.Reader, opts Options) (*Source, error) { return newSource(r, "", opts) }

func newSource(r io.Reader, name string, opts Options) (*Source, error) {
	in := r
	if opts.Progress != nil {
		in = opts.Progress.begin(name, r)
	}
	newReader := pcapio.NewReader
	if opts.Mapped {
		newReader = pcapio.NewMappedReader
	}
	pr, err := newReader(in)
	if err != nil {
		return nil, err
	}
	s := &Source{r: pr, src: pr}
	if opts.Tap != nil {
		s.src = opts.Tap(pr)
	}
	if p := opts.Progress; p != nil {
		p.r, s.src = pr, &countingSource{src: s.src, p: p}
	}
	if opts.Filter != "" {
		if s.src, err = filter.NewSource(s.src, opts.Filter, pr.LinkType(), filter.FileOptions(pr)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ZeroCopyReadPacketData returns the next frame (the next matching one
// with a filter); the data is valid until the next call.
func (s *Source) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	return s.src.ZeroCopyReadPacketData()
}

// Pin keeps data, the frame just returned, readable past the next read
// when the file is mapped (see pcapio.Reader.Pin), or returns nil.
func (s *Source) Pin(data []byte) *pcapio.Window { return s.r.Pin(data) }

// PinRun takes the next run of records when the file is mapped and
// nothing stands between the reader and the caller but a progress line
// (see pcapio.Reader.PinRun); with a filter or a tap it takes none, so
// that every frame goes through them.
func (s *Source) PinRun(lens []uint32, maxFrames, maxBytes int) (pcapio.Run, *pcapio.Window) {
	switch src := s.src.(type) {
	case *pcapio.Reader:
		return src.PinRun(lens, maxFrames, maxBytes)
	case *countingSource:
		if src.src == pcapio.Source(s.r) {
			run, w := s.r.PinRun(lens, maxFrames, maxBytes)
			src.count(run.Len())
			return run, w
		}
	}
	return pcapio.Run{}, nil
}

// Reader is the capture's reader: its format, byte order, interfaces.
func (s *Source) Reader() *pcapio.Reader { return s.r }

// LinkType is the link type of the capture's first interface.
func (s *Source) LinkType() pcapio.LinkType { return s.r.LinkType() }

// Size is the size of the file in bytes, 0 when unknown (a pipe, stdin).
func (s *Source) Size() int64 {
	if s.file == nil {
		return 0
	}
	return FileSize(s.file)
}

// FileSize is the size of r in bytes when it is a regular file, 0
// otherwise (a pipe, a terminal, a reader in memory).
func FileSize(r io.Reader) int64 {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

// DisplayName is how a message names the capture name: standard input is
// Stdin ("-") on a command line and "standard input" in messages.
func DisplayName(name string) string {
	if name == Stdin {
		return "standard input"
	}
	return name
}

// Close closes the file (never standard input).
func (s *Source) Close() error {
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}

// CheckFilter refuses, before any file is read, an expression that no link
// type turtle decodes accepts (a syntax error, an unknown name). Whether
// it fits each file's own link type is checked when the file is opened.
func CheckFilter(expr string) error {
	if expr == "" {
		return nil
	}
	var first error
	for _, lt := range []pcapio.LinkType{pcapio.LinkTypeEthernet, pcapio.LinkTypeLinuxSLL2,
		pcapio.LinkTypeLinuxSLL, pcapio.LinkTypeRaw, pcapio.LinkTypeNull} {
		_, err := filter.New(expr, lt, MaxSnaplen)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// unwrapPath drops the "open NAME:" that os adds, since the caller names
// the file already.
func unwrapPath(err error) error { return inputfile.Cause(err) }

// ErrOntoInput is the cause when an output is one of the inputs.
var ErrOntoInput = outfile.ErrOntoInput

// CreateOptions say what an output must not overwrite.
type CreateOptions struct {
	// Inputs are the names of the files read to write this output ("-"
	// and names that do not exist are skipped).
	Inputs []string
	// Stdout is written for the output "-"; without it "-" is a file
	// of that name.
	Stdout io.Writer
}

// Output is a file being written: Write to it, then Commit to put it in
// place, or Abort (after Commit, Abort does nothing, so `defer Abort()`
// is the way to clean up on every error path).
type Output struct {
	// Name is the output's name as given.
	Name string
	w    io.Writer
	file *outfile.File // nil for standard output
}

// Create opens path for writing ("-": o.Stdout) through outfile.Create:
// it refuses a path that is one of o.Inputs (the same file by
// os.SameFile, whatever the spelling or link), a folder, and a folder
// someone else controls; the data goes to a temporary file beside path
// until Commit; a device or a pipe is written in place.
func Create(path string, o CreateOptions) (*Output, error) {
	if path == Stdin && o.Stdout != nil {
		return &Output{Name: path, w: o.Stdout}, nil
	}
	f, err := outfile.Create(path, outfile.Options{Inputs: o.Inputs})
	if err != nil {
		return nil, err
	}
	return &Output{Name: path, w: f, file: f}, nil
}

// CheckOutput refuses an output path that is one of the inputs, or that
// is a folder. A path that does not exist is fine.
func CheckOutput(path string, inputs []string) error { return outfile.CheckOutput(path, inputs) }

// Write writes to the output.
func (o *Output) Write(b []byte) (int, error) { return o.w.Write(b) }

// Commit puts the output in place (outfile.File.Commit); on an error the
// temporary file is removed and the output left as it was.
func (o *Output) Commit() error {
	if o.file == nil {
		return nil
	}
	return o.file.Commit()
}

// Abort removes the temporary file, unless Commit ran.
func (o *Output) Abort() {
	if o.file != nil {
		o.file.Abort()
	}
}
