package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/autograder"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/internal/outfile"
)

// Autograder packages: `turtle grade --lab LAB --autograder gradescope -o
// lab.zip` builds the zip Gradescope's autograder takes (setup.sh,
// run_autograder, a static linux/amd64 turtle, the rubric); `--autograder
// autolab -o DIR` writes DIR/autograde.tar and DIR/autograde-Makefile for
// Autolab. Inside the container the package runs `turtle grade
// --autograder-run gradescope|autolab`, which grades every capture of the
// submission as one student with the grade package and writes the
// platform's result (grade.WriteGradescope, grade.WriteAutolab).

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
	}
	switch *o.visibility {
	case "visible", "hidden", "after_due_date", "after_published":
	default:
		return usageErr("--visibility %q: want visible, hidden, after_due_date or after_published", *o.visibility)
	}
	r, src, err := grade.LoadRubric(lab, rubricFile, sets)
	if fe := (*grade.FlagError)(nil); errors.As(err, &fe) {
		return usageErr("%v", err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	progArgs, why := packedProgramArgs(r, pf) // autograder_programs.go
	if why != "" {
		return usageErr("%s", why)
	}
	bin, err := o.staticBinary()
	if err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	files := []autograder.File{
		{Name: "turtle", Data: bin, Mode: 0o755},
		{Name: "rubric.toml", Data: src, Mode: 0o644},
	}
	if *o.kind == "gradescope" {
		files = append(files,
			autograder.File{Name: "setup.sh", Data: []byte(autograder.GradescopeSetup(progArgs)), Mode: 0o755},
			autograder.File{Name: "run_autograder", Data: []byte(autograder.GradescopeRun(sets, progArgs, *o.visibility)), Mode: 0o755})
		err = autograder.WriteZip(*o.output, files)
	} else {
		script := autograder.AutolabGrade(sets)
		if progArgs != "" {
			script = autograder.AutolabProgramGrade(sets, progArgs)
		}
		files = append(files, autograder.File{Name: "grade.sh", Data: []byte(script), Mode: 0o755})
		err = autograder.WriteAutolab(*o.output, files)
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

// staticBinary returns the turtle to ship: --turtle-binary, or the running
// executable; either must be a statically linked linux/amd64 ELF, since
// the autograder images are Linux on x86-64 with no promise of a libc.
func (o autograderOpts) staticBinary() ([]byte, error) {
	path, given := *o.binary, true
	if path == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("cannot find the running turtle (%v): give --turtle-binary FILE", err)
		}
		path, given = exe, false
	}
	data, err := inputfile.ReadFile(path, 1<<30) // a turtle binary is some tens of MB
	if err != nil {
		return nil, unwrapPathErrorNamed(path, err)
	}
	if why := autograder.NotStaticLinuxAMD64(data); why != "" {
		hint := "build one with CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o turtle-linux ./cmd/turtle and give --turtle-binary turtle-linux"
		if given {
			return nil, fmt.Errorf("--turtle-binary %s: %s; %s", path, why, hint)
		}
		return nil, fmt.Errorf("this turtle (%s) %s, and the package needs a static linux/amd64 one: %s", path, why, hint)
	}
	return data, nil
}

// grade is --autograder-run: every capture under args is one student's
// submission. A submission that cannot be graded (no capture, a bad
// rubric) still gets a result file saying why, with a score of 0, so the
// platform shows the student a reason rather than "the autograder failed".
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
	var res gradedSubmission
	var gradeErr error
	if pf.given() {
		res, gradeErr = gradeProgramSubmission(rubricFile, sets, args, pf) // autograder_programs.go
	} else {
		res, gradeErr = gradeSubmission(rubricFile, sets, args)
	}
	if kind == "autolab" {
		if gradeErr != nil {
			fmt.Fprintf(stdout, "turtle grade: %v\n{\"scores\": {}}\n", gradeErr)
			return 1
		}
		if err := grade.WriteTable(stdout, res.rubric, []grade.Result{res.Result}); err != nil {
			fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		}
		if res.output != "" {
			fmt.Fprintf(stdout, "%s\n", res.output)
		}
		if err := grade.WriteAutolab(stdout, res.Result); err != nil {
			fmt.Fprintf(stderr, "turtle grade: %v\n", err)
			return 1
		}
		return 0
	}
	// The package says when students see the results.
	gopt := grade.GradescopeOptions{Visibility: *o.visibility, StdoutVisibility: "hidden", Output: res.output}
	if gradeErr != nil {
		gopt.Output = "The autograder could not grade this submission: " + gradeErr.Error()
	}
	var buf bytes.Buffer
	if err := grade.WriteGradescopeWith(&buf, res.Result, gopt); err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	out := buf.Bytes()
	if err := outfile.MkdirAll(filepath.Dir(*o.output), 0o755); err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	if err := outfile.WriteFile(*o.output, out, 0o644); err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", unwrapPathErrorNamed(*o.output, err))
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

type gradedSubmission struct {
	grade.Result
	rubric *grade.Rubric
	output string // results.json's output, when not the grade package's
}

// gradeSubmission grades every capture under paths as one student.
func gradeSubmission(rubricFile string, sets, paths []string) (gradedSubmission, error) {
	r, _, err := grade.LoadRubric("", rubricFile, sets)
	if err != nil {
		return gradedSubmission{}, err
	}
	sub := grade.Submission{Student: "submission"}
	found, _, err := grade.Collect(paths, grade.CollectOptions{From: "filename"})
	if err != nil {
		return gradedSubmission{}, err
	}
	for _, s := range found {
		sub.Files = append(sub.Files, s.Files...)
	}
	if len(sub.Files) == 0 {
		return gradedSubmission{}, errors.New("no capture file (.pcap, .pcapng, .cap, gzip) in the submission")
	}
	results, err := grade.Grade(r, []grade.Submission{sub}, grade.Options{})
	if err != nil {
		return gradedSubmission{}, err
	}
	return gradedSubmission{Result: results[0], rubric: r}, nil
}
