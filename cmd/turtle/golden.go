package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/golden"
	"github.com/turtle-sniffer/turtle/internal/cli"
)

const goldenAbout = `Golden regression-tests decoders against a manifest of captures and the text
each must produce: one case per line, 'name capture golden [read options]',
# comments, paths relative to the manifest. Read options are -c N,
--format NAME and --expect-error TEXT (the capture is damaged on purpose and
reading it must fail with an error containing TEXT).

Another decoder can be checked instead of turtle's: --run 'CMD {} {args}' or
the manifest's own '!run CMD' line (see 'turtle golden check --help'); then
the options column is that program's when CMD has {args}. Lines starting
with ! set, for the cases after them: !run CMD, !env NAME=VALUE...,
!frames RULE, !stderr fail|ignore, !stderr-ok REGEXP; '!skip REASON' skips
the next case.

Usage:
  turtle golden check  [--manifest FILE] [--only NAME]... [--containers | --run 'CMD {} {args}'] [--list]
  turtle golden update [--manifest FILE] [--only NAME]... [--run 'CMD {} {args}']
  turtle golden add NAME CAPTURE [--manifest FILE] [--run 'CMD {} {args}'] [-- OPTIONS...]
  turtle golden import tcpdump TESTLIST -o MANIFEST

Example:
  turtle golden check --manifest testdata/golden.list

Run 'turtle golden COMMAND --help' for a command's flags and an example.
`

const defaultManifest = "testdata/golden.list"

func runGolden(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, goldenAbout)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, goldenAbout)
		return 0
	case "check":
		return runGoldenCheck(args[1:], stdout, stderr)
	case "update":
		return runGoldenUpdate(args[1:], stdout, stderr)
	case "add":
		return runGoldenAdd(args[1:], stdout, stderr)
	case "import":
		return runGoldenImport(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "turtle golden: unknown command %q (want check, update, add or import; run 'turtle golden --help')\n", args[0])
	return 2
}

const goldenCheckAbout = `Check runs every case of the manifest (in parallel), compares its text with
the golden byte for byte and, for each case that differs, prints the first
differing frame and a unified diff of that frame's text. It ends with the
line 'N passed, M failed'. A case whose capture is damaged fails with the
read error unless the case declares it with --expect-error.

--containers also re-encodes each capture as pcap (µs and ns, little- and
big-endian) and pcapng (both byte orders) in memory, a batch of packets at a
time, and checks that each gives the same text. The text is compared frame by frame as it is printed:
memory stays flat whatever the size of the capture.

Exit status: 0 when every case passed, 1 when one failed or the manifest
could not be read, 2 for a usage error.`

func runGoldenCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("golden check", "golden check [--manifest FILE] [--only NAME]... [--containers | --run 'CMD {} {args}'] [--list]", goldenCheckAbout+goldenRunAbout,
		"turtle golden check --only ethernet-turtle --containers\n  turtle golden check --run 'python3 scripts/classroom_turtle.py {}'", stdout, stderr)
	manifest := fs.String("manifest", defaultManifest, "the manifest `FILE`")
	only := fs.StringArray("only", nil, "check only the case `NAME` (repeatable)")
	containers := fs.Bool("containers", false, "also check re-encodings as pcap (µs, ns, either byte order) and pcapng (either byte order)")
	jobs := cli.Jobs(fs, "cases")
	list := fs.Bool("list", false, "list the cases and the command that decodes each; run nothing")
	prog := addRunFlags(fs)
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	m, program, code := prog.load(*manifest, *containers, stderr)
	if code >= 0 {
		return code
	}
	if *list {
		if err := m.List(stdout, *only); err != nil {
			return usageError(fs)("--only: %v", err)
		}
		return 0
	}
	var err error
	if *only, err = m.CasesOfFormat(program, *only, *prog.format); err != nil {
		fmt.Fprintf(stderr, "turtle golden check: %v\n", err)
		return 1
	}
	results, err := golden.Check(context.Background(), m, golden.Options{
		Only: *only, Containers: *containers, Parallel: *jobs, AllowOutside: *prog.outside})
	if err != nil {
		return usageError(fs)("--only: %v", err)
	}
	if golden.WriteCheck(stdout, results) > 0 {
		return 1
	}
	return 0
}

const goldenUpdateAbout = `Update runs the selected cases (all by default) and rewrites the golden files
whose text changed, printing each case it updated and how many frames
changed, so that the change can be reviewed (git diff). A case whose capture
does not read as declared fails and its golden is left alone.

A case decoded by a program (--run, or the manifest's !run) gets that
program's output, written only when it ran cleanly. Without a program,
turtle writes only its own text: a case whose --format is not one of
turtle's is refused and its golden left alone.

Exit status: 0 when every selected case ran, 1 when one failed, 2 for a
usage error.`

func runGoldenUpdate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("golden update", "golden update [--manifest FILE] [--only NAME]... [--run 'CMD {} {args}']", goldenUpdateAbout,
		"turtle golden update --only ethernet-turtle && git diff testdata/golden\n  turtle golden update --manifest tests/turtle.list --only bgp-role --run 'tcpdump -# -n -r {} {args}'", stdout, stderr)
	manifest := fs.String("manifest", defaultManifest, "the manifest `FILE`")
	only := fs.StringArray("only", nil, "update only the case `NAME` (repeatable)")
	jobs := cli.Jobs(fs, "cases")
	prog := addRunFlags(fs)
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	m, program, code := prog.load(*manifest, false, stderr)
	if code >= 0 {
		return code
	}
	var err error
	if *only, err = m.CasesOfFormat(program, *only, *prog.format); err != nil {
		fmt.Fprintf(stderr, "turtle golden update: %v\n", err)
		return 1
	}
	results, err := golden.Update(context.Background(), m, golden.Options{Only: *only, Parallel: *jobs, AllowOutside: *prog.outside})
	if err != nil {
		return usageError(fs)("--only: %v", err)
	}
	if golden.WriteUpdate(stdout, results) > 0 {
		return 1
	}
	return 0
}

const goldenAddAbout = `Add appends the case NAME to the manifest, reading CAPTURE with the read
options after '--' (-c N, --format NAME, --expect-error TEXT), and writes its
golden file (golden/NAME.golden beside the manifest unless --golden says
otherwise). Paths are written relative to the manifest. A capture that does
not read as the options declare is refused, as is a name already taken.

With --run 'CMD {} {args}' the golden is that program's output and the
options after '--' are its own ({args}); a '!run CMD' line goes before the
case unless the manifest's last one is the same, so that check and update
decode the case with the program too.

Exit status: 0 when the case was added, 1 when it could not be, 2 for a
usage error.`

func runGoldenAdd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("golden add", "golden add NAME CAPTURE [--manifest FILE] [--golden FILE] [-- READ-OPTIONS...]",
		goldenAddAbout, "turtle golden add sll-basic testdata/linux-sll.pcap -- --format basic -c 3\n  turtle golden add --manifest tests/turtle.list --run 'tcpdump -# -n -r {} {args}' mine tests/mine.pcap -- -v", stdout, stderr)
	manifest := fs.String("manifest", defaultManifest, "the manifest `FILE` (created if missing)")
	goldenPath := fs.String("golden", "", "write the golden to `FILE` (default golden/NAME.golden beside the manifest)")
	prog := addRunFlags(fs)
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	pos, readOpts := fs.Args(), []string(nil)
	if dash := fs.ArgsLenAtDash(); dash >= 0 {
		pos, readOpts = fs.Args()[:dash], fs.Args()[dash:]
	}
	if len(pos) != 2 {
		return usageErr("want NAME CAPTURE, got %d argument(s); read options go after '--'", len(pos))
	}
	program, err := prog.program(false)
	if err != nil {
		return usageErr("%v", err)
	}
	a, err := golden.AddCase(context.Background(), *manifest, pos[0], pos[1], *goldenPath, readOpts, program, golden.Options{AllowOutside: *prog.outside})
	if ce := (*golden.NewCaseError)(nil); errors.As(err, &ce) {
		return usageErr("%v", err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "turtle golden add: %v\n", err)
		return 1
	}
	a.Write(stdout, program)
	return 0
}
