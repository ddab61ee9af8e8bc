package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/autograder"
)

// Autograder packages: `turtle grade --lab LAB --autograder gradescope -o
// lab.zip` builds the zip Gradescope's autograder takes (setup.sh,
// run_autograder, a static linux/amd64 turtle, the rubric); `--autograder
// autolab -o DIR` writes DIR/autograde.tar and DIR/autograde-Makefile for
// Autolab. Inside the container the package runs `turtle grade
// --autograder-run gradescope|autolab`, which grades every capture of the
// submission (or, for a program lab, runs its program) as one student and
// writes the platform's result. Package grade/autograder does all of it;
// this file parses the flags.

// autograderAbout is grade --help's paragraph on autograder packages.
const autograderAbout = `Autograder packages: --autograder gradescope -o lab.zip (or autolab -o DIR)
builds what the platform runs for each submission: a static turtle, the
rubric and its scripts. With --program or --client (and the limits) the
package runs the submission's program in the sandbox described below; in a
container that cannot (not root, no network namespaces) every check scores
0 with the reason and what the instructor must enable. Example:
  turtle grade --lab turtle-sniffer --program 'python3 sniffer.py' --autograder gradescope -o sniffer.zip`

type autograderOpts struct {
	kind       *string
	output     *string
	binary     *string
	visibility *string
	run        *string
}

// autograderFlags adds grade's flags for building and running packages.
func autograderFlags(fs *pflag.FlagSet) autograderOpts {
	o := autograderOpts{
		kind:       fs.String("autograder", "", "build an autograder package for `gradescope` or autolab (with -o) instead of grading"),
		output:     fs.StringP("output", "o", "", "--autograder: the package, `PATH` (gradescope: a .zip; autolab: a directory)"),
		binary:     fs.String("turtle-binary", "", "--autograder: the static linux/amd64 turtle to ship, `FILE` (default: this one, when it is)"),
		visibility: fs.String("visibility", "visible", "--autograder gradescope: when students see the results: `visible`, hidden, after_due_date, after_published"),
		run:        fs.String("autograder-run", "", "inside the package: grade the submission PATH for `gradescope` (results to -o) or autolab"),
	}
	fs.MarkHidden("autograder-run")
	return o
}

func (o autograderOpts) active() bool { return *o.kind != "" || *o.run != "" }

// start is the hook in runGrade: it builds or runs a package.
func (o autograderOpts) start(lab, rubricFile string, sets, args []string, pf *programFlags, stdout, stderr io.Writer, usageErr func(string, ...any) int) int {
	if *o.run != "" {
		return o.grade(rubricFile, sets, args, pf, stdout, stderr, usageErr)
	}
	switch {
	case *o.kind != "gradescope" && *o.kind != "autolab":
		return usageErr("--autograder %q: want gradescope or autolab", *o.kind)
	case lab == "" && rubricFile == "":
		return usageErr("no lab: give --lab LAB or --rubric FILE")
	case lab != "" && rubricFile != "":
		return usageErr("--lab and --rubric both given: choose one")
	case *o.output == "":
		return usageErr("--autograder %s: give the package's path with -o", *o.kind)
	case len(args) > 0:
		return usageErr("--autograder builds a package and grades nothing now: drop %s", strings.Join(args, " "))
	case !slices.Contains(autograder.Visibilities, *o.visibility):
		return usageErr("--visibility %q: want visible, hidden, after_due_date or after_published", *o.visibility)
	}
	r, src, code := loadRubric(lab, rubricFile, sets, stderr, usageErr)
	if code >= 0 {
		return code
	}
	progArgs, why := packedProgramArgs(r, pf)
	if why != "" {
		return usageErr("%s", why)
	}
	var err error
	p := autograder.Package{Kind: *o.kind, Rubric: src, Sets: sets, ProgArgs: progArgs, Visibility: *o.visibility}
	if p.Binary, err = autograder.StaticBinary(*o.binary); err == nil {
		err = autograder.Build(*o.output, p)
	}
	if err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	r = pf.rubric(r) // a client lab has the check of its printed lines
	fmt.Fprintf(stdout, "wrote %s: the %s autograder for lab %s (%d checks, %s points)\n",
		*o.output, *o.kind, r.Lab, len(r.Checks), strings.TrimSuffix(fmt.Sprint(r.MaxScore()), ".0"))
	return 0
}

// packedProgramArgs checks the --program or --client of pf for a package
// of lab r and returns them as run_autograder's flags ("" for a capture
// lab), or why not.
func packedProgramArgs(r *grade.Rubric, pf *programFlags) (string, string) {
	if why := pf.check(r, true); why != "" || !pf.given() {
		return "", why
	}
	args, err := autograder.ProgramArgs(r, pf.options(0))
	if err != nil {
		return "", err.Error()
	}
	return args, ""
}

// grade is --autograder-run: every capture under args (or the program of
// the folder args[0]) is one student's submission. A submission that
// cannot be graded still gets a result saying why (autograder.WriteResults).
func (o autograderOpts) grade(rubricFile string, sets, args []string, pf *programFlags, stdout, stderr io.Writer, usageErr func(string, ...any) int) int {
	kind := *o.run
	switch {
	case kind != "gradescope" && kind != "autolab":
		return usageErr("--autograder-run %q: want gradescope or autolab", kind)
	case rubricFile == "":
		return usageErr("--autograder-run needs --rubric FILE")
	case kind == "gradescope" && *o.output == "":
		return usageErr("--autograder-run gradescope needs -o RESULTS.json")
	case len(args) == 0:
		return usageErr("--autograder-run: no submission folder given")
	}
	var res autograder.Graded
	r, _, gradeErr := grade.LoadRubric("", rubricFile, sets)
	if gradeErr == nil && pf.given() {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		res, gradeErr = autograder.GradeProgram(ctx, r, args, pf.options(1))
	} else if gradeErr == nil {
		res, gradeErr = autograder.GradeCaptures(r, args)
	}
	if kind == "autolab" {
		if gradeErr != nil {
			fmt.Fprintf(stdout, "turtle grade: %v\n{\"scores\": {}}\n", gradeErr)
			return 1
		}
		if err := grade.WriteTable(stdout, res.Rubric, []grade.Result{res.Result}); err != nil {
			fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		}
		if res.Output != "" {
			fmt.Fprintf(stdout, "%s\n", res.Output)
		}
		if err := grade.WriteAutolab(stdout, res.Result); err != nil {
			fmt.Fprintf(stderr, "turtle grade: %v\n", err)
			return 1
		}
		return 0
	}
	if err := autograder.WriteResults(*o.output, res, gradeErr, *o.visibility); err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	if gradeErr != nil {
		// Said in results.json, which the platform shows: the autograder
		// itself did its job.
		fmt.Fprintf(stderr, "turtle grade: %v\n", gradeErr)
		return 0
	}
	fmt.Fprintf(stdout, "%s: %s/%s\n", *o.output, strings.TrimSuffix(fmt.Sprint(res.Score), ".0"), strings.TrimSuffix(fmt.Sprint(res.Max), ".0"))
	return 0
}
