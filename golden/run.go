package golden

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/filter"
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
		results[i] = run(ctx, m, cases[i], opt, s)
	})
	return results, nil
}

// Update runs the selected cases of m and rewrites the goldens whose text
// changed. A result with Updated set has the golden's old text as its
// difference, so the change can be reviewed; a case whose capture does not
// read as declared fails and its golden is left alone.
func Update(ctx context.Context, m *Manifest, opt Options) ([]Result, error) {
	cases, err := m.selectCases(opt.Only)
	if err != nil {
		return nil, err
	}
	opt.Containers = false
	opt.Program = nil // goldens are turtle's own text
	results := make([]Result, len(cases))
	outputs := make([][]byte, len(cases))
	forEach(ctx, len(cases), opt.Parallel, func(i int, s *scratch) {
		results[i] = run(ctx, m, cases[i], opt, s)
		outputs[i] = bytes.Clone(s.out.Bytes())
	})
	// Write in manifest order, so that two cases sharing a golden are
	// caught rather than raced.
	written := make(map[string]int)
	for i := range results {
		r := &results[i]
		if r.Err != nil {
			continue
		}
		path := filepath.Clean(m.Resolve(r.Case.Golden))
		if j, ok := written[path]; ok {
			if !bytes.Equal(outputs[j], outputs[i]) {
				r.Err = fmt.Errorf("golden %s is shared with case %s, whose text differs", r.Case.Golden, cases[j].Name)
			}
			continue
		}
		written[path] = i
		if len(r.Diffs) == 0 {
			continue
		}
		if err := writeGolden(path, outputs[i]); err != nil {
			r.Err = err
			continue
		}
		r.Updated = true
	}
	return results, nil
}

func writeGolden(path string, text []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write golden: %w", err)
	}
	if err := os.WriteFile(path, text, 0o644); err != nil {
		return fmt.Errorf("write golden: %w", err)
	}
	return nil
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
	out  bytes.Buffer // the case's text
	text bytes.Buffer // a container's text
	file bytes.Buffer // a re-encoded capture
}

// forEach calls f for 0..n-1 on parallel workers (GOMAXPROCS when
// parallel is 0), each with its own scratch; it stops handing out work
// once ctx is done.
func forEach(ctx context.Context, n, parallel int, f func(i int, s *scratch)) {
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
				f(i, &s)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// Run runs one case of m: it prints the capture with the case's options,
// checks that the read ends as the case declares, compares the text with
// the golden and, with opt.Containers, each container with the original.
func Run(ctx context.Context, m *Manifest, c *Case, opt Options) Result {
	return run(ctx, m, c, opt, new(scratch))
}

// run is Run with a worker's scratch; the text is left in s.out.
func run(ctx context.Context, m *Manifest, c *Case, opt Options, s *scratch) Result {
	r := Result{Case: c}
	if err := ctx.Err(); err != nil {
		r.Err = err
		return r
	}
	if opt.Program != nil {
		return runProgram(ctx, m, c, opt, s)
	}
	format, err := opt.newFormat(c.Format)
	if err != nil {
		r.Err = err
		return r
	}
	s.out.Reset()
	var rec *recorder
	p := &decode.Printer{Format: format, W: &s.out}
	readErr := func() error {
		f, err := os.Open(m.Resolve(c.Capture))
		if err != nil {
			return &openError{err}
		}
		defer f.Close()
		pr, err := pcapio.NewReader(f)
		if err != nil {
			return err
		}
		var src decode.Source = pr
		if opt.Containers {
			rec = &recorder{src: pr}
			src = rec
		}
		if c.Filter != "" {
			if src, err = filter.NewSource(src, c.Filter, pr.LinkType(), filter.FileOptions(pr)); err != nil {
				return err
			}
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

	fr := FramingOf(c.Format)
	golden, err := os.ReadFile(m.Resolve(c.Golden))
	missing := errors.Is(err, os.ErrNotExist)
	if err != nil && !missing {
		r.Err = fmt.Errorf("read golden: %w", err)
		return r
	}
	d := compare("golden", fr, golden, s.out.Bytes())
	if missing && d == nil { // an empty output still needs its (empty) golden
		d = &Diff{Against: "golden", Unit: fr.Unit, Index: 1}
	}
	if d != nil {
		if missing {
			d.Hint = c.Golden + " does not exist: 'turtle golden update --only " + c.Name + "' writes it"
		}
		r.Diffs = append(r.Diffs, d)
	}
	if opt.Containers && rec != nil {
		checkContainers(&r, opt, format, fr, rec.pkts, s)
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

// recorder keeps a copy of every packet a Printer reads from src, so that
// the containers check re-encodes exactly what was printed.
type recorder struct {
	src  decode.Source
	pkts []Packet
}

func (r *recorder) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	data, ci, err := r.src.ZeroCopyReadPacketData()
	if err == nil {
		r.pkts = append(r.pkts, Packet{Info: ci, Data: bytes.Clone(data)})
	}
	return data, ci, err
}
