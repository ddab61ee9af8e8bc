package golden

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// NewCaseError is a case that cannot be added as asked: its name or its
// read options are wrong (a usage error, where the others are failures).
type NewCaseError struct{ Err error }

func (e *NewCaseError) Error() string { return e.Err.Error() }
func (e *NewCaseError) Unwrap() error { return e.Err }

// Added is a case AddCase added.
type Added struct {
	Manifest *Manifest
	Case     *Case
	Result   // of writing its golden
}

// Write reports the added case on w in one line: the lines of p's output
// in its golden when p (the --run program) decoded it, else its frames.
func (a Added) Write(w io.Writer, p *Program) error {
	if p != nil {
		text, _ := os.ReadFile(a.Manifest.Resolve(a.Case.Golden))
		_, err := fmt.Fprintf(w, "added %s to %s: %d lines of %s's output in %s\n", a.Case.Name, a.Manifest.Path,
			bytes.Count(text, []byte("\n")), filepath.Base(p.Args[0]), a.Case.Golden)
		return err
	}
	_, err := fmt.Fprintf(w, "added %s to %s: %d frames in %s\n", a.Case.Name, a.Manifest.Path, a.Frames, a.Case.Golden)
	return err
}

// AddCase appends the case name to the manifest at path (created if
// missing): the capture at capture (a path usable from here) read with
// args, or decoded by p when p is not nil, and its golden written at
// golden, or golden/NAME.golden beside the manifest when golden is "".
// Paths are written relative to the manifest. A name already taken, a
// capture that does not read as args declare and a golden that exists
// with other text are refused.
func AddCase(ctx context.Context, path, name, capture, golden string, args []string, p *Program, opt Options) (Added, error) {
	m, err := ParseManifest(path)
	if errors.Is(err, os.ErrNotExist) {
		m, err = ParseManifestData(path, nil)
	}
	if err != nil {
		return Added{}, err
	}
	if c := m.Case(name); c != nil {
		return Added{}, fmt.Errorf("%s: case %q already exists", c.Where, name)
	}
	captureRel, err := m.Rel(capture)
	if err != nil {
		return Added{}, err
	}
	goldenRel := "golden/" + name + ".golden"
	if golden != "" {
		if goldenRel, err = m.Rel(golden); err != nil {
			return Added{}, err
		}
	}
	c, err := NewCaseFor(name, captureRel, goldenRel, args, p)
	if err != nil {
		return Added{}, &NewCaseError{err}
	}
	res, err := m.add(ctx, c, capture, opt)
	return Added{Manifest: m, Case: c, Result: res}, err
}

// add runs the new case c, writes its golden and appends c to the
// manifest file.
func (m *Manifest) add(ctx context.Context, c *Case, capture string, opt Options) (Result, error) {
	if _, err := os.Stat(capture); err != nil {
		return Result{}, fmt.Errorf("capture: %w", err)
	}
	one := &Manifest{Path: m.Path, Dir: m.Dir, Cases: []*Case{c}}
	if r := Run(ctx, one, c, opt); r.Err != nil {
		return Result{}, r.Err
	} else if _, err := os.Stat(m.Resolve(c.Golden)); err == nil && len(r.Diffs) > 0 {
		return Result{}, fmt.Errorf("%s exists with other text: choose another with --golden", c.Golden)
	}
	results, err := Update(ctx, one, opt)
	if err != nil {
		return Result{}, err
	}
	if results[0].Err != nil {
		return Result{}, results[0].Err
	}
	if err := Append(m.Path, c); err != nil {
		return Result{}, err
	}
	return results[0], nil
}
