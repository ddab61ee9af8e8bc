package autograder

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/programs"
)

// usage is a usage error: what was asked for is wrong (exit status 2).
func usage(format string, a ...any) error {
	return &grade.FlagError{Err: fmt.Errorf(format, a...)}
}

// points is a score as grade's table writes it: 3, not 3.0.
func points(f float64) string { return strings.TrimSuffix(fmt.Sprint(f), ".0") }

// Request is `turtle grade --autograder KIND -o OUTPUT`: a package to
// build for the lab or the rubric file.
type Request struct {
	Kind       string   // gradescope or autolab
	Lab        string   // --lab
	RubricFile string   // --rubric
	Output     string   // -o: the zip (gradescope) or the folder (autolab)
	Binary     string   // --turtle-binary ("": the running turtle)
	Visibility string   // --visibility (Visibilities)
	Sets       []string // --set overrides, shipped in the package
	Args       []string // PATHs: none, since a package grades nothing now
	// Program is the --program or --client the package runs (checked
	// with programs.CheckFlags); nil for a capture lab.
	Program *programs.Options
}

// Check returns the first thing wrong with q as a usage error
// (*grade.FlagError), or nil.
func (q Request) Check() error {
	if q.Kind != "gradescope" && q.Kind != "autolab" {
		return usage("--autograder %q: want gradescope or autolab", q.Kind)
	}
	if err := grade.CheckLab(q.Lab, q.RubricFile); err != nil {
		return err
	}
	switch {
	case q.Output == "":
		return usage("--autograder %s: give the package's path with -o", q.Kind)
	case len(q.Args) > 0:
		return usage("--autograder builds a package and grades nothing now: drop %s", strings.Join(q.Args, " "))
	case !slices.Contains(Visibilities, q.Visibility):
		return usage("--visibility %q: want visible, hidden, after_due_date or after_published", q.Visibility)
	}
	return nil
}

// Build builds the package of q for rubric r (src its text as read) and
// returns the line saying what it wrote. A program that cannot be packed
// is a usage error (*grade.FlagError).
func (q Request) Build(r *grade.Rubric, src []byte) (string, error) {
	progArgs, client := "", false
	if q.Program != nil {
		var err error
		if progArgs, err = ProgramArgs(r, *q.Program); err != nil {
			return "", &grade.FlagError{Err: err}
		}
		client = q.Program.Client
	}
	binary, err := StaticBinary(q.Binary)
	if err != nil {
		return "", err
	}
	p := Package{Kind: q.Kind, Binary: binary, Rubric: src, Sets: q.Sets, ProgArgs: progArgs, Visibility: q.Visibility}
	if err := Build(q.Output, p); err != nil {
		return "", err
	}
	if client {
		r = programs.WithClientCheck(r) // the check of its printed lines
	}
	return fmt.Sprintf("wrote %s: the %s autograder for lab %s (%d checks, %s points)",
		q.Output, q.Kind, r.Lab, len(r.Checks), points(r.MaxScore())), nil
}

// Run is `turtle grade --autograder-run KIND` inside the platform's
// container: every capture under Paths (or the program of the folder
// Paths[0]) is one student's submission.
type Run struct {
	Kind       string            // gradescope or autolab
	RubricFile string            // --rubric: the package's rubric.toml
	Sets       []string          // --set overrides
	Output     string            // gradescope: results.json's path (-o)
	Visibility string            // gradescope: when students see the results
	Paths      []string          // the submission
	Program    *programs.Options // the program to run; nil for a capture lab
}

// Check returns the first thing wrong with o as a usage error
// (*grade.FlagError), or nil.
func (o Run) Check() error {
	switch {
	case o.Kind != "gradescope" && o.Kind != "autolab":
		return usage("--autograder-run %q: want gradescope or autolab", o.Kind)
	case o.RubricFile == "":
		return usage("--autograder-run needs --rubric FILE")
	case o.Kind == "gradescope" && o.Output == "":
		return usage("--autograder-run gradescope needs -o RESULTS.json")
	case len(o.Paths) == 0:
		return usage("--autograder-run: no submission folder given")
	}
	return nil
}

// Grade grades the submission and writes the platform's result: for
// Autolab the table and its {"scores": ...} line on stdout, for
// Gradescope results.json at Output and a line on stdout. A submission
// that cannot be graded still gets a result saying why (WriteResults).
// message reports on standard error; the result is the exit status.
func (o Run) Grade(ctx context.Context, stdout io.Writer, message func(string)) int {
	var res Graded
	r, _, gradeErr := grade.LoadRubric("", o.RubricFile, o.Sets)
	if gradeErr == nil && o.Program != nil {
		res, gradeErr = GradeProgram(ctx, r, o.Paths, *o.Program)
	} else if gradeErr == nil {
		res, gradeErr = GradeCaptures(r, o.Paths)
	}
	if o.Kind == "autolab" {
		if gradeErr != nil {
			fmt.Fprintf(stdout, "turtle grade: %v\n{\"scores\": {}}\n", gradeErr)
			return 1
		}
		if err := grade.WriteTable(stdout, res.Rubric, []grade.Result{res.Result}); err != nil {
			message(err.Error())
		}
		if res.Output != "" {
			fmt.Fprintf(stdout, "%s\n", res.Output)
		}
		if err := grade.WriteAutolab(stdout, res.Result); err != nil {
			message(err.Error())
			return 1
		}
		return 0
	}
	if err := WriteResults(o.Output, res, gradeErr, o.Visibility); err != nil {
		message(err.Error())
		return 1
	}
	if gradeErr != nil {
		// Said in results.json, which the platform shows: the autograder
		// itself did its job.
		message(gradeErr.Error())
		return 0
	}
	fmt.Fprintf(stdout, "%s: %s/%s\n", o.Output, points(res.Score), points(res.Max))
	return 0
}
