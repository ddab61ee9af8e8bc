// Package golden regression-tests decoders against a manifest of captures
// and the text each must produce, as tcpdump's TESTLIST does: it runs every
// case in process, compares byte for byte, and reports the first differing
// frame with a diff of that frame only. `turtle golden` is a thin command
// over it, and a decoder author calls the same runner from `go test`
// through package goldentest.
//
// It is a package of its own because it is a library with one job that no
// package below it has: decode formats frames, pcapio reads and writes
// files, and golden ties captures, formats and expected text together for
// both the command and the tests.
package golden

import (
	"fmt"
	"strings"

	"github.com/turtle-sniffer/turtle/decode"
)

// Options select the cases of a run and what is checked.
type Options struct {
	// Only names the cases to run; all when empty.
	Only []string
	// Containers also re-encodes each capture in every container of
	// Containers and checks that each gives the same text.
	Containers bool
	// Parallel is how many cases run at once; 0 means GOMAXPROCS.
	Parallel int
	// NewFormat makes a format by its --format name; nil means
	// decode.NewFormat. A caller with formats of its own passes its table.
	NewFormat func(name string) (decode.Format, error)
	// Encoders are the re-encodings Containers checks; nil means
	// DefaultContainers().
	Encoders []Container
	// Program, when set, is run for each case and its output compared
	// instead of turtle's own text (Check only; see Program).
	Program *Program
}

func (o *Options) newFormat(name string) (decode.Format, error) {
	if o.NewFormat != nil {
		return o.NewFormat(name)
	}
	return decode.NewFormat(name)
}

// Result is the outcome of one case.
type Result struct {
	Case    *Case
	Frames  int      // frames the case printed
	Err     error    // the case could not run, or its capture did not read as declared
	Diffs   []*Diff  // differences from the golden, then from each container
	Skipped []string // containers not checked, and why
	Updated bool     // Update rewrote the golden; Diffs then say what changed
}

// Failed reports whether the case failed: an error, or a difference that
// was not written to the golden.
func (r *Result) Failed() bool {
	return r.Err != nil || (len(r.Diffs) > 0 && !r.Updated)
}

// Report is the result as `turtle golden` prints it: nothing for a case
// that passed unchanged, otherwise a first line naming the case and the
// first difference, then the diff of that frame.
func (r *Result) Report() string {
	var b strings.Builder
	c := r.Case
	if r.Updated {
		d := r.Diffs[0]
		fmt.Fprintf(&b, "updated %s: %s, %s changed (%d → %d %ss)\n",
			c.Name, c.Golden, plural(d.Changed, d.Unit), d.Want, d.Got, d.Unit)
		return b.String()
	}
	if !r.Failed() {
		return ""
	}
	if r.Err != nil {
		fmt.Fprintf(&b, "FAIL %s (%s): %v\n", c.Name, c.where(), r.Err)
	}
	for _, d := range r.Diffs {
		fmt.Fprintf(&b, "FAIL %s (%s): %s %d differs", c.Name, c.where(), d.Unit, d.Index)
		if d.Against == "golden" {
			fmt.Fprintf(&b, " from %s", c.Golden)
		} else {
			fmt.Fprintf(&b, " when the capture is re-encoded as %s", d.Against)
		}
		fmt.Fprintf(&b, " (%s changed; expected %d, got %d)\n", plural(d.Changed, d.Unit), d.Want, d.Got)
		if d.Hint != "" {
			b.WriteString("hint: " + d.Hint + "\n")
		}
		b.WriteString(d.Text)
	}
	return b.String()
}

func (c *Case) where() string {
	if c.Where == "" {
		return "new case"
	}
	return c.Where
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Summary is the last line of a run: "N passed, M failed".
func Summary(results []Result) (line string, failed int) {
	for i := range results {
		if results[i].Failed() {
			failed++
		}
	}
	return fmt.Sprintf("%d passed, %d failed", len(results)-failed, failed), failed
}
