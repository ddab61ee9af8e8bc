package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/programs"
	"github.com/turtle-sniffer/turtle/sandbox"
)

const gradeProgramsAbout = `
Programs instead of captures: --program CMD runs each SUBMISSION_DIR's
program (CMD is a shell command run in a private copy of the folder, as a
uid of its own, or the --user, never root) in a network namespace of its own:
  sniffer labs (turtle-sniffer, basic-sniffer): turtle sends the labs'
    built-in capture to the program's interface and compares what it printed,
    frame by frame, with turtle's own text;
  echo labs (udp-echo, tcp-echo, tcp-concurrent, tcp-iterative): the
    program is the server; turtle's clients drive it, turtle captures its
    loopback and grades the capture (--keep-captures DIR keeps it; with --html
    and no --keep-captures it is kept in DIR/captures for the pages' pictures).
--client CMD grades an echo client against turtle's server: it gets the
lab's message on standard input and its printed lines are checked too.
Limits: --time-limit, --cpu-limit, --memory-limit, --procs-limit,
--output-limit; --jobs N runs N programs at once. Needs root and Linux.`

// programFlags are the flags of grading programs rather than captures.
type programFlags struct {
	program, client, user, keep *string
	wall, cpu, ready, quiet     *time.Duration
	memMiB, procs, outKiB       *int
	seed                        *uint64
}

func addProgramFlags(fs *pflag.FlagSet) *programFlags {
	return &programFlags{
		program: fs.String("program", "", "run `CMD` in each submission folder: a sniffer, or an echo lab's server"),
		client:  fs.String("client", "", "run `CMD` in each submission folder as an echo lab's client"),
		user:    fs.StringP("user", "Z", "", "run programs as `USER` (never root; default: each program a uid of its own, from 60100); with --live, continue as USER once the capture is open (default nobody; root: stay root)"),
		keep:    fs.String("keep-captures", "", "write each echo run's capture to `DIR`/STUDENT.pcap"),
		wall:    fs.Duration("time-limit", sandbox.DefaultWall, "stop a program after this wall time (`DURATION`)"),
		cpu:     fs.Duration("cpu-limit", sandbox.DefaultCPU, "CPU time (`DURATION`) a program's process may use"),
		memMiB:  fs.Int("memory-limit", sandbox.DefaultMemory>>20, "memory of a program (all its processes where a cgroup holds), in `MiB`"),
		procs:   fs.Int("procs-limit", sandbox.DefaultProcs, "processes and threads (`N`) a program may run at once"),
		outKiB:  fs.Int("output-limit", sandbox.DefaultOutput>>10, "standard output kept of a program, in `KiB`; more stops it"),
		ready:   fs.Duration("ready", programs.DefaultReady, "how long (`DURATION`) a program may take to start"),
		quiet:   fs.Duration("done-after", programs.DefaultQuiet, "a sniffer is done when it printed nothing for this `DURATION`"),
		seed:    fs.Uint64("seed", 0, "draw the sniffer labs' frames with `N` (a report's seed) to repeat a run; 0 draws one"),
	}
}

// addProgramAliases adds the old spellings of the program flags, hidden:
// --quiet (a duration here) meant in grade what --done-after says, and
// in sniff printing nothing.
func addProgramAliases(fs *pflag.FlagSet) {
	deprecatedAlias(fs, "quiet", "done-after")
}

// given reports whether programs are to be graded.
func (pf *programFlags) given() bool { return *pf.program != "" || *pf.client != "" }

// check returns a usage error, or "": for grading the submission
// folders, or with pack for an autograder package.
func (pf *programFlags) check(r *grade.Rubric, pack bool) string {
	if *pf.program != "" && *pf.client != "" {
		both := "grade servers or clients"
		if pack {
			both = "a package grades servers or clients"
		}
		return "--program and --client both given: " + both + ", one at a time"
	}
	if err := programs.CheckFlags(r, pf.options(0), pack); err != nil {
		return err.Error()
	}
	return ""
}

// options are the programs' options, running jobs at once; nil when no
// program is given.
func (pf *programFlags) options(jobs int) *programs.Options {
	if !pf.given() {
		return nil
	}
	cmd, client := *pf.program, false
	if *pf.client != "" {
		cmd, client = *pf.client, true
	}
	return &programs.Options{Command: cmd, Client: client, User: *pf.user, KeepCaptures: *pf.keep, Jobs: jobs,
		Ready: *pf.ready, Quiet: *pf.quiet, Seed: *pf.seed,
		Limits: sandbox.Limits{Wall: *pf.wall, CPU: *pf.cpu, Memory: int64(*pf.memMiB) << 20, Procs: *pf.procs,
			Output: int64(*pf.outKiB) << 10}}
}
