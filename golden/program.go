package golden

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Program is a decoder outside turtle, in any language, checked against
// the goldens instead of turtle's own decoder (`turtle golden check --run`):
// for each case it runs with "{}" in its arguments replaced by the
// capture's path, and its standard output is compared with the golden
// exactly as turtle's text is.
//
// The command runs without a shell: ParseCommand splits it into words with
// the manifest's quoting, and the path replaces "{}" inside one word, so a
// path with blanks, quotes or a leading dash (it is made absolute) reaches
// the program as one argument, unchanged. A pipeline needs a shell of its
// own: sh -c 'decoder "$1" | tr -d "\r"' sh {}.
//
// A case with a filter (-f) or a count (-c) hands the program a temporary
// classic pcap (nanosecond timestamps) holding just the frames the golden
// covers; every other case hands it the capture itself. A case that
// expects a read error (the capture is damaged on purpose) does not judge
// the program's exit status, only its text.
type Program struct {
	Args      []string      // the command and its arguments; "{}" is the capture's path
	Timeout   time.Duration // per case; 0 means DefaultProgramTimeout
	MaxOutput int64         // bytes of standard output kept per case; 0 means DefaultMaxOutput
	Env       []string      // added to turtle's environment
}

// Defaults for Program's limits.
const (
	DefaultProgramTimeout = 60 * time.Second
	DefaultMaxOutput      = 64 << 20
	// stderrTail is how much of a failing program's standard error its
	// report shows (the last lines of it).
	stderrTail      = 4 << 10
	stderrTailLines = 10
)

// ParseCommand splits a command line as the manifest splits its fields
// ('...', "...", backslash) and checks that it names the capture with {}.
func ParseCommand(line string) ([]string, error) {
	args, err := splitFields(line)
	if err != nil {
		return nil, fmt.Errorf("command %q: %w", line, err)
	}
	if len(args) == 0 {
		return nil, errors.New("empty command")
	}
	for _, a := range args {
		if strings.Contains(a, "{}") {
			return args, nil
		}
	}
	return nil, fmt.Errorf("command %q has no {} for the capture's path", line)
}

// checkProgram is Check for a Program: its output stands for the text
// turtle would print.
func checkProgram(ctx context.Context, m *Manifest, cases []*Case, opt Options) []Result {
	results := make([]Result, len(cases))
	forEach(ctx, len(cases), opt.Parallel, func(i int, _ *scratch) {
		if err := ctx.Err(); err != nil {
			results[i] = Result{Case: cases[i], Err: err}
			return
		}
		results[i] = runProgram(ctx, m, cases[i], opt)
	})
	return results
}

// outputLimit is MaxOutput, or its default.
func (p *Program) outputLimit() int64 {
	if p.MaxOutput > 0 {
		return p.MaxOutput
	}
	return DefaultMaxOutput
}

// runProgram runs opt.Program for one case and compares its output.
func runProgram(ctx context.Context, m *Manifest, c *Case, opt Options) Result {
	r := Result{Case: c}
	p := opt.Program
	path, err := filepath.Abs(m.Resolve(c.Capture))
	if err != nil {
		r.Err = err
		return r
	}
	if err := m.checkPaths(c, opt); err != nil {
		r.Err = err
		return r
	}
	if f, err := inputfile.Open(path); err != nil {
		r.Err = err
		return r
	} else {
		f.Close()
	}
	if c.Filter != "" || c.Count > 0 {
		tmp, _, err := selectFrames(path, c)
		if err != nil {
			r.Err = fmt.Errorf("select the case's frames: %w", err)
			return r
		}
		defer os.Remove(tmp)
		path = tmp
	}
	fr := FramingOf(c.Format)
	// The program's output streams, but the golden it is compared with is
	// held whole: bounded by the same limit as the program's output.
	golden, err := inputfile.ReadFile(m.Resolve(c.Golden), p.outputLimit())
	if err != nil {
		r.Err = fmt.Errorf("read golden: %w", err)
		return r
	}
	out := newOutputCompare(fr, golden)
	status, tail, err := execProgram(ctx, p, path, out)
	if err != nil {
		r.Err = err
		if tail != "" {
			r.Err = fmt.Errorf("%w; its standard error ends:\n%s", err, tail)
		}
		return r
	}
	d, frames := out.finish()
	r.Frames = frames
	failed := ""
	switch {
	case status != 0 && c.ExpectError == "":
		failed = fmt.Sprintf("%s exited with status %d", p.Args[0], status)
	case out.n == 0 && len(golden) > 0:
		failed = fmt.Sprintf("%s printed nothing (exit status %d)", p.Args[0], status)
	}
	if failed != "" {
		if tail == "" {
			r.Err = fmt.Errorf("%s; its standard error is empty", failed)
		} else {
			r.Err = fmt.Errorf("%s; its standard error ends:\n%s", failed, tail)
		}
		return r
	}
	if d != nil {
		r.Diffs = append(r.Diffs, d)
	}
	return r
}

// outputCompare compares a program's output with the golden frame by
// frame as it arrives (the framing's boundaries depend only on the bytes
// around them, so a frame is complete once the next one starts), keeping
// only the frame in progress: the verdict is the one compare gives on the
// whole text. A golden with CRLF line endings, which compare reports with
// a hint that depends on the whole output, is compared whole instead (the
// output is bounded by Program.MaxOutput).
type outputCompare struct {
	fr      Framing
	want    [][]byte
	golden  []byte
	whole   *bytes.Buffer // CRLF golden: the output, compared at the end
	pending []byte        // the frame in progress
	n       int64         // bytes written
	got     int           // frames completed
	d       *Diff
}

func newOutputCompare(fr Framing, golden []byte) *outputCompare {
	s := &outputCompare{fr: fr, golden: golden}
	if bytes.Contains(golden, []byte("\r\n")) {
		s.whole = new(bytes.Buffer)
	} else {
		s.want = fr.pieces(golden)
	}
	return s
}

func (s *outputCompare) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.whole != nil {
		return s.whole.Write(p)
	}
	s.pending = append(s.pending, p...)
	starts := s.fr.Split(s.pending)
	for k := 0; k+1 < len(starts); k++ {
		s.frame(s.pending[starts[k]:starts[k+1]])
	}
	s.pending = append(s.pending[:0], s.pending[starts[len(starts)-1]:]...)
	return len(p), nil
}

// frame compares the next complete frame of the output.
func (s *outputCompare) frame(got []byte) {
	i := s.got
	s.got++
	var want []byte
	if i < len(s.want) {
		want = s.want[i]
		if bytes.Equal(want, got) {
			return
		}
	}
	s.differs(i, want, got)
}

func (s *outputCompare) differs(i int, want, got []byte) {
	if s.d == nil {
		s.d = &Diff{Against: "golden", Unit: s.fr.Unit, Index: i + 1,
			Text: unifiedDiff("golden", s.fr.Unit, i+1, want, got)}
	}
	s.d.Changed++
}

// finish ends the output and returns the difference (nil when the output
// is the golden byte for byte) and the frames the output held.
func (s *outputCompare) finish() (*Diff, int) {
	if s.whole != nil {
		return compare("golden", s.fr, s.golden, s.whole.Bytes()), len(s.fr.pieces(s.whole.Bytes()))
	}
	if len(s.pending) > 0 {
		s.frame(s.pending)
		s.pending = s.pending[:0]
	}
	for i := s.got; i < len(s.want); i++ {
		s.differs(i, s.want[i], nil)
	}
	if s.d != nil {
		s.d.Want, s.d.Got = len(s.want), s.got
	}
	return s.d, s.got
}

// execProgram runs p with {} replaced by path, its standard output into
// out (at most p.MaxOutput bytes). It returns the exit status, the tail of
// standard error, and an error when the program could not start, ran out
// of time or printed too much; its whole process group is killed then.
func execProgram(ctx context.Context, p *Program, path string, out io.Writer) (status int, tail string, err error) {
	timeout, limit := p.Timeout, p.outputLimit()
	if timeout <= 0 {
		timeout = DefaultProgramTimeout
	}
	args := make([]string, len(p.Args))
	for i, a := range p.Args {
		args[i] = strings.ReplaceAll(a, "{}", path)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdin = nil // /dev/null
	killGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, "", err
	}
	var errTail tailBuffer
	cmd.Stderr = &errTail
	if err := cmd.Start(); err != nil {
		return 0, "", fmt.Errorf("run %s: %w", args[0], err)
	}
	n, copyErr := io.Copy(out, io.LimitReader(stdout, limit+1))
	tooMuch := n > limit
	if tooMuch {
		cancel() // kills the group: the program would print on
	}
	waitErr := cmd.Wait()
	tail = errTail.lines(stderrTailLines)
	switch {
	case tooMuch:
		return 0, tail, fmt.Errorf("%s printed more than %d bytes (--output-limit): stopped", args[0], limit)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return 0, tail, fmt.Errorf("%s ran longer than %v (--time-limit): stopped", args[0], timeout)
	case ctx.Err() != nil:
		return 0, tail, ctx.Err()
	case copyErr != nil:
		return 0, tail, fmt.Errorf("read the output of %s: %w", args[0], copyErr)
	}
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		if ee.ExitCode() < 0 {
			return 0, tail, fmt.Errorf("%s was killed (%v)", args[0], ee.ProcessState)
		}
		return ee.ExitCode(), tail, nil
	}
	if waitErr != nil {
		return 0, tail, fmt.Errorf("run %s: %w", args[0], waitErr)
	}
	return 0, tail, nil
}

// tailBuffer keeps the last stderrTail bytes written to it.
type tailBuffer struct {
	b   []byte
	cut bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - stderrTail; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
		t.cut = true
	}
	return len(p), nil
}

// lines is the last n lines, indented, escaped as turtle escapes what a
// program prints (no raw control bytes to the terminal).
func (t *tailBuffer) lines(n int) string {
	text := strings.TrimRight(string(t.b), "\n")
	if text == "" {
		return ""
	}
	ls := strings.Split(text, "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	} else if t.cut {
		ls = ls[1:] // the first line is cut
	}
	var b strings.Builder
	for _, l := range ls {
		b.WriteString("    ")
		for _, r := range l {
			switch {
			case r == '\t' || r >= ' ' && r != 0x7f && r != 0xfffd:
				b.WriteRune(r)
			default:
				fmt.Fprintf(&b, "\\x%02x", r)
			}
		}
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

// selectFrames writes the frames of case c (after its filter and count)
// into a temporary classic pcap and returns its path and frame count.
func selectFrames(path string, c *Case) (string, int, error) {
	in, err := inputfile.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	src, err := capture.NewSource(in, capture.Options{Filter: c.Filter})
	if err != nil {
		return "", 0, err
	}
	rd := src.Reader()
	f, err := os.CreateTemp("", "turtle-golden-*.pcap")
	if err != nil {
		return "", 0, err
	}
	w, err := pcapio.NewPcapWriter(f, pcapio.PcapOptions{LinkType: rd.LinkType(), Nanosecond: true})
	n := 0
	for err == nil && (c.Count == 0 || n < c.Count) {
		var (
			data []byte
			ci   pcapio.CaptureInfo
		)
		data, ci, err = src.ZeroCopyReadPacketData()
		if err != nil {
			break
		}
		if ci.LinkType != rd.LinkType() {
			err = fmt.Errorf("frame %d: link type %d in a capture of link type %d: a classic pcap holds one", n+1, ci.LinkType, rd.LinkType())
			break
		}
		err = w.WritePacket(ci, data)
		n++
	}
	if err == io.EOF || err == nil || c.ExpectError != "" && err != nil && strings.Contains(err.Error(), c.ExpectError) {
		err = nil
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", 0, err
	}
	return f.Name(), n, nil
}
