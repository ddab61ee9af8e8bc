package golden

import (
	"context"
	"fmt"
	"os"
)

// CasePaths returns the capture and golden paths of a new case NAME as a
// manifest line writes them (relative to m's folder): capture, and golden
// or, when it is "", golden/NAME.golden beside the manifest. It refuses a
// name m already has.
func (m *Manifest) CasePaths(name, capture, golden string) (captureRel, goldenRel string, err error) {
	if c := m.Case(name); c != nil {
		return "", "", fmt.Errorf("%s: case %q already exists", c.Where, name)
	}
	if captureRel, err = m.Rel(capture); err != nil {
		return "", "", err
	}
	goldenRel = "golden/" + name + ".golden"
	if golden != "" {
		if goldenRel, err = m.Rel(golden); err != nil {
			return "", "", err
		}
	}
	return captureRel, goldenRel, nil
}

// Add runs the new case c (made with CasePaths and NewCaseFor), whose
// capture is at capture, writes its golden and appends it to the manifest
// file of m. A capture that does not read as c declares is refused, and
// so is a golden that exists with other text.
func (m *Manifest) Add(ctx context.Context, c *Case, capture string, opt Options) (Result, error) {
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
