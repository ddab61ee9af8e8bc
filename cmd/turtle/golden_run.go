package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/golden"
)

const goldenRunAbout = `

--run 'CMD {}' checks another decoder instead of turtle's own: for each case
CMD runs with {} replaced by the capture's path, and its standard output is
compared with the golden as turtle's text is. CMD runs without a shell: it is
split into words with the manifest's quoting ('...', "...", backslash) and the
path, made absolute, replaces {} inside its word, so it reaches the program
as one argument whatever characters it holds. For a pipeline, run a shell
yourself: --run "sh -c 'decoder \"\$1\" | tr a-f A-F' sh {}". A case with -f
or -c gets a temporary pcap of just its frames. A program that exits
non-zero (unless the case expects a damaged capture) or prints nothing fails
its case with its exit status and the last lines of its standard error; one
that runs longer than --timeout or prints more than --max-output is killed,
its whole process group with it. Without --only, --run checks the cases of
--run-format (turtle by default), the format the program is meant to print.`

// runFlags are golden check's flags for --run.
type runFlags struct {
	fs        *pflag.FlagSet
	cmd       *string
	timeout   *time.Duration
	outKiB    *int64
	maxOutput *int64 // deprecated, in bytes
	format    *string
}

func addRunFlags(fs *pflag.FlagSet) runFlags {
	// --time-limit and --output-limit (KiB) as grade --program names them.
	f := runFlags{
		fs:        fs,
		cmd:       fs.String("run", "", "check the output of the program `'CMD {}'` ({} is the capture's path) instead of turtle's"),
		timeout:   fs.Duration("time-limit", golden.DefaultProgramTimeout, "with --run: stop a case's program after this `DURATION`"),
		outKiB:    fs.Int64("output-limit", golden.DefaultMaxOutput>>10, "with --run: stop a case's program after this many `KiB` of output"),
		maxOutput: fs.Int64("max-output", 0, "stop a case's program after `BYTES` of output"),
		format:    fs.String("run-format", "turtle", "with --run and no --only: check the cases of format `NAME` (all: every case)"),
	}
	deprecatedAlias(fs, "timeout", "time-limit")
	fs.MarkDeprecated("max-output", "use --output-limit (KiB) instead")
	return f
}

// only is the --only list for a --run check: the cases of --run-format
// unless cases were named.
func (f runFlags) only(m *golden.Manifest, only []string) ([]string, error) {
	if *f.cmd == "" || len(only) > 0 || *f.format == "all" {
		return only, nil
	}
	for _, c := range m.Cases {
		if c.Format == *f.format {
			only = append(only, c.Name)
		}
	}
	if len(only) == 0 {
		return nil, fmt.Errorf("%s has no case of format %s (--run-format)", m.Path, *f.format)
	}
	return only, nil
}

// program is the --run program, or nil without --run.
func (f runFlags) program(containers bool) (*golden.Program, error) {
	if *f.cmd == "" {
		return nil, nil
	}
	if containers {
		return nil, errors.New("--containers re-encodes captures for turtle's decoder: not with --run")
	}
	if *f.timeout <= 0 {
		return nil, errors.New("--time-limit must be above 0")
	}
	maxOutput := *f.outKiB << 10
	if f.fs.Changed("max-output") {
		maxOutput = *f.maxOutput
		if maxOutput <= 0 {
			return nil, errors.New("--max-output must be above 0")
		}
	} else if *f.outKiB <= 0 {
		return nil, errors.New("--output-limit must be above 0")
	}
	args, err := golden.ParseCommand(*f.cmd)
	if err != nil {
		return nil, err
	}
	// Python programs lose nothing they printed when they are stopped.
	return &golden.Program{Args: args, Timeout: *f.timeout, MaxOutput: maxOutput, Env: []string{"PYTHONUNBUFFERED=1"}}, nil
}
