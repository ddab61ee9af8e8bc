package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/htmlreport"
	"github.com/turtle-sniffer/turtle/grade/programs"
)

// gradeAbout is grade --help: captures, then autograder packages
// (autograder.go), --live (grade_live.go) and programs
// (grade_programs.go), in that order whatever order the files are
// initialized in.
var gradeAbout = gradeCapturesAbout + "\n\n" + autograderAbout + "\n" + gradeLiveAbout + "\n" + gradeProgramsAbout

var gradeCapturesAbout = `Grade scores students' captures (pcap or pcapng, from any tool, cut short or
not) against a lab and says for each failed check why, with frame numbers.
Labs: ` + strings.Join(grade.Labs(), ", ") + `.
--show-lab LAB prints a lab as a rubric file: edit it (ports, addresses,
message, points, feedback) and grade with --rubric FILE; --set KEY=VALUE (or
CHECK.KEY=VALUE) changes one parameter without a file. docs/grade.md has it all.

PATH is a capture file or a directory searched for captures (by extension
or content; zips are opened). --student-from filename names a student after
the capture file (alice.pcapng is alice; a file of a directory that is not a
capture, gina.txt, is gina's hand-in and scores 0 with the reason); dirname makes every folder or zip
of a directory given a student (submissions/alice/... is alice), with a row
even when it holds no capture; moodle, canvas, blackboard and gradescope
read an LMS export's names and ids; --roster adds everyone on the class list.
A student with several captures gets the best score. Captures are graded in
parallel; damaged, snaplen-cut or lossy ones on what they prove, flagged for
review; unreadable ones score 0 with the reason. Captures with identical
frames, or identical MAC addresses and timestamps, across students are
flagged. --moodle and --canvas write grade files to import back; --feedback
one file per student.

Exit status: 0 when grading ran (whatever the scores), 1 when it could not
(a bad rubric, an output that cannot be written), 2 for a usage error (a PATH
that does not exist among them).`

func runGrade(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("grade",
		"grade --lab LAB|--rubric FILE [--student-from dirname|filename] PATH... [--csv FILE] [--json FILE] [--gradescope DIR] [--autolab] [--html DIR]",
		gradeAbout, "turtle grade --lab tcp-echo --student-from dirname submissions/ --csv grades.csv", stdout, stderr)
	lab := fs.String("lab", "", "grade against the built-in `LAB`")
	rubricFile := fs.String("rubric", "", "grade against the rubric `FILE` (TOML)")
	showLab := fs.String("show-lab", "", "print the rubric file of `LAB` and exit")
	sets := fs.StringArray("set", nil, "override a parameter: `KEY=VALUE` for every check, CHECK.KEY=VALUE for one")
	from := fs.String("student-from", "filename", "name students after the capture's `filename`, dirname (every folder given holds one per student), or an LMS export: moodle, canvas, blackboard, gradescope")
	studentRegex := fs.String("student-regex", "", "name students by `REGEX` over each entry of a folder given: group name (or the first) is the student, group id the LMS id")
	roster := fs.String("roster", "", "class list `FILE` (CSV with a header): every student on it gets a row, 0 when nothing was handed in")
	outs := gradeOutputFlags(fs)
	width := fs.Int("width", -1, "wrap the table at `N` columns (0: never; default on a terminal its width, or $COLUMNS)")
	jobs := fs.Int("jobs", 0, "grade `N` captures at once (0: one per CPU), or run N programs at once (0: 2)")
	pf := addProgramFlags(fs)
	addProgramAliases(fs)
	lf := addLiveFlags(fs)    // grade_live.go
	ag := autograderFlags(fs) // autograder.go
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	if *showLab != "" {
		src, err := grade.LabSource(*showLab)
		if err != nil {
			return usageErr("--show-lab: %v", err)
		}
		stdout.Write(src)
		return 0
	}
	if err := lf.check(fs, pf); err != nil {
		return usageErr("%v", err)
	}
	if ag.active() {
		return ag.start(*lab, *rubricFile, *sets, fs.Args(), pf, stdout, stderr, usageErr)
	}
	if err := grade.CheckLab(*lab, *rubricFile); err != nil {
		return usageErr("%v", err)
	}
	switch {
	case *from != "filename" && *from != "dirname" && grade.Presets[*from] == "":
		return usageErr("--student-from %q: want filename, dirname, moodle, canvas, blackboard or gradescope", *from)
	case fs.NArg() == 0 && !*lf.on:
		return usageErr("no capture given (PATH: a file or a directory)")
	case *jobs < 0:
		return usageErr("--jobs %d: cannot be negative", *jobs)
	}
	r, _, err := grade.LoadRubric(*lab, *rubricFile, *sets)
	if err != nil {
		return gradeFailed(err, stderr, usageErr)
	}
	if err := grade.CheckLive(r); *lf.on && err != nil {
		return usageErr("%v", err)
	}
	if why := pf.check(r, false); why != "" {
		return usageErr("%s", why)
	}
	var subs []grade.Submission
	nsubs := fs.NArg() // with --program: one folder per student
	if *lf.on {
		nsubs = 1 // one live capture
	}
	if !pf.given() && !*lf.on {
		var warnings []string
		subs, warnings, err = grade.CollectFlags(fs.Args(), *from, *studentRegex, *roster)
		for _, w := range warnings {
			fmt.Fprintf(stderr, "turtle grade: %s\n", w)
		}
		if err != nil {
			return gradeFailed(err, stderr, usageErr)
		}
		nsubs = len(subs)
	}
	if outs.autolab {
		outs.Autolab = stdout
	}
	if err := outs.Check(nsubs); err != nil {
		return usageErr("%v", err)
	}
	results, r, interrupted, err := gradeEach(r, subs, fs.Args(), pf, lf, *jobs, outs.Dir, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	if err := grade.WriteTableWidth(stdout, r, results, tableWidth(*width, stdout)); err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	outs.From = *from
	short := interrupted || *lf.on && results[0].Score < results[0].Max // --live: 1 unless full marks
	return outs.finish(r, results, short, stderr)
}

// finish writes the files asked for, each failure said and the others
// still written, and returns the exit code: 1 when the run fell short
// (interrupted, or --live without full marks) or a file was not written.
func (o *gradeOutputs) finish(r *grade.Rubric, results []grade.Result, short bool, stderr io.Writer) int {
	msgs, ok := o.Write(r, results)
	for _, m := range msgs {
		fmt.Fprintf(stderr, "turtle grade: %s\n", m)
	}
	if short || !ok {
		return 1
	}
	return 0
}

// gradeFailed reports err and returns grade's exit status: 2 for a
// *grade.FlagError (what was asked for is wrong), else 1.
func gradeFailed(err error, stderr io.Writer, usageErr func(string, ...any) int) int {
	if fe := (*grade.FlagError)(nil); errors.As(err, &fe) {
		return usageErr("%v", err)
	}
	fmt.Fprintf(stderr, "turtle grade: %v\n", err)
	return 1
}

// gradeEach grades the submissions: each program (--program, --client),
// the live capture (--live) or the captures; r is the rubric the table
// shows (a client lab adds the check of its printed lines).
func gradeEach(r *grade.Rubric, subs []grade.Submission, args []string, pf *programFlags, lf *liveFlags, jobs int,
	html string, stdout, stderr io.Writer) (results []grade.Result, shown *grade.Rubric, interrupted bool, err error) {
	if !pf.given() && !*lf.on {
		results, err = grade.Grade(r, subs, grade.Options{Workers: jobs})
		return results, r, false, err
	}
	// Ctrl-C (SIGINT) or SIGTERM stops the programs running, and what was
	// graded is still reported; it is how a live run ends (interrupted
	// stays false).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	say := func(s string) { fmt.Fprintf(stderr, "turtle grade: %s\n", s) }
	if *lf.on {
		opt := grade.LiveOptions{Interface: *lf.iface, UntilDone: *lf.untilDone, Timeout: *lf.timeout, Out: stdout, Message: say}
		res, err := grade.LiveAs(ctx, r, *lf.write, *pf.user, opt)
		return []grade.Result{res}, r, false, err
	}
	opt := pf.options(jobs)
	opt.Pages = html
	return programs.GradeFolders(ctx, r, args, *opt, say)
}

// tableWidth is --width: a width, 0 for never wrap, or (-1) the
// terminal's width, or $COLUMNS, when standard output is a terminal.
func tableWidth(width int, stdout io.Writer) int {
	if width >= 0 {
		return width
	}
	w := 0
	if isTerminal(stdout) {
		w = terminalWidth(stdout)
		if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
			w = n
		}
	}
	return w
}

// gradeOutputs are the files grade writes besides its table.
type gradeOutputs struct {
	htmlreport.Outputs
	autolab bool // Autolab's line on stdout
}

// gradeOutputFlags adds the flags of the outputs besides the table.
func gradeOutputFlags(fs *pflag.FlagSet) *gradeOutputs {
	var o gradeOutputs
	fs.StringVar(&o.CSV, "csv", "", "also write the grades as CSV to `FILE`")
	fs.StringVar(&o.JSON, "json", "", "also write the grades as JSON to `FILE`")
	fs.StringVar(&o.Gradescope, "gradescope", "", "write `DIR`/STUDENT/results.json per student (or one FILE.json for one student)")
	fs.StringVar(&o.Moodle, "moodle", "", "also write Moodle's grading worksheet (CSV to upload) to `FILE`")
	fs.StringVar(&o.Canvas, "canvas", "", "also write a Canvas gradebook CSV (to import) to `FILE`")
	fs.StringVar(&o.Assignment, "assignment", "", "the Canvas assignment column, as Canvas names it (`NAME (ID)`); default the lab's title")
	fs.StringVar(&o.Feedback, "feedback", "", "write `DIR`/STUDENT.md: one feedback file per student")
	fs.BoolVar(&o.autolab, "autolab", false, `end the output with Autolab's {"scores": {...}} line (one student)`)
	fs.StringVar(&o.Dir, "html", "", "also write web pages to `DIR`: index.html (the class) and STUDENT.html (checks, pictures, frames)")
	return &o
}
