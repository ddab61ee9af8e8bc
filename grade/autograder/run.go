package autograder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/programs"
	"github.com/turtle-sniffer/turtle/internal/outfile"
	"github.com/turtle-sniffer/turtle/sandbox"
)

// Graded is a submission graded inside the platform's container.
type Graded struct {
	grade.Result
	Rubric *grade.Rubric // the rubric the result is reported against
	Output string        // results.json's output, when not the grade package's
}

// GradeCaptures grades every capture under paths as one student's.
func GradeCaptures(r *grade.Rubric, paths []string) (Graded, error) {
	sub := grade.Submission{Student: "submission"}
	found, _, err := grade.Collect(paths, grade.CollectOptions{From: "filename"})
	if err != nil {
		return Graded{}, err
	}
	for _, s := range found {
		sub.Files = append(sub.Files, s.Files...)
	}
	if len(sub.Files) == 0 {
		return Graded{}, errors.New("no capture file (.pcap, .pcapng, .cap, gzip) in the submission")
	}
	results, err := grade.Grade(r, []grade.Submission{sub}, grade.Options{})
	if err != nil {
		return Graded{}, err
	}
	return Graded{Result: results[0], Rubric: r}, nil
}

// GradeProgram runs the program of the submission folder paths[0] with
// package programs, in the same sandbox as `sudo turtle grade --program`,
// and grades it against r.
//
// Before running anything it makes sure the container can (sandbox.Probe).
// Where anything is refused (an unprivileged Docker container: no
// CAP_SYS_ADMIN, no CAP_NET_ADMIN, a seccomp profile that forbids unshare;
// or not root) every check gets a score of 0 and the same plain reason
// naming what the instructor must enable (CannotRunPrograms), rather than
// a crash or a grade of a run that never happened.
func GradeProgram(ctx context.Context, r *grade.Rubric, paths []string, opt programs.Options) (Graded, error) {
	if len(paths) != 1 {
		return Graded{}, fmt.Errorf("a program lab grades one submission folder; %d given", len(paths))
	}
	subs, err := programs.Submissions(paths)
	if err != nil {
		return Graded{}, err
	}
	shown := r
	if opt.Client {
		shown = programs.WithClientCheck(r) // a client lab has the check of its printed lines
	}
	if why := sandbox.Probe(opt.User, opt.Limits.WithDefaults().Wall); why != "" {
		msg := CannotRunPrograms(why)
		res := grade.Result{Student: subs[0].Student, File: "(program)", Max: shown.MaxScore()}
		for _, c := range shown.Checks {
			res.Checks = append(res.Checks, grade.CheckResult{ID: c.ID, Name: c.Name, Max: c.Points, Message: msg})
		}
		return Graded{Result: res, Rubric: shown, Output: msg}, nil
	}
	results, err := programs.Grade(ctx, r, subs, opt)
	if err != nil {
		return Graded{}, err
	}
	g := Graded{Result: results[0], Rubric: shown}
	if g.Error != "" {
		g.Output = "The program could not be graded: " + g.Error
		g.Error = ""
	}
	return g, nil
}

// WriteResults writes Gradescope's results.json for g at path, with the
// visibility the package was built with. A submission that could not be
// graded (gradeErr: no capture, a bad rubric) still gets a result file
// saying why, with a score of 0, so that the platform shows the student a
// reason rather than "the autograder failed".
func WriteResults(path string, g Graded, gradeErr error, visibility string) error {
	gopt := grade.GradescopeOptions{Visibility: visibility, StdoutVisibility: "hidden", Output: g.Output}
	if gradeErr != nil {
		gopt.Output = "The autograder could not grade this submission: " + gradeErr.Error()
	}
	var buf bytes.Buffer
	if err := grade.WriteGradescopeWith(&buf, g.Result, gopt); err != nil {
		return err
	}
	if err := outfile.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := outfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return pathError(path, err)
	}
	return nil
}
