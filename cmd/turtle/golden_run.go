package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/golden"
	"github.com/turtle-sniffer/turtle/internal/cli"
)

const goldenRunAbout = `

--run 'CMD {}' checks another decoder instead of turtle's own: for each case
CMD runs with {} replaced by the capture's path, {name} by the case's name,
{dir} by the manifest's folder and the word {args} by the case's options
column (one argument per field; the column is then the program's, not
turtle's), and its standard output is compared with the golden. A manifest
can name its program itself with a '!run CMD' line (see 'turtle golden
--help'). CMD runs without a shell: it is split into words with the
manifest's quoting ('...', "...", backslash) and the path, made absolute,
replaces {} inside its word, so it reaches the program as one argument
whatever characters it holds. For a pipeline, run a shell yourself:
--run "sh -c 'decoder \"\$1\" | tr a-f A-F' sh {}". Without {args}, a case
with -f or -c gets a temporary pcap of just its frames, and without --only
the cases of --run-format (turtle by default) are checked.

A program's output is diffed with the golden as diff -u does: the report
names the first differing line, the packet it is in (--frames: blank, -#
for tcpdump -# numbers, regexp:RE; turtle's format names split frames as
turtle does), how many lines matched before it, and shows the diff's first
hunk. A program that exits non-zero (unless the case expects a damaged
capture), prints nothing, or with --stderr fail writes to its standard
error fails its case with the first and last lines of its standard error
and how many lines it printed that match the golden; one that runs longer
than --time-limit or prints more than --output-limit (KiB) is killed, its
whole process group with it.`

// runFlags are the flags of golden check, update and add for a program,
// and --allow-outside: a manifest's captures and goldens must be inside its
// folder unless it is given.
type runFlags struct {
	fs        *pflag.FlagSet
	cmd       *string
	timeout   *time.Duration
	outKiB    *int64
	maxOutput *int64 // deprecated, in bytes
	format    *string
	frames    *string
	stderr    *string
	stderrOK  *string
	outside   *bool
}

func addRunFlags(fs *pflag.FlagSet) runFlags {
	// --time-limit and --output-limit (KiB) as grade --program names them.
	f := runFlags{
		fs:        fs,
		cmd:       fs.String("run", "", "decode with the program `'CMD {} {args}'` instead of turtle ({} capture, {args} the case's options, {name} its name)"),
		timeout:   cli.TimeLimit(fs, golden.DefaultProgramTimeout, "stop a case's program after this `DURATION`"),
		outKiB:    cli.OutputLimit(fs, golden.DefaultMaxOutput>>10, "stop a case's program after this many `KiB` of output"),
		maxOutput: fs.Int64("max-output", 0, "stop a case's program after `BYTES` of output"),
		format:    fs.String("run-format", "turtle", "with --run without {args} and no --only: check the cases of format `NAME` (all: every case)"),
		frames:    fs.String("frames", "", "how the program's output splits into packets: `RULE` line, blank, -#, regexp:RE or a turtle format"),
		stderr:    fs.String("stderr", "", "whether the program's standard error fails a case: `fail` or ignore (default: the manifest's !stderr, else ignore)"),
		stderrOK:  fs.String("stderr-ok", "", "with --stderr fail: lines matching `REGEXP` are not a failure"),
		outside:   fs.Bool("allow-outside", false, "let the manifest name captures and goldens outside its folder (absolute paths, .., symbolic links out)"),
	}
	deprecatedAlias(fs, "timeout", "time-limit")
	fs.MarkDeprecated("max-output", "use --output-limit (KiB) instead")
	return f
}

// load checks the flags and arguments of golden check or update and
// parses the manifest at path, decoded by --run when given; code is the
// exit status when the command stops here, -1 when it goes on.
func (f runFlags) load(path string, containers bool, stderr io.Writer) (m *golden.Manifest, p *golden.Program, code int) {
	if f.fs.NArg() > 0 {
		return nil, nil, usageError(f.fs)("unexpected argument %q", f.fs.Arg(0))
	}
	p, err := f.program(containers)
	if err != nil {
		return nil, nil, usageError(f.fs)("%v", err)
	}
	if m, err = golden.ParseManifestWith(path, p, f.settings()); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", f.fs.Name(), err)
		return nil, nil, 1
	}
	return m, p, -1
}

// program is the --run program, or nil without --run (the manifest's own
// !run lines, if any, decide); the limits and --frames/--stderr apply to
// the manifest's programs too (golden.ParseManifestWith).
func (f runFlags) program(containers bool) (*golden.Program, error) {
	if f.fs.Changed("max-output") && *f.maxOutput <= 0 {
		return nil, errors.New("--max-output must be above 0")
	}
	return f.settings().RunProgram(*f.cmd, containers)
}

// settings are the flags' settings of every program.
func (f runFlags) settings() golden.Settings {
	s := golden.Settings{Timeout: *f.timeout, MaxOutput: *f.outKiB << 10, Frames: *f.frames, Stderr: *f.stderr, StderrOK: *f.stderrOK}
	if f.fs.Changed("max-output") {
		s.MaxOutput = *f.maxOutput
	}
	return s
}
