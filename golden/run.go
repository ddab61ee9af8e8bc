package golden

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Check runs the selected cases of m, in parallel, and compares each
// output with its golden. Results are in manifest order (in opt.Only's
// order when it is set). The error is for the run as a whole (a name in
// opt.Only that m does not have); failures of cases are in the results.
func Check(ctx context.Context, m *Manifest, opt Options) ([]Result, error) {
	cases, err := m.selectCases(opt.Only)
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(cases))
	forEach(ctx, len(cases), opt.Parallel, func(i int, s *scratch) {
		results[i] = runCase(ctx, m, cases[i], opt, s)
	}, func(i int, err error) { results[i] = Result{Case: cases[i], Err: err} })
	return results, nil
}

// runCase runs one case with its decoder: its program, or turtle's.
func runCase(ctx context.Context, m *Manifest, c *Case, opt Options, s *scratch) Result {
	if c.Skip != "" {
		return Result{Case: c, Skip: c.Skip}
	}
	p := opt.program(c)
	if p != nil && opt.Containers {
		return Result{Case: c, Err: errors.New("--containers re-encodes captures for turtle's decoder: not for a program's case")}
	}
	if err := ctx.Err(); err != nil {
		return Result{Case: c, Err: err}
	}
	if err := m.checkPaths(c, opt); err != nil {
		return Result{Case: c, Err: err}
	}
	if p != nil {
		return runProgram(ctx, m, c, p, opt, s.keep)
	}
	return run(ctx, m, c, opt, s)
}

// Update runs the selected cases of m and rewrites the goldens whose text
// changed. A result with Updated set has the golden's old text as its
// difference, so the change can be reviewed; a case whose capture does not
// read as declared fails and its golden is left alone. Each case's text
// streams to a temporary file beside its golden, renamed over the golden
// when it differs, so memory stays flat and a golden that is a symbolic
// link is replaced, never written through.
func Update(ctx context.Context, m *Manifest, opt Options) ([]Result, error) {
	cases, err := m.selectCases(opt.Only)
	if err != nil {
		return nil, err
	}
	opt.Containers = false
	results := make([]Result, len(cases))
	temps := make([]string, len(cases))
	sums := make([][sha256.Size]byte, len(cases))
	forEach(ctx, len(cases), opt.Parallel, func(i int, s *scratch) {
		c := cases[i]
		if c.Skip != "" {
			results[i] = Result{Case: c, Skip: c.Skip}
			return
		}
		if err := m.checkPaths(c, opt); err != nil {
			results[i] = Result{Case: c, Err: err}
			return
		}
		if opt.program(c) == nil {
			// turtle writes only its own text: a golden of a format it
			// does not have is another decoder's, which only that decoder
			// may rewrite.
			if _, err := opt.newFormat(c.Format); err != nil {
				results[i] = Result{Case: c, Err: fmt.Errorf("%w: %s is not turtle's text but another decoder's; "+
					"update it with that decoder (--run 'CMD {}', or a !run line in the manifest); %s is left alone", err, c.Golden, c.Golden)}
				return
			}
		}
		path := m.Resolve(c.Golden)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			results[i] = Result{Case: c, Err: fmt.Errorf("write golden: %w", err)}
			return
		}
		tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
		if err != nil {
			results[i] = Result{Case: c, Err: fmt.Errorf("write golden: %w", err)}
			return
		}
		temps[i] = tmp.Name() // removed unless renamed, even after a panic
		defer tmp.Close()
		h := sha256.New()
		bw := bufio.NewWriterSize(io.MultiWriter(tmp, h), 64<<10)
		s.keep = bw
		results[i] = runCase(ctx, m, c, opt, s)
		s.keep = nil
		err = bw.Flush()
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil && results[i].Err == nil {
			results[i].Err = fmt.Errorf("write golden: %w", err)
		}
		h.Sum(sums[i][:0])
	}, func(i int, err error) { results[i] = Result{Case: cases[i], Err: err} })
	// Rename in manifest order, so that two cases sharing a golden are
	// caught rather than raced.
	written := make(map[string]int)
	for i := range results {
		r := &results[i]
		tmp := temps[i]
		if tmp == "" {
			continue
		}
		rename := false
		func() {
			if r.Err != nil {
				return
			}
			path := filepath.Clean(m.Resolve(r.Case.Golden))
			if j, ok := written[path]; ok {
				if sums[j] != sums[i] {
					r.Err = fmt.Errorf("golden %s is shared with case %s, whose text differs", r.Case.Golden, cases[j].Name)
				}
				return
			}
			written[path] = i
			if len(r.Diffs) == 0 {
				return
			}
			if err := replaceGolden(tmp, path); err != nil {
				r.Err = err
				return
			}
			rename, r.Updated = true, true
		}()
		if !rename {
			os.Remove(tmp)
		}
	}
	return results, nil
}

func (m *Manifest) selectCases(only []string) ([]*Case, error) {
	if len(only) == 0 {
		return m.Cases, nil
	}
	var cases []*Case
	for _, name := range only {
		c := m.Case(name)
		if c == nil {
			return nil, fmt.Errorf("%s: no case named %q", m.Path, name)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// scratch is one worker's reusable memory.
type scratch struct {
	keep io.Writer    // where Update keeps the case's text; nil otherwise
	text bytes.Buffer // a container's text
	file bytes.Buffer // a re-encoded capture
}

// forEach calls f for 0..n-1 on parallel workers (GOMAXPROCS when
// parallel is 0), each with its own scratch; it stops handing out work
// once ctx is done.
func forEach(ctx context.Context, n, parallel int, f func(i int, s *scratch), onPanic func(i int, err error)) {
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	parallel = min(parallel, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s scratch
			for i := range next {
				call(f, onPanic, i, &s)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// call runs f(i, s), turning a panic (a decoder's bug, in a format of the
// caller's own or in turtle's) into the case's failure, so that the other
// cases run on and the report names the case that panicked.
func call(f func(i int, s *scratch), onPanic func(i int, err error), i int, s *scratch) {
	defer func() {
		if v := recover(); v != nil {
			onPanic(i, fmt.Errorf("panic (a bug in the decoder): %v\n%s", v, debug.Stack()))
		}
	}()
	f(i, s)
}

// Run runs one case of m: it prints the capture with the case's options,
// checks that the read ends as the case declares, compares the text with
// the golden and, with opt.Containers, each container with the original.
func Run(ctx context.Context, m *Manifest, c *Case, opt Options) Result {
	return runCase(ctx, m, c, opt, new(scratch))
}

// run is Run with a worker's scratch, for turtle's decoder, once runCase
// has checked the context and the paths. The text is compared with the golden
// as it is printed (and copied to s.keep when set), never held whole.
func run(ctx context.Context, m *Manifest, c *Case, opt Options, s *scratch) Result {
	r := Result{Case: c}
	format, err := opt.newFormat(c.Format)
	if err != nil {
		r.Err = err
		return r
	}
	fr := opt.framing(c.Format)
	gf, err := inputfile.Open(m.Resolve(c.Golden))
	missing := errors.Is(err, os.ErrNotExist)
	if err != nil && !missing {
		r.Err = fmt.Errorf("read golden: %w", err)
		return r
	}
	var golden io.Reader
	if gf != nil {
		defer gf.Close()
		golden = gf
	}
	cmp := newStreamCompare("golden", fr, golden)
	var out io.Writer = cmp
	if s.keep != nil {
		out = io.MultiWriter(cmp, s.keep)
	}
	var rec *recorder
	p := &decode.Printer{Format: format, W: out}
	readErr := func() error {
		f, err := inputfile.Open(m.Resolve(c.Capture))
		if err != nil {
			return &openError{err}
		}
		defer f.Close()
		copt := capture.Options{Filter: c.Filter}
		if opt.Containers {
			copt.Tap = func(pr *pcapio.Reader) pcapio.Source {
				rec = &recorder{src: pr}
				return rec
			}
		}
		src, err := capture.NewSource(f, copt)
		if err != nil {
			return err
		}
		err = p.Copy(src, c.Count)
		if errors.Is(err, decode.ErrLimit) {
			return nil
		}
		return err
	}()
	r.Frames = p.Frames()
	if err := checkReadErr(c, readErr); err != nil {
		r.Err = err
		return r
	}
	d, err := cmp.finish()
	if err != nil {
		r.Err = fmt.Errorf("read golden: %w", err)
		return r
	}
	if missing && d == nil { // an empty output still needs its (empty) golden
		d = &Diff{Against: "golden", Unit: fr.Unit, Index: 1}
	}
	if d != nil {
		if missing {
			d.Hint = c.Golden + " does not exist: " + opt.updateHint(c) + " writes it"
		}
		r.Diffs = append(r.Diffs, d)
	}
	if opt.Containers && rec != nil {
		checkContainers(&r, opt, format, fr, m.Resolve(c.Capture), rec.n, s)
	}
	return r
}

// openError marks a capture that could not be opened: a broken manifest,
// never the damage a case may expect.
type openError struct{ err error }

func (e *openError) Error() string { return e.err.Error() }
func (e *openError) Unwrap() error { return e.err }

// checkReadErr holds the read's outcome against the case's --expect-error.
func checkReadErr(c *Case, err error) error {
	var oe *openError
	var we *decode.WriteError
	switch {
	case errors.As(err, &oe), errors.As(err, &we):
		return err
	case c.ExpectError == "" && err != nil:
		return fmt.Errorf("read %s: %w", c.Capture, err)
	case c.ExpectError != "" && err == nil:
		return fmt.Errorf("read %s: want an error containing %q, the capture read cleanly", c.Capture, c.ExpectError)
	case c.ExpectError != "" && !strings.Contains(err.Error(), c.ExpectError):
		return fmt.Errorf("read %s: %w; want an error containing %q", c.Capture, err, c.ExpectError)
	}
	return nil
}

// recorder counts the packets a Printer reads from src, so that the
// containers check re-encodes exactly those.
type recorder struct {
	src pcapio.Source
	n   int
}

func (r *recorder) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	data, ci, err := r.src.ZeroCopyReadPacketData()
	if err == nil {
		r.n++
	}
	return data, ci, err
}
