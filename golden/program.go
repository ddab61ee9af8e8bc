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
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Program is a decoder outside turtle, in any language, checked against
// the goldens instead of turtle's own decoder (`turtle golden check --run`,
// or a manifest's `!run` line): for each case it runs with its arguments
// expanded, and its standard output is compared with the golden exactly as
// turtle's text is. In each argument
//
//	{}       is the capture's path, made absolute
//	{name}   is the case's name
//	{dir}    is the manifest's folder, made absolute
//	{args}   (a whole argument) is the case's options column, one argument
//	         per field as the manifest splits it (a shell's quoting)
//
// The command runs without a shell: ParseCommand splits it into words with
// the manifest's quoting, and the path replaces "{}" inside one word, so a
// path with blanks, quotes or a leading dash reaches the program as one
// argument, unchanged. A pipeline needs a shell of its own:
// sh -c 'decoder "$1" | tr -d "\r"' sh {}.
//
// A command with {args} owns the options column: turtle does not read it
// (no -c, -f or --format of its own). Without {args}, a case with a filter
// (-f) or a count (-c) hands the program a temporary classic pcap
// (nanosecond timestamps) holding just the frames the golden covers; every
// other case hands it the capture itself. A case that expects a read error
// (the capture is damaged on purpose) does not judge the program's exit
// status, only its text.
type Program struct {
	Args      []string      // the command and its arguments (see above)
	Timeout   time.Duration // per case; 0 means DefaultProgramTimeout
	MaxOutput int64         // bytes of standard output kept per case; 0 means DefaultMaxOutput
	Env       []string      // added to turtle's environment
	// Frames says how the output splits into packets for reports; the
	// zero Rule means the case's --format when the options are turtle's,
	// lines otherwise.
	Frames Rule
	// Stderr is StderrFail to fail a case whose program writes to its
	// standard error a line StderrOK does not match, even when it exits 0.
	Stderr   StderrPolicy
	StderrOK *regexp.Regexp
}

// StderrPolicy is what a program's standard error means for its case.
type StderrPolicy int

const (
	StderrIgnore StderrPolicy = iota // shown when the case fails, never a failure itself
	StderrFail                       // a line on standard error fails the case
)

// ParseStderrPolicy parses "ignore" or "fail".
func ParseStderrPolicy(s string) (StderrPolicy, error) {
	switch s {
	case "ignore":
		return StderrIgnore, nil
	case "fail":
		return StderrFail, nil
	}
	return 0, fmt.Errorf("stderr policy %q: want fail or ignore", s)
}

// Defaults for Program's limits.
const (
	DefaultProgramTimeout = 60 * time.Second
	DefaultMaxOutput      = 64 << 20
	// stderrTail is how much of a failing program's standard error its
	// report shows (the last lines of it, and its first line).
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
	return checkCommand(line, args)
}

func checkCommand(line string, args []string) ([]string, error) {
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

// TakesArgs reports whether the command hands the program the options
// column ({args}), which then is the program's, not turtle's.
func (p *Program) TakesArgs() bool {
	return p != nil && slices.Contains(p.Args, "{args}")
}

// Command is the command line the program runs for case c of m, with
// capture as the capture's path.
func (p *Program) Command(m *Manifest, c *Case, capture string) []string {
	dir, err := filepath.Abs(m.Dir)
	if err != nil {
		dir = m.Dir
	}
	r := strings.NewReplacer("{}", capture, "{name}", c.Name, "{dir}", dir)
	var args []string
	for _, a := range p.Args {
		if a == "{args}" {
			for _, o := range c.Args {
				args = append(args, strings.ReplaceAll(o, "{dir}", dir))
			}
			continue
		}
		args = append(args, r.Replace(a))
	}
	return args
}

// outputLimit is MaxOutput, or its default.
func (p *Program) outputLimit() int64 {
	if p.MaxOutput > 0 {
		return p.MaxOutput
	}
	return DefaultMaxOutput
}

// rule is how the program's output for c splits: Frames, or c's format
// when c's options are turtle's, or lines.
func (p *Program) rule(c *Case) Rule {
	switch {
	case p.Frames.Name != "":
		return p.Frames
	case c.Format != "":
		return Rule{Name: c.Format}
	}
	return Rule{Name: "line"}
}

// runProgram runs p for one case and compares its output with the golden,
// once runCase has checked the context and the paths; keep, when set, gets
// a copy of the output (Update writes it).
func runProgram(ctx context.Context, m *Manifest, c *Case, p *Program, opt Options, keep io.Writer) Result {
	r := Result{Case: c}
	path, err := filepath.Abs(m.Resolve(c.Capture))
	if err != nil {
		r.Err = err
		return r
	}
	if f, err := inputfile.Open(path); err != nil {
		r.Err = err
		return r
	} else {
		f.Close()
	}
	if !p.TakesArgs() && (c.Filter != "" || c.Count > 0) {
		tmp, _, err := selectFrames(path, c)
		if err != nil {
			r.Err = fmt.Errorf("select the case's frames: %w", err)
			return r
		}
		defer os.Remove(tmp)
		path = tmp
	}
	// The program's output streams, but the golden it is compared with is
	// held whole: bounded by the same limit as the program's output.
	golden, err := inputfile.ReadFile(m.Resolve(c.Golden), p.outputLimit())
	missing := errors.Is(err, os.ErrNotExist)
	if err != nil && !missing {
		r.Err = fmt.Errorf("read golden: %w", err)
		return r
	}
	rule := p.rule(c)
	var (
		frames *outputCompare
		lines  *lineCompare
		out    io.Writer
		pre    = &prefix{golden: golden}
	)
	if rule.IsFormat() {
		frames = newOutputCompare(FramingOf(rule.Name), golden)
		out = io.MultiWriter(frames, pre)
	} else {
		lines = newLineCompare(rule, golden)
		out = lines
		pre = nil
	}
	if keep != nil {
		out = io.MultiWriter(out, keep)
	}
	args := p.Command(m, c, path)
	res := execProgram(ctx, p, args, out)
	var d *Diff
	var n int64
	matched := 0
	if frames != nil {
		d, r.Frames = frames.finish()
		n, matched = frames.n, pre.line
	} else {
		d = lines.finish(c.Golden)
		n, matched = lines.n, lines.matched()
		if d != nil {
			r.Frames = d.Index
		}
	}
	if missing && d != nil {
		d.Hint = c.Golden + " does not exist: " + opt.updateHint(c) + " writes it"
	} else if missing && d == nil {
		d = &Diff{Against: "golden", Unit: "line", Line: 1, Hint: c.Golden + " does not exist: " + opt.updateHint(c) + " writes it"}
	}
	prog := filepath.Base(args[0])
	failed := ""
	switch {
	case res.err != nil:
		failed = res.err.Error()
	case res.status != 0 && c.ExpectError == "":
		failed = fmt.Sprintf("%s exited with status %d", prog, res.status)
	case n == 0 && len(golden) > 0:
		failed = fmt.Sprintf("%s printed nothing (exit status %d)", prog, res.status)
	case p.Stderr == StderrFail && res.stderr.bad != "":
		failed = fmt.Sprintf("%s wrote to its standard error (--stderr fail): %s", prog, res.stderr.bad)
	}
	if failed != "" {
		var b strings.Builder
		b.WriteString(failed)
		tail := res.stderr.tail.lines(stderrTailLines)
		switch {
		case tail != "":
			b.WriteString("; its standard error ends:\n" + tail)
			if first := res.stderr.first; first != "" && !strings.Contains(tail, first) {
				b.WriteString("\n  and began:\n    " + first)
			}
		case res.err == nil:
			b.WriteString("; its standard error is empty")
		}
		diverged := (pre != nil && pre.off) || (lines != nil && lines.diverged)
		if (res.err != nil || res.status != 0) && n > 0 {
			fmt.Fprintf(&b, "\nprogress: %s printed %s matching the golden", prog, plural(matched, "line"))
			switch {
			case d == nil:
				b.WriteString(", all of it")
			case !diverged:
				b.WriteString(", then stopped")
				d = nil // the golden's rest is missing: no diff to show
			case d.Line > 0:
				fmt.Fprintf(&b, ", then differs from it at line %d (below)", d.Line)
			default:
				fmt.Fprintf(&b, ", then differs from it in %s %d (below)", d.Unit, d.Index)
			}
		} else if res.err != nil && !diverged || n == 0 {
			d = nil // nothing printed, or nothing that differs
		}
		r.Err = errors.New(b.String())
	}
	if d != nil {
		r.Diffs = append(r.Diffs, d)
	}
	return r
}

// prefix counts the lines of the output that equal the golden's first
// lines, however the output arrives.
type prefix struct {
	golden []byte
	pos    int
	line   int
	off    bool
}

func (p *prefix) Write(b []byte) (int, error) {
	for _, c := range b {
		if p.off || p.pos >= len(p.golden) || p.golden[p.pos] != c {
			p.off = true
			break
		}
		p.pos++
		if c == '\n' {
			p.line++
		}
	}
	return len(b), nil
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

// execResult is how a program's run ended.
type execResult struct {
	status int        // exit status
	stderr *stderrLog // what it wrote to standard error
	err    error      // it could not start, ran out of time, printed too much or was killed
}

// execProgram runs args (p's command, expanded) with its standard output
// into out (at most p.MaxOutput bytes); its whole process group is killed
// when it runs out of time or prints too much.
func execProgram(ctx context.Context, p *Program, args []string, out io.Writer) execResult {
	timeout, limit := p.Timeout, p.outputLimit()
	if timeout <= 0 {
		timeout = DefaultProgramTimeout
	}
	res := execResult{stderr: &stderrLog{ok: p.StderrOK}}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdin = nil // /dev/null
	killGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		res.err = err
		return res
	}
	cmd.Stderr = res.stderr
	name := filepath.Base(args[0])
	if err := cmd.Start(); err != nil {
		res.err = fmt.Errorf("run %s: %w", args[0], err)
		return res
	}
	n, copyErr := io.Copy(out, io.LimitReader(stdout, limit+1))
	tooMuch := n > limit
	if tooMuch {
		cancel() // kills the group: the program would print on
	}
	waitErr := cmd.Wait()
	res.stderr.flush()
	switch {
	case tooMuch:
		res.err = fmt.Errorf("%s printed more than %d bytes (--output-limit): stopped", name, limit)
		return res
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.err = fmt.Errorf("%s ran longer than %v (--time-limit): stopped", name, timeout)
		return res
	case ctx.Err() != nil:
		res.err = ctx.Err()
		return res
	case copyErr != nil:
		res.err = fmt.Errorf("read the output of %s: %w", name, copyErr)
		return res
	}
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		if ee.ExitCode() < 0 {
			res.err = fmt.Errorf("%s was killed (%v)", name, ee.ProcessState)
			return res
		}
		res.status = ee.ExitCode()
		return res
	}
	if waitErr != nil {
		res.err = fmt.Errorf("run %s: %w", name, waitErr)
	}
	return res
}

// stderrLog keeps what a report shows of a program's standard error: its
// first line, its last lines, and the first line that is a failure under
// --stderr fail (not blank, not matched by ok).
type stderrLog struct {
	ok    *regexp.Regexp
	tail  tailBuffer
	line  []byte // the line in progress, at most stderrLineMax bytes
	cut   bool   // the line in progress was longer
	seen  bool   // a line was seen
	first string
	bad   string
}

const stderrLineMax = 512

func (s *stderrLog) Write(p []byte) (int, error) {
	n := len(p)
	s.tail.Write(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := stderrLineMax - len(s.line); room < len(chunk) {
			s.line = append(s.line, chunk[:max(room, 0)]...)
			s.cut = true
		} else {
			s.line = append(s.line, chunk...)
		}
		if i < 0 {
			break
		}
		s.endLine()
		p = p[i+1:]
	}
	return n, nil
}

func (s *stderrLog) flush() {
	if len(s.line) > 0 {
		s.endLine()
	}
}

func (s *stderrLog) endLine() {
	l := escapeLine(strings.TrimRight(string(s.line), "\r"))
	if s.cut {
		l += "..."
	}
	s.line, s.cut = s.line[:0], false
	if strings.TrimSpace(l) == "" {
		return
	}
	if !s.seen {
		s.seen, s.first = true, l
	}
	if s.bad == "" && (s.ok == nil || !s.ok.MatchString(l)) {
		s.bad = l
	}
}

// escapeLine escapes what a terminal would act on.
func escapeLine(l string) string {
	var b strings.Builder
	for _, r := range l {
		switch {
		case r == '\t' || r >= ' ' && r != 0x7f && r != 0xfffd:
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "\\x%02x", r)
		}
	}
	return b.String()
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
		b.WriteString(escapeLine(l))
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
