package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/edit"
	"github.com/turtle-sniffer/turtle/internal/cli"
	"github.com/turtle-sniffer/turtle/pcapio"
)

const editAbout = `Edit writes a new capture file from one or more: it selects frames (by
number, a tcpdump filter, a time window), cuts them to a snaplen (keeping
their original length), drops exact duplicates, and converts the container
(pcap, pcap with ns timestamps, pcapng) and the byte order. Several inputs
are merged by timestamp, as mergecap does (the first input wins a tie), or
concatenated with --append; memory stays flat whatever their size (one
frame and a 256 KiB buffer per input). - reads standard input (one input)
or writes standard output.

Frame numbers count the frames in output order before any other selection,
from 1: --frames 1-10,15,40- keeps 1 to 10, 15 and 40 to the end. The time
window keeps FROM <= timestamp < TO (RFC 3339, "2026-01-05 09:00:00" in
UTC, or Unix seconds). --dedup drops a frame whose bytes and length equal
one of the 4 frames before it, as editcap -d. -c N stops after N frames,
as in turtle read (editcap's -c splits: that is turtle split --count N).

Nothing is cut unless -s asks: a record longer than its file's snapshot
length is copied whole, as editcap copies it (turtle read and tcpdump show
it cut to the snapshot length, as libpcap reads it). -s cuts the frames and
sets a pcap header's snapshot length; pcapng interfaces keep theirs, as
with editcap.

pcapng to pcapng keeps what editcap keeps: the section header's options
(shb_hardware, shb_os, shb_userappl, comments) when there is one input,
every interface with all its options (if_os, if_tsresol as written...) and
its number, each packet's comments and flags, and copyable Custom Blocks.
Unlike editcap it writes one section (later sections' interfaces are
numbered after the first's), and does not copy name resolution, statistics
and decryption secrets blocks (a copy of a class's capture need not carry
host names and keys along). Several inputs merge into one section headed
by their comments, as mergecap.
pcap from frames of several link types is refused.

Exit status: 0 when every input was read completely, 1 when one could not be
(its frames before the damage are written, then one line on stderr) or the
output failed, 2 for a usage error.`

func runEdit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("edit", "edit [flags] -o OUT IN...", editAbout,
		"turtle edit --frames 1-100 -f 'tcp port 80' --to-format pcapng -o small.pcapng big.pcap", stdout, stderr)
	output := cli.CaptureOutput(fs)
	var spec edit.Spec
	fs.IntVarP(&spec.Count, "count", "c", 0, "stop after `N` frames written (0: no limit)")
	fs.StringVar(&spec.Frames, "frames", "", "keep the frames numbered `LIST` (1-10,15,40-)")
	cli.FilterVar(fs, &spec.Filter, "keep the", "")
	fs.StringVar(&spec.From, "from", "", "keep frames at or after `TIME`")
	fs.StringVar(&spec.To, "to", "", "keep frames before `TIME`")
	fs.IntVarP(&spec.Snaplen, "snaplen", "s", 0, "cut frames to `N` bytes, keeping their original length (0: no cut)")
	fs.BoolVar(&spec.Dedup, "dedup", false, "drop exact duplicates of the 4 frames before (as editcap -d)")
	toFormat := cli.ToFormat(fs, "the first input's")
	byteOrder := fs.String("byte-order", "", "output byte order (`ORDER`): big or little (default: the first input's)")
	appendMode := fs.Bool("append", false, "concatenate the inputs in the order given instead of merging by timestamp")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	if fs.NArg() == 0 {
		return usageErr("no input capture given")
	}
	if *output == "" {
		return usageErr("no output given: -o FILE (- for standard output)")
	}
	opt, err := spec.Options()
	if err != nil {
		return usageErr("%v", err)
	}
	format, err := parseToFormat(*toFormat)
	if err != nil {
		return usageErr("%v", err)
	}
	be, err := edit.ParseByteOrder(*byteOrder)
	if err != nil {
		return usageErr("--byte-order %v", err)
	}
	if *output == "-" && isTerminal(stdout) {
		return usageErr("-o -: refusing to write a binary capture to a terminal; redirect standard output")
	}
	for _, name := range fs.Args() {
		if name == *output && name != "-" {
			return usageErr("-o %s is also an input", name)
		}
	}
	inputs, closeAll, code := openInputs("edit", fs.Args(), stdin, stderr)
	defer closeAll()
	if len(inputs) == 0 {
		return 1
	}
	c := &edit.Copy{Inputs: inputs, Append: *appendMode, CustomBlocks: true, Damaged: damaged("edit", inputs, stderr, &code)}
	if c.Header, err = edit.Header(inputs, format, be, opt.Snaplen); err != nil {
		fmt.Fprintf(stderr, "turtle edit: %s: %v\n", *output, err)
		return 1
	}
	if c.Select, err = edit.NewCopySelector(opt, inputs); err != nil {
		fmt.Fprintf(stderr, "turtle edit: %v\n", err)
		return 2
	}
	if writeCopy("edit", c, *output, fs.Args(), stdout, stderr, nil) != 0 {
		return 1
	}
	if opt.Dedup {
		fmt.Fprintf(stderr, "turtle edit: %d duplicate frames dropped\n", c.Select.Duplicates)
	}
	return code
}

// parseToFormat reads --to-format, shared by edit, split and anonymize.
func parseToFormat(s string) (pcapio.Format, error) {
	f, err := edit.ParseFormat(s)
	if err != nil {
		return f, fmt.Errorf("--to-format %v", err)
	}
	return f, nil
}

// openInputs opens every capture (edit.OpenInputs); one that cannot be
// opened is reported and skipped, and makes code 1.
func openInputs(cmd string, names []string, stdin io.Reader, stderr io.Writer) ([]edit.Input, func(), int) {
	code := 0
	inputs, closeAll := edit.OpenInputs(names, stdin, func(name string, err error) {
		if errors.Is(err, edit.ErrStdinTwice) {
			fmt.Fprintf(stderr, "turtle %s: %v\n", cmd, err)
		} else {
			fmt.Fprintf(stderr, "turtle %s: %s: %v\n", cmd, displayName(name), err)
		}
		code = 1
	})
	return inputs, closeAll, code
}

// damaged reports an input that could not be read to its end, and makes
// *code 1.
func damaged(cmd string, inputs []edit.Input, stderr io.Writer, code *int) func(int, error) {
	return func(i int, err error) {
		fmt.Fprintf(stderr, "turtle %s: %s: %v\n", cmd, displayName(inputs[i].Name), err)
		*code = 1
	}
}

// writeCopy writes c to output (edit.Copy.WriteFile) and returns 1,
// having said why unless keep said no, when it could not.
func writeCopy(cmd string, c *edit.Copy, output string, inputs []string, stdout, stderr io.Writer, keep func() bool) int {
	err := c.WriteFile(output, inputs, stdout, keep)
	if err != nil && !errors.Is(err, edit.ErrNotKept) {
		fmt.Fprintf(stderr, "turtle %s: %s: %v\n", cmd, displayName(output), err)
	}
	if err != nil {
		return 1
	}
	return 0
}
