package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/grade"
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
	var src []byte
	var err error
	if lab != "" {
		if src, err = grade.LabSource(lab); err != nil {
			return usageErr("--lab: %v", err)
		}
	} else if src, err = inputfile.ReadFile(rubricFile, grade.MaxRubricBytes); err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", unwrapPathErrorNamed(rubricFile, err))
		return 1
	}
	name := rubricFile
	if name == "" {
		name = lab + ".toml"
	}
	r, err := grade.ParseRubric(name, src)
	if err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	for _, s := range sets {
		if err := r.Set(s); err != nil {
			return usageErr("--set %v", err)
		}
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
	files := []packageFile{
		{"turtle", bin, 0o755},
		{"rubric.toml", src, 0o644},
	}
	if *o.kind == "gradescope" {
		files = append(files,
			packageFile{"setup.sh", []byte(gradescopeSetupFor(progArgs)), 0o755},
			packageFile{"run_autograder", []byte(gradescopeRun(sets, progArgs, *o.visibility)), 0o755})
		err = writeZip(*o.output, files)
	} else {
		script := autolabGrade(sets)
		if progArgs != "" {
			script = autolabProgramGrade(sets, progArgs)
		}
		files = append(files, packageFile{"grade.sh", []byte(script), 0o755})
		err = writeAutolab(*o.output, files)
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
	if why := notStaticLinuxAMD64(data); why != "" {
		hint := "build one with CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o turtle-linux ./cmd/turtle and give --turtle-binary turtle-linux"
		if given {
			return nil, fmt.Errorf("--turtle-binary %s: %s; %s", path, why, hint)
		}
		return nil, fmt.Errorf("this turtle (%s) %s, and the package needs a static linux/amd64 one: %s", path, why, hint)
	}
	return data, nil
}

// notStaticLinuxAMD64 says why data is not a static linux/amd64
// executable, or "".
func notStaticLinuxAMD64(data []byte) string {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return "is not a Linux executable (ELF)"
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 || f.Class != elf.ELFCLASS64 {
		return "is not for amd64 (it is " + f.Machine.String() + ")"
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return "is not an executable"
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "is dynamically linked (it needs the C library, as cgo builds do)"
		}
	}
	return ""
}

type packageFile struct {
	name string
	data []byte
	mode os.FileMode
}

// The roots move with environment variables, so a package can be tried
// in any folder: AUTOGRADER_ROOT (default /autograder), and under it
// AUTOGRADER_SOURCE, AUTOGRADER_SUBMISSION, AUTOGRADER_RESULTS.
const gradescopeSetup = `#!/bin/sh
# Gradescope runs this once, when it builds the autograder image. turtle is
# a static binary: nothing to install.
set -e
SOURCE="${AUTOGRADER_SOURCE:-${AUTOGRADER_ROOT:-/autograder}/source}"
chmod +x "$SOURCE/turtle" "$SOURCE/run_autograder"
`

func gradescopeRun(sets []string, progArgs, visibility string) string {
	what := "it grades every capture in the\n# submission folder (the best one counts)"
	if progArgs != "" {
		what = "it runs the program in the\n# submission folder in turtle's sandbox, grades it"
	}
	return `#!/bin/sh
# Gradescope runs this for each submission: ` + what + ` and writes results.json.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="${AUTOGRADER_SOURCE:-$ROOT/source}"
SUBMISSION="${AUTOGRADER_SUBMISSION:-$ROOT/submission}"
RESULTS="${AUTOGRADER_RESULTS:-$ROOT/results}"
mkdir -p "$RESULTS"
exec "$SOURCE/turtle" grade --rubric "$SOURCE/rubric.toml"` + shellSets(sets) + progArgs +
		` --visibility ` + visibility + ` --autograder-run gradescope -o "$RESULTS/results.json" "$SUBMISSION"
`
}

func autolabGrade(sets []string) string {
	return `#!/bin/sh
# autograde-Makefile runs this in the folder holding the handin: it grades
# every capture there (the best one counts); the last line of the output
# is Autolab's {"scores": ...}.
DIR=$(dirname "$0")
exec "$DIR/turtle" grade --rubric "$DIR/rubric.toml"` + shellSets(sets) + ` --autograder-run autolab "${AUTOLAB_SUBMISSION:-.}"
`
}

const autolabMakefile = `# Autolab copies this file (as Makefile), autograde.tar and the student's
# handin into one folder and runs make; the last line printed is the score.
all:
	tar xf autograde.tar
	./autograde/grade.sh
`

func shellSets(sets []string) string {
	var b strings.Builder
	for _, s := range sets {
		b.WriteString(" --set '")
		b.WriteString(strings.ReplaceAll(s, "'", `'\''`))
		b.WriteString("'")
	}
	return b.String()
}

func writeZip(path string, files []packageFile) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Now()}
		h.SetMode(f.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(f.data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := outfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return unwrapPathErrorNamed(path, err)
	}
	return nil
}

// writeAutolab writes DIR/autograde.tar (the files under autograde/) and
// DIR/autograde-Makefile, the two files an Autolab assessment takes.
func writeAutolab(dir string, files []packageFile) error {
	if err := outfile.MkdirAll(dir, 0o755); err != nil {
		return unwrapPathErrorNamed(dir, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	tw.WriteHeader(&tar.Header{Name: "autograde/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: now})
	for _, f := range files {
		h := &tar.Header{Name: "autograde/" + f.name, Mode: int64(f.mode), Size: int64(len(f.data)), ModTime: now}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	for _, f := range []packageFile{{"autograde.tar", buf.Bytes(), 0o644}, {"autograde-Makefile", []byte(autolabMakefile), 0o644}} {
		p := filepath.Join(dir, f.name)
		if err := outfile.WriteFile(p, f.data, f.mode); err != nil {
			return unwrapPathErrorNamed(p, err)
		}
	}
	return nil
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
	var buf bytes.Buffer
	if gradeErr != nil {
		json.NewEncoder(&buf).Encode(map[string]any{"score": 0, "tests": []any{},
			"output": "The autograder could not grade this submission: " + gradeErr.Error()})
	} else if err := grade.WriteGradescope(&buf, res.Result); err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	// grade.WriteGradescope writes the scores; the package adds when
	// students see them.
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		fmt.Fprintf(stderr, "turtle grade: %v\n", err)
		return 1
	}
	doc["visibility"] = *o.visibility
	if res.output != "" {
		doc["output"] = res.output
	}
	doc["stdout_visibility"] = "hidden"
	out, _ := json.MarshalIndent(doc, "", "  ")
	out = append(out, '\n')
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
	r, err := loadPackedRubric(rubricFile, sets)
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

// loadPackedRubric reads the package's rubric with its --set overrides.
func loadPackedRubric(rubricFile string, sets []string) (*grade.Rubric, error) {
	data, err := inputfile.ReadFile(rubricFile, grade.MaxRubricBytes)
	if err != nil {
		return nil, unwrapPathErrorNamed(rubricFile, err)
	}
	r, err := grade.ParseRubric(rubricFile, data)
	if err != nil {
		return nil, err
	}
	for _, s := range sets {
		if err := r.Set(s); err != nil {
			return nil, fmt.Errorf("--set %w", err)
		}
	}
	return r, nil
}
