package grade

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/internal/outfile"
	"github.com/turtle-sniffer/turtle/internal/termsafe"
)

// Outputs are the files a grading run writes besides its table, each
// through package outfile (root's writes never follow a planted link); an
// empty path is a file not asked for. `turtle grade`'s --csv, --json,
// --moodle, --canvas, --assignment, --feedback and --gradescope.
type Outputs struct {
	CSV, JSON  string
	Moodle     string    // Moodle's grading worksheet (WriteMoodle)
	Canvas     string    // a Canvas gradebook (WriteCanvas)
	Assignment string    // the Canvas column; "" is the lab's title
	Feedback   string    // a folder: STUDENT.md per student (WriteFeedback)
	Gradescope string    // a folder: STUDENT/results.json; with Single, one results.json
	Single     bool      // Gradescope is one file, for one student
	From       string    // where the LMS ids came from: CollectOptions.From
	Autolab    io.Writer // where Autolab's {"scores": ...} line goes (one student); nil for none
}

// Check returns a usage error (*FlagError) when the outputs cannot be
// written for nsubs students, and sets Single when Gradescope is a .json
// file.
func (o *Outputs) Check(nsubs int) error {
	o.Single = strings.HasSuffix(o.Gradescope, ".json")
	if o.Autolab != nil && nsubs != 1 {
		return &FlagError{"", fmt.Errorf("--autolab grades one student; %d given", nsubs)}
	}
	if o.Single && nsubs != 1 {
		return &FlagError{"", fmt.Errorf("--gradescope %s is one file for one student; %d given (give a directory)", o.Gradescope, nsubs)}
	}
	return nil
}

// Write writes every output asked for and returns, in order, what the
// instructor should read: a file that could not be written (then ok is
// false; the others are still written), students left out of an LMS
// file, a Canvas column Canvas will not match.
func (o Outputs) Write(r *Rubric, results []Result) (msgs []string, ok bool) {
	ok = true
	fail := func(err error) {
		msgs = append(msgs, err.Error())
		ok = false
	}
	if o.CSV != "" {
		if err := writeFileWith(o.CSV, func(w io.Writer) error { return WriteCSV(w, r, results) }); err != nil {
			fail(err)
		}
	}
	if o.JSON != "" {
		if err := writeFileWith(o.JSON, func(w io.Writer) error { return WriteJSON(w, r, results) }); err != nil {
			fail(err)
		}
	}
	msgs = append(msgs, o.canvasWarnings(r)...)
	for _, lms := range []struct {
		file  string
		write func(io.Writer) ([]string, error)
	}{
		{o.Moodle, func(w io.Writer) ([]string, error) { return WriteMoodle(w, r, results, time.Now()) }},
		{o.Canvas, func(w io.Writer) ([]string, error) { return WriteCanvas(w, r, results, o.Assignment) }},
	} {
		if lms.file == "" {
			continue
		}
		var skipped []string
		err := writeFileWith(lms.file, func(w io.Writer) error {
			var err error
			skipped, err = lms.write(w)
			return err
		})
		if err != nil {
			fail(err)
		} else if len(skipped) > 0 {
			for i := range skipped {
				skipped[i] = termsafe.Quote(skipped[i])
			}
			msgs = append(msgs, fmt.Sprintf("%s: left out %s (no LMS id: use --student-from with the LMS's export, or --roster with an id column)",
				lms.file, strings.Join(skipped, ", ")))
		}
	}
	if o.Feedback != "" {
		if err := o.writeFeedback(r, results); err != nil {
			fail(err)
		}
	}
	if o.Gradescope != "" {
		if err := o.writeGradescope(results); err != nil {
			fail(err)
		}
	}
	if o.Autolab != nil {
		if err := WriteAutolab(o.Autolab, results[0]); err != nil {
			fail(err)
		}
	}
	return msgs, ok
}

// canvasWarnings: Canvas matches an imported column to an assignment by
// its name and id, and students by Canvas's own user ids: anything else
// makes a new column, or matches no one.
func (o Outputs) canvasWarnings(r *Rubric) []string {
	if o.Canvas == "" {
		return nil
	}
	var msgs []string
	if o.Assignment == "" {
		msgs = append(msgs, fmt.Sprintf("%s: no --assignment: the column is named %q, and Canvas will create a new assignment of that name unless it is exactly Canvas's (give --assignment 'NAME (ID)' as the gradebook export names it)",
			o.Canvas, canvasColumn(r, "")))
	}
	if lms := o.From; lms == "moodle" || lms == "blackboard" || lms == "gradescope" {
		msgs = append(msgs, fmt.Sprintf("%s: the ids come from a %s export (--student-from %s): Canvas will match none of them; use Canvas's export, or --roster with Canvas's gradebook export",
			o.Canvas, lms, lms))
	}
	return msgs
}

// writeFeedback writes Feedback/STUDENT.md per student; it stops at the
// first that fails.
func (o Outputs) writeFeedback(r *Rubric, results []Result) error {
	if err := outfile.MkdirAll(o.Feedback, 0o755); err != nil {
		return err
	}
	for _, res := range results {
		path := filepath.Join(o.Feedback, SafeName(res.Student)+".md")
		if err := writeFileWith(path, func(w io.Writer) error { return WriteFeedback(w, r, res) }); err != nil {
			return err
		}
	}
	return nil
}

// writeGradescope writes Gradescope's results.json: one file, or one in
// a folder per student.
func (o Outputs) writeGradescope(results []Result) error {
	for _, res := range results {
		path := o.Gradescope
		if !o.Single {
			dir := filepath.Join(o.Gradescope, SafeName(res.Student))
			if err := outfile.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			path = filepath.Join(dir, "results.json")
		}
		if err := writeFileWith(path, func(w io.Writer) error { return WriteGradescope(w, res) }); err != nil {
			return err
		}
	}
	return nil
}

// writeFileWith creates path and writes it with write.
func writeFileWith(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := outfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("%s: %w", path, inputfile.Cause(err))
	}
	return nil
}

// SafeName makes a student name one file or folder name: no control
// character, no separator, never "", "." or "..".
func SafeName(s string) string {
	s = termsafe.Quote(s) // no control characters in a file name we create
	s = strings.NewReplacer("/", "_", "\\", "_", "\x00", "_").Replace(s)
	if s == "" || s == "." || s == ".." {
		s = "_" + s
	}
	return s
}

// canvasColumn is the Canvas column of assignment: itself, or without
// one the lab's title (its name when it has none).
func canvasColumn(r *Rubric, assignment string) string {
	switch {
	case assignment != "":
		return assignment
	case r.Title != "":
		return r.Title
	}
	return r.Lab
}
