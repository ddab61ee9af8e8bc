package main

import (
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/golden"
	"github.com/turtle-sniffer/turtle/internal/outfile"
)

const goldenImportAbout = `Import turns another decoder's test suite into a manifest that
'turtle golden check' runs as the suite's own runner does, with no wrapper
script. The one suite known is tcpdump's: its tests/TESTLIST (and the
*.tests files beside it, in tcpdump 4.99) with TESTrun's rules: each case
runs 'tcpdump -# -n -r CAPTURE OPTIONS' with TZ=GMT0, -tttt is added unless
the case says SPECIAL_t (when the TESTLIST uses SPECIAL_t: tcpdump 4.99.5 and
later; --special-t yes|no overrides), @TESTDIR@ is the tests folder, and a
case that needs a feature the tcpdump lacks is kept but skipped, with
TESTrun's reason ("HAVE_LIBCRYPTO not set"); a non-zero exit fails a case,
and so does a line on standard error other than "reading from file"
(--stderr ignore: tcpdump 4.99's TESTrun, which passed such a case "with
error messages"). The features are what
--tcpdump's binary reports (--fp-type, and OpenSSL in --version), those of
--config (a config.h, as TESTrun reads) and --have.

Paths are written relative to the manifest (-o): write it inside the tests
folder (tests/turtle.list), since a manifest may name only files inside its
folder. Failures are reported per packet (tcpdump's -# numbers).

Exit status: 0 when the manifest was written, 1 when it could not be, 2 for
a usage error.`

func runGoldenImport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("golden import", "golden import tcpdump TESTLIST -o MANIFEST [--tcpdump BIN] [--config config.h] [--have NAME]...",
		goldenImportAbout, "turtle golden import tcpdump tcpdump/tests/TESTLIST -o tcpdump/tests/turtle.list && turtle golden check --manifest tcpdump/tests/turtle.list", stdout, stderr)
	out := fs.StringP("output", "o", "", "write the manifest to `FILE`")
	tcpdump := fs.String("tcpdump", "tcpdump", "the tcpdump `BIN` the cases run (and whose features decide the skips)")
	config := fs.String("config", "", "read the features set from `config.h`, as TESTrun does")
	have := fs.StringArray("have", nil, "the decoder has the feature `NAME` (repeatable): HAVE_LIBCRYPTO, ENABLE_SMB...")
	specialT := fs.String("special-t", "auto", "TESTrun's -tttt rule: `auto` (when the TESTLIST uses SPECIAL_t), yes or no")
	stderrRule := fs.String("stderr", "fail", "a line on tcpdump's standard error other than 'reading from file': `fail` (TESTrun today) or ignore (tcpdump 4.99's TESTrun)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usage := usageError(fs)
	if fs.NArg() != 2 || fs.Arg(0) != "tcpdump" {
		return usage("want 'tcpdump TESTLIST' (tcpdump's is the one suite known), got %q", fs.Args())
	}
	if *out == "" {
		return usage("-o MANIFEST is required")
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "turtle golden import: %v\n", err)
		return 1
	}
	policy, err := golden.ParseStderrPolicy(*stderrRule)
	if err != nil {
		return usage("--stderr: %v", err)
	}
	features, note, err := golden.Features(*have, *config, *tcpdump)
	if err != nil {
		return fail(err)
	}
	if note != nil {
		fmt.Fprintf(stderr, "turtle golden import: note: %v: features from --config and --have only\n", note)
	}
	imp, err := golden.ImportTcpdump(golden.TcpdumpImport{TestList: fs.Arg(1), Manifest: *out,
		Tcpdump: *tcpdump, Have: features, SpecialT: *specialT, Stderr: policy})
	if err != nil {
		return fail(err)
	}
	if err := outfile.WriteFile(*out, imp.Text, 0o644); err != nil {
		return fail(err)
	}
	for _, s := range imp.Skipped {
		fmt.Fprintf(stdout, "skip %s\n", s)
	}
	fmt.Fprintf(stdout, "wrote %s: %d cases (%d skipped), features: %v\n", *out, imp.Cases, len(imp.Skipped), features)
	return 0
}
