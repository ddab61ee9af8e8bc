package grade

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	capfile "github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/internal/inputfile"
	"github.com/turtle-sniffer/turtle/live"
)

// LiveFile grades live as Live does and writes the capture to the pcapng
// file path, the file to hand in: created once the capture is open, in
// place and never through a link planted at its name (capture.CreateStream),
// by the user who started turtle, before opt.Opened drops privileges; it is
// closed when the run ends. The result names its student as grading the
// written file names it. With path "", no file is written and the student
// is "live". LiveFile sets opt.Name and opt.Create.
func LiveFile(ctx context.Context, r *Rubric, path string, opt LiveOptions) (Result, error) {
	opt.Name, opt.Create = "live capture", nil
	var file *os.File
	if path != "" {
		opt.Name = path
		opt.Create = func() (*os.File, error) {
			f, err := capfile.CreateStream(path)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, inputfile.Cause(err))
			}
			file = f
			return f, nil
		}
		defer func() {
			if file != nil {
				file.Close()
			}
		}()
	}
	res, err := Live(ctx, r, opt)
	if err != nil {
		return Result{}, err
	}
	res.Student = "live"
	if file != nil {
		err := file.Close()
		file = nil
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", path, inputfile.Cause(err))
		}
		// Named as grading the written file names its student; asked only
		// now, since Collect refuses a path that does not exist yet.
		if subs, _, err := Collect([]string{path}, CollectOptions{}); err == nil && len(subs) == 1 {
			res.Student = subs[0].Student
		}
	}
	return res, nil
}

// LiveAs is LiveFile as `turtle grade --live` runs it: started as root it
// goes on as the user runAs ("" is nobody, as sniff; root stays root) once
// the capture and the file are open, the user checked before anything
// starts (live.CheckUser); a capture refused for want of privileges says
// how to get them. LiveAs sets opt.Opened.
func LiveAs(ctx context.Context, r *Rubric, path, runAs string, opt LiveOptions) (Result, error) {
	if runAs == "" {
		runAs = "nobody"
	}
	if err := live.CheckUser(runAs); err != nil {
		return Result{}, err
	}
	opt.Opened = func() error { return live.DropPrivileges(runAs) }
	res, err := LiveFile(ctx, r, path, opt)
	if errors.Is(err, os.ErrPermission) {
		return Result{}, live.OpenError(live.Where(opt.Interface), err)
	}
	return res, err
}

// CheckLive refuses, as a usage error (*FlagError), a lab that grades
// what a program prints, which a live capture cannot show.
func CheckLive(r *Rubric) error {
	if ids := r.ProgramChecks(); len(ids) > 0 {
		return &FlagError{"", fmt.Errorf("lab %s grades what a program prints, which a capture cannot show: grade it with --program (or --client), not --live", r.Lab)}
	}
	return nil
}

// CheckLiveFlags returns the usage error (*FlagError) of grading live with
// the -w file path, the --timeout, the PATHs args and programs (--program
// or --client) given, or nil.
func CheckLiveFlags(path string, timeout time.Duration, args []string, programs bool) error {
	why := ""
	switch {
	case programs:
		why = "--live grades a capture as it is made; --program and --client run programs: choose one"
	case len(args) > 0:
		why = "--live captures; it takes no PATH (got " + args[0] + ")"
	case timeout < 0:
		why = "--timeout " + timeout.String() + ": cannot be negative"
	case path == "-":
		why = "-w -: --live writes the capture to a file"
	default:
		return nil
	}
	return &FlagError{"", errors.New(why)}
}
