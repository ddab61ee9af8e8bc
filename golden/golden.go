// Package golden regression-tests decoders against a manifest of captures
// and the text each must produce, as tcpdump's TESTLIST does: it runs every
// case in process, compares byte for byte, and reports the first differing
// frame with a diff of that frame only. `turtle golden` is a thin command
// over it, and a decoder author calls the same runner from `go test`
// through package goldentest.
//
// A case may be decoded by a program instead of turtle (Program: --run, or
// the manifest's !run lines), whose output is then compared line by line
// as diff -u compares, and reported with the packet the difference is in
// (Rule). ImportTcpdump turns tcpdump's own test suite into such a
// manifest.
//
// It is a package of its own because it is a library with one job that no
// package below it has: decode formats frames, pcapio reads and writes
// files, and golden ties captures, formats and expected text together for
// both the command and the tests.
package golden

import (
	"fmt"
	"io"
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
	// with (or, by Update, written to) the golden instead of turtle's own
	// text; it stands for the program a case names with `!run`. A manifest
	// whose options column is the program's ({args}) is parsed with
	// ParseManifestFor.
	Program *Program
	// Framing splits a format's text into frames for reports; nil means
	// FramingOf. A caller with formats of its own passes theirs.
	Framing func(format string) Framing
	// UpdateHint is the command a report names to write a missing golden,
	// "{name}" standing for the case; "" means
	// "turtle golden update --only {name}".
	UpdateHint string
	// AllowOutside lets a case name a capture or golden outside the
	// manifest's folder (see Manifest.CheckInside).
	AllowOutside bool
}

func (o *Options) framing(format string) Framing {
	if o.Framing != nil {
		return o.Framing(format)
	}
	return FramingOf(format)
}

func (o *Options) updateHint(c *Case) string {
	h := o.UpdateHint
	if h == "" {
		h = "turtle golden update --only {name}"
	}
	return "'" + strings.ReplaceAll(h, "{name}", c.Name) + "'"
}

// program is the program that decodes case c: opt.Program, the case's
// own, or nil for turtle's decoder.
func (o *Options) program(c *Case) *Program {
	if o.Program != nil {
		return o.Program
	}
	return c.Program
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
	Skip    string   // the case was not run, and why (the manifest's !skip)
}

// Failed reports whether the case failed: an error, or a difference that
// was not written to the golden.
func (r *Result) Failed() bool {
	return r.Skip == "" && (r.Err != nil || (len(r.Diffs) > 0 && !r.Updated))
}

// Report is the result as `turtle golden` prints it: nothing for a case
// that passed unchanged, otherwise a first line naming the case and the
// first difference, then the diff of that frame.
func (r *Result) Report() string {
	var b strings.Builder
	c := r.Case
	if r.Skip != "" {
		return "skip " + c.Name + ": " + r.Skip + "\n"
	}
	if r.Updated {
		d := r.Diffs[0]
		if d.Line > 0 {
			fmt.Fprintf(&b, "updated %s: %s, from line %d: %d added, %d removed\n", c.Name, c.Golden, d.Line, d.Added, d.Removed)
			return b.String()
		}
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
		if d.Line > 0 {
			d.report(&b, c, r.Err == nil)
			continue
		}
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

// report writes a line diff's report: where the output first leaves the
// golden (the packet, when the framing gives one) and the diff's first
// hunk; head is whether it is the case's first line of report.
func (d *Diff) report(b *strings.Builder, c *Case, head bool) {
	if head {
		fmt.Fprintf(b, "FAIL %s (%s): ", c.Name, c.where())
	}
	if d.Index > 0 {
		fmt.Fprintf(b, "packet %d differs from %s at line %d", d.Index, c.Golden, d.Line)
	} else {
		fmt.Fprintf(b, "line %d differs from %s", d.Line, c.Golden)
	}
	fmt.Fprintf(b, " (%s matched before it; %d added, %d removed", plural(d.Matched, "line"), d.Added, d.Removed)
	if d.Hunks > 1 {
		fmt.Fprintf(b, " in %d hunks, the first below", d.Hunks)
	}
	b.WriteString(")\n")
	if d.Hint != "" {
		b.WriteString("hint: " + d.Hint + "\n")
	}
	b.WriteString(d.Text)
}

// Summary is the last line of a run: "N passed, M failed", and ", K
// skipped" when cases were skipped.
func Summary(results []Result) (line string, failed int) {
	skipped := 0
	for i := range results {
		switch {
		case results[i].Skip != "":
			skipped++
		case results[i].Failed():
			failed++
		}
	}
	line = fmt.Sprintf("%d passed, %d failed", len(results)-failed-skipped, failed)
	if skipped > 0 {
		line += fmt.Sprintf(", %d skipped", skipped)
	}
	return line, failed
}

// WriteCheck writes the report of Check: each case's Report, a note for
// each container not checked, and the Summary line; it returns how many
// cases failed.
func WriteCheck(w io.Writer, results []Result) (failed int) {
	for i := range results {
		r := &results[i]
		io.WriteString(w, r.Report())
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "note: %s: container %s\n", r.Case.Name, s)
		}
	}
	line, failed := Summary(results)
	fmt.Fprintln(w, line)
	return failed
}

// WriteUpdate writes the report of Update: each case's Report and the
// line "N updated, M unchanged, K failed"; it returns how many failed.
func WriteUpdate(w io.Writer, results []Result) (failed int) {
	updated := 0
	for i := range results {
		r := &results[i]
		io.WriteString(w, r.Report())
		switch {
		case r.Failed():
			failed++
		case r.Updated:
			updated++
		}
	}
	fmt.Fprintf(w, "%d updated, %d unchanged, %d failed\n", updated, len(results)-updated-failed, failed)
	return failed
}
