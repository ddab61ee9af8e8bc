package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/golden"
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

// runFlags are the flags of golden check, update and add for a program.
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
}

func addRunFlags(fs *pflag.FlagSet) runFlags {
	// --time-limit and --output-limit (KiB) as grade --program names them.
	f := runFlags{
		fs:        fs,
		cmd:       fs.String("run", "", "decode with the program `'CMD {} {args}'` instead of turtle ({} capture, {args} the case's options, {name} its name)"),
		timeout:   fs.Duration("time-limit", golden.DefaultProgramTimeout, "stop a case's program after this `DURATION`"),
		outKiB:    fs.Int64("output-limit", golden.DefaultMaxOutput>>10, "stop a case's program after this many `KiB` of output"),
		maxOutput: fs.Int64("max-output", 0, "stop a case's program after `BYTES` of output"),
		format:    fs.String("run-format", "turtle", "with --run without {args} and no --only: check the cases of format `NAME` (all: every case)"),
		frames:    fs.String("frames", "", "how the program's output splits into packets: `RULE` line, blank, -#, regexp:RE or a turtle format"),
		stderr:    fs.String("stderr", "", "whether the program's standard error fails a case: `fail` or ignore (default: the manifest's !stderr, else ignore)"),
		stderrOK:  fs.String("stderr-ok", "", "with --stderr fail: lines matching `REGEXP` are not a failure"),
	}
	deprecatedAlias(fs, "timeout", "time-limit")
	fs.MarkDeprecated("max-output", "use --output-limit (KiB) instead")
	return f
}

// only is the --only list for a --run check: the cases of --run-format
// unless cases were named or the program takes the options column.
func (f runFlags) only(m *golden.Manifest, p *golden.Program, only []string) ([]string, error) {
	if p == nil || p.TakesArgs() || len(only) > 0 || *f.format == "all" {
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

// program is the --run program, or nil without --run (the manifest's own
// !run lines, if any, decide); limits and --frames/--stderr apply to the
// manifest's programs too (see manifest).
func (f runFlags) program(containers bool) (*golden.Program, error) {
	if *f.timeout <= 0 {
		return nil, errors.New("--time-limit must be above 0")
	}
	if f.fs.Changed("max-output") {
		if *f.maxOutput <= 0 {
			return nil, errors.New("--max-output must be above 0")
		}
	} else if *f.outKiB <= 0 {
		return nil, errors.New("--output-limit must be above 0")
	}
	if err := f.settings(&golden.Program{}); err != nil {
		return nil, err
	}
	if *f.cmd == "" {
		return nil, nil
	}
	if containers {
		return nil, errors.New("--containers re-encodes captures for turtle's decoder: not with --run")
	}
	args, err := golden.ParseCommand(*f.cmd)
	if err != nil {
		return nil, err
	}
	// Python programs lose nothing they printed when they are stopped.
	p := &golden.Program{Args: args, Env: []string{"PYTHONUNBUFFERED=1"}}
	if err := f.settings(p); err != nil {
		return nil, err
	}
	return p, nil
}

// settings applies the limits, --frames and --stderr to p.
func (f runFlags) settings(p *golden.Program) error {
	p.Timeout, p.MaxOutput = *f.timeout, *f.outKiB<<10
	if f.fs.Changed("max-output") {
		p.MaxOutput = *f.maxOutput
	}
	if *f.frames != "" {
		r, err := golden.ParseRule(*f.frames)
		if err != nil {
			return fmt.Errorf("--frames: %w", err)
		}
		p.Frames = r
	}
	if *f.stderr != "" {
		s, err := golden.ParseStderrPolicy(*f.stderr)
		if err != nil {
			return fmt.Errorf("--stderr: %w", err)
		}
		p.Stderr = s
	}
	if *f.stderrOK != "" {
		re, err := regexp.Compile(*f.stderrOK)
		if err != nil {
			return fmt.Errorf("--stderr-ok: %w", err)
		}
		p.StderrOK = re
	}
	return nil
}

// manifest parses the manifest for the flags: decoded by --run when given,
// and the flags' limits, --frames and --stderr applied to every program.
func (f runFlags) manifest(path string, p *golden.Program) (*golden.Manifest, error) {
	m, err := golden.ParseManifestFor(path, p)
	if err != nil {
		return nil, err
	}
	if p != nil {
		return m, nil
	}
	seen := make(map[*golden.Program]*golden.Program)
	for _, c := range m.Cases {
		if c.Program == nil {
			continue
		}
		q, ok := seen[c.Program]
		if !ok {
			cp := *c.Program
			q = &cp
			if err := f.settings(q); err != nil {
				return nil, err
			}
			seen[c.Program] = q
		}
		c.Program = q
	}
	return m, nil
}

// listCases prints, for --list, each selected case and what decodes it.
func listCases(w io.Writer, m *golden.Manifest, only []string) error {
	cases := m.Cases
	if len(only) > 0 {
		cases = nil
		for _, name := range only {
			c := m.Case(name)
			if c == nil {
				return fmt.Errorf("%s: no case named %q", m.Path, name)
			}
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		var how string
		switch {
		case c.Skip != "":
			how = "skip: " + c.Skip
		case c.Program != nil:
			how = strings.Join(quoteAll(c.Program.Command(m, c, m.Resolve(c.Capture))), " ")
		default:
			how = strings.Join(quoteAll(append([]string{"turtle", "read", m.Resolve(c.Capture)}, c.Args...)), " ")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", c.Name, m.Resolve(c.Golden), how)
	}
	return nil
}

// quoteAll quotes the words that need it for a shell, for display.
func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "" && !strings.ContainsAny(w, " \t\n'\"\\$`*?[]{}()<>|&;") && w[0] != '#' && w[0] != '~' {
			out[i] = w
			continue
		}
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return out
}
