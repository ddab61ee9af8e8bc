package autograder

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/programs"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/sandbox"
)

// Visibilities are the values Gradescope takes for when students see the
// results.
var Visibilities = []string{"visible", "hidden", "after_due_date", "after_published"}

// Package is an autograder package to build.
type Package struct {
	Kind       string   // "gradescope" (a zip) or "autolab" (a folder)
	Binary     []byte   // the static linux/amd64 turtle it ships (StaticBinary)
	Rubric     []byte   // rubric.toml
	Sets       []string // --set overrides, passed on to the turtle in the package
	ProgArgs   string   // a program lab's flags (ProgramArgs); "" for a capture lab
	Visibility string   // gradescope: when students see the results (Visibilities)
}

// Build writes p at path: Gradescope's zip, or Autolab's folder.
func Build(path string, p Package) error {
	files := []File{
		{Name: "turtle", Data: p.Binary, Mode: 0o755},
		{Name: "rubric.toml", Data: p.Rubric, Mode: 0o644},
	}
	if p.Kind == "gradescope" {
		files = append(files,
			File{Name: "setup.sh", Data: []byte(GradescopeSetup(p.ProgArgs)), Mode: 0o755},
			File{Name: "run_autograder", Data: []byte(GradescopeRun(p.Sets, p.ProgArgs, p.Visibility)), Mode: 0o755})
		return WriteZip(path, files)
	}
	script := AutolabGrade(p.Sets)
	if p.ProgArgs != "" {
		script = AutolabProgramGrade(p.Sets, p.ProgArgs)
	}
	files = append(files, File{Name: "grade.sh", Data: []byte(script), Mode: 0o755})
	return WriteAutolab(path, files)
}

// StaticBinary returns the turtle to ship: the file at path (--turtle-binary),
// or with path "" the running executable; either must be a statically
// linked linux/amd64 ELF, since the autograder images are Linux on x86-64
// with no promise of a libc.
func StaticBinary(path string) ([]byte, error) {
	given := path != ""
	if !given {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("cannot find the running turtle (%v): give --turtle-binary FILE", err)
		}
		path = exe
	}
	data, err := inputfile.ReadFile(path, 1<<30) // a turtle binary is some tens of MB
	if err != nil {
		return nil, pathError(path, err)
	}
	if why := NotStaticLinuxAMD64(data); why != "" {
		hint := "build one with CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o turtle-linux ./cmd/turtle and give --turtle-binary turtle-linux"
		if given {
			return nil, fmt.Errorf("--turtle-binary %s: %s; %s", path, why, hint)
		}
		return nil, fmt.Errorf("this turtle (%s) %s, and the package needs a static linux/amd64 one: %s", path, why, hint)
	}
	return data, nil
}

// ProgramArgs checks that r can grade the program of opt in a package and
// returns it and its limits as the flags of the turtle the package ships
// (in run_autograder, so the instructor reads them there), or why not.
// opt.User is looked up in the container, where the programs run, not here.
func ProgramArgs(r *grade.Rubric, opt programs.Options) (string, error) {
	switch {
	case opt.KeepCaptures != "":
		return "", errors.New("--keep-captures: an autograder keeps no files; drop it")
	case opt.User == "root" || opt.User == "0":
		return "", errors.New("--user " + opt.User + ": student programs never run as root")
	}
	user := opt.User
	opt.User = ""
	if err := programs.Check(r, opt); err != nil && !errors.Is(err, sandbox.ErrNotSupported) {
		return "", err
	}
	var b strings.Builder
	if opt.Client {
		b.WriteString(" --client " + ShellQuote(opt.Command))
	} else {
		b.WriteString(" --program " + ShellQuote(opt.Command))
	}
	l := opt.Limits
	fmt.Fprintf(&b, " --user %s --time-limit %s --cpu-limit %s --memory-limit %d --procs-limit %d --output-limit %d --ready %s --done-after %s",
		ShellQuote(user), l.Wall, l.CPU, l.Memory>>20, l.Procs, l.Output>>10, opt.Ready, opt.Quiet)
	return b.String(), nil
}
