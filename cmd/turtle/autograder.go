package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
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
	q := autograder.Request{Kind: *o.kind, Lab: lab, RubricFile: rubricFile, Output: *o.output, Binary: *o.binary,
		Visibility: *o.visibility, Sets: sets, Args: args, Program: pf.options(0)}
	if err := q.Check(); err != nil {
		return usageErr("%v", err)
	}
	r, src, err := grade.LoadRubric(lab, rubricFile, sets)
	if err != nil {
		return gradeFailed(err, stderr, usageErr)
	}
	if why := pf.check(r, true); why != "" {
		return usageErr("%s", why)
	}
	wrote, err := q.Build(r, src)
	if err != nil {
		return gradeFailed(err, stderr, usageErr)
	}
	fmt.Fprintln(stdout, wrote)
	return 0
}

// grade is --autograder-run: package autograder grades the submission
// and writes the platform's result.
func (o autograderOpts) grade(rubricFile string, sets, args []string, pf *programFlags, stdout, stderr io.Writer, usageErr func(string, ...any) int) int {
	run := autograder.Run{Kind: *o.run, RubricFile: rubricFile, Sets: sets, Output: *o.output, Visibility: *o.visibility, Paths: args,
		Program: pf.options(1)}
	if err := run.Check(); err != nil {
		return usageErr("%v", err)
	}
	ctx := context.Background()
	if run.Program != nil {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM) // stops the program
		defer stop()
	}
	return run.Grade(ctx, stdout, func(s string) { fmt.Fprintf(stderr, "turtle grade: %s\n", s) })
}
