package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/edit"
	"github.com/turtle-sniffer/turtle/filter"
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
as in turtle read (editcap's -c splits: that is turtle split --by count).

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
	output := fs.StringP("output", "o", "", "write the capture to `FILE` (- for standard output)")
	count := fs.IntP("count", "c", 0, "stop after `N` frames written (0: no limit)")
	frames := fs.String("frames", "", "keep the frames numbered `LIST` (1-10,15,40-)")
	filterExpr := fs.StringP("filter", "f", "", "keep the frames matching the tcpdump filter `EXPR`")
	from := fs.String("from", "", "keep frames at or after `TIME`")
	to := fs.String("to", "", "keep frames before `TIME`")
	snaplen := fs.IntP("snaplen", "s", 0, "cut frames to `N` bytes, keeping their original length (0: no cut)")
	dedup := fs.Bool("dedup", false, "drop exact duplicates of the 4 frames before (as editcap -d)")
	toFormat := fs.String("to-format", "", "output container (`FORMAT`): pcap, pcap-ns or pcapng (default: the first input's)")
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
	opt, err := editOptions(*count, *frames, *filterExpr, *from, *to, *snaplen, *dedup)
	if err != nil {
		return usageErr("%v", err)
	}
	format, err := parseToFormat(*toFormat)
	if err != nil {
		return usageErr("%v", err)
	}
	be, err := parseByteOrder(*byteOrder)
	if err != nil {
		return usageErr("%v", err)
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
	return editRun(inputs, fs.Args(), opt, format, be, *appendMode, *output, stdout, stderr, code)
}

// editOptions checks the selection flags shared by edit and split.
func editOptions(count int, frames, expr, from, to string, snaplen int, dedup bool) (edit.Options, error) {
	opt := edit.Options{Count: count, Filter: expr, Snaplen: snaplen, Dedup: dedup}
	var err error
	if count < 0 {
		return opt, fmt.Errorf("-c %d: the frame count cannot be negative", count)
	}
	if snaplen < 0 || snaplen > capture.MaxSnaplen {
		return opt, fmt.Errorf("-s %d: the snaplen must be 0 to %d", snaplen, capture.MaxSnaplen)
	}
	if frames != "" {
		if opt.Frames, err = edit.ParseRanges(frames); err != nil {
			return opt, fmt.Errorf("--frames: %v", err)
		}
	}
	if err := capture.CheckFilter(expr); err != nil {
		return opt, err
	}
	if from != "" {
		if opt.From, err = edit.ParseTime(from); err != nil {
			return opt, fmt.Errorf("--from: %v", err)
		}
	}
	if to != "" {
		if opt.To, err = edit.ParseTime(to); err != nil {
			return opt, fmt.Errorf("--to: %v", err)
		}
	}
	if !opt.From.IsZero() && !opt.To.IsZero() && !opt.From.Before(opt.To) {
		return opt, fmt.Errorf("--from %s is not before --to %s", from, to)
	}
	return opt, nil
}

func parseToFormat(s string) (pcapio.Format, error) {
	switch s {
	case "":
		return pcapio.FormatUnknown, nil
	case "pcap":
		return pcapio.FormatPcapMicro, nil
	case "pcap-ns":
		return pcapio.FormatPcapNano, nil
	case "pcapng":
		return pcapio.FormatPcapNG, nil
	}
	return 0, fmt.Errorf("--to-format %q: want pcap, pcap-ns or pcapng", s)
}

// parseByteOrder returns 0 for the input's order, 1 little, 2 big.
func parseByteOrder(s string) (int, error) {
	switch s {
	case "":
		return 0, nil
	case "little":
		return 1, nil
	case "big":
		return 2, nil
	}
	return 0, fmt.Errorf("--byte-order %q: want big or little", s)
}

// openInputs opens every capture; one that cannot be opened is reported
// and skipped, and makes code 1.
func openInputs(cmd string, names []string, stdin io.Reader, stderr io.Writer) ([]edit.Input, func(), int) {
	var inputs []edit.Input
	var closers []func()
	code := 0
	stdinUsed := false
	for _, name := range names {
		if name == "-" {
			if stdinUsed {
				fmt.Fprintf(stderr, "turtle %s: standard input given twice\n", cmd)
				code = 1
				continue
			}
			stdinUsed = true
		}
		src, err := capture.Open(name, stdin, capture.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "turtle %s: %s: %v\n", cmd, displayName(name), err)
			code = 1
			continue
		}
		closeIn := func() { src.Close() }
		r := src.Reader()
		r.KeepLong() // a copy keeps what the file holds, as editcap
		closers = append(closers, closeIn)
		inputs = append(inputs, edit.Input{Name: name, R: r})
	}
	return inputs, func() {
		for _, c := range closers {
			c()
		}
	}, code
}

func editRun(inputs []edit.Input, names []string, opt edit.Options, format pcapio.Format, be int, appendMode bool,
	output string, stdout, stderr io.Writer, code int) int {
	sopt := edit.MergedHeader(inputs, format, be, opt.Snaplen)
	if sopt.Format != pcapio.FormatPcapNG {
		if err := edit.CheckPcapLinks(inputs); err != nil {
			fmt.Fprintf(stderr, "turtle edit: %s: %v\n", output, err)
			return 1
		}
	}
	sel, err := edit.NewSelector(opt, func(i int) bool { return filter.FileOptions(inputs[i].R).Swapped })
	if err != nil {
		fmt.Fprintf(stderr, "turtle edit: %v\n", err)
		return 2
	}
	out, err := capture.Create(output, capture.CreateOptions{Inputs: names, Stdout: stdout})
	if err != nil {
		fmt.Fprintf(stderr, "turtle edit: %s: %v\n", output, err)
		return 1
	}
	defer out.Abort() // half a file would pass for a whole one
	bw := bufio.NewWriterSize(out, capture.BufferSize)
	m := edit.NewMerger(inputs, appendMode)
	m.Damaged = func(i int, err error) {
		fmt.Fprintf(stderr, "turtle edit: %s: %v\n", displayName(inputs[i].Name), err)
		code = 1
	}
	sink := edit.NewSink(bw, sopt)
	var cbErr error
	for _, in := range inputs {
		r := in.R
		for _, block := range r.EarlyCustomBlocks() {
			if cbErr == nil {
				cbErr = sink.WriteCustomBlock(block, r.BigEndian())
			}
		}
		r.CustomBlock = func(block []byte) {
			if cbErr == nil {
				cbErr = sink.WriteCustomBlock(block, r.BigEndian())
			}
		}
	}
	_, err = edit.Run(m, sel, sink)
	if err == nil {
		err = cbErr
	}
	if err == nil {
		err = sink.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = out.Commit()
	}
	if err != nil {
		fmt.Fprintf(stderr, "turtle edit: %s: %v\n", displayName(output), err)
		return 1
	}
	if opt.Dedup {
		fmt.Fprintf(stderr, "turtle edit: %d duplicate frames dropped\n", sel.Duplicates)
	}
	return code
}
