package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/follow"
	"github.com/turtle-sniffer/turtle/internal/cli"
)

const followAbout = `Follow prints the reassembled bytes of one TCP conversation of a capture, in
order, both directions marked, as Wireshark's Follow TCP Stream does.
Streams are numbered from 0 in the order of their first segment (as
Wireshark's tcp.stream); --list shows them with their endpoints, the bytes
each way and their state. Without --stream or --tuple, stream 0 is followed;
--tuple follows every stream between the two endpoints, either way round.

Formats: ascii (the default) prints lines prefixed "> " (client to server)
or "< " (server to client), with the backslash and every byte outside
printable ASCII escaped (\\, \r, \n, \t, \xNN; a line ends after each \n),
so no control byte reaches the terminal; hex prints offset/hex/ASCII rows;
raw writes the bytes unchanged (both directions, in capture order) and
sends the other lines to standard error. Lines starting "# " name the
stream, report the bytes the capture misses (a gap is reported, never
filled in) and sum up retransmissions and out-of-order segments.

Memory is bounded: the first 65,536 connections are tracked, and at most
16 MB of out-of-order data (1 MB per stream) waits for a hole to fill; past
either limit a note on standard error says what was left out (later
connections' segments, holes given up and reported as gaps).

Exit status: 0 when the stream was found and the capture read completely,
1 when the stream does not exist or the capture is damaged (what was read
is printed first), 2 for a usage error.`

func runFollow(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("follow", "follow [flags] CAPTURE", followAbout,
		"turtle follow --tuple 10.0.0.1:51000-10.0.0.2:80 web.pcap", stdout, stderr)
	list := fs.Bool("list", false, "list the TCP streams instead of following one")
	stream := fs.Int("stream", -1, "follow stream `N` (from --list; default 0)")
	tuple := fs.String("tuple", "", "follow the streams between `SRC:PORT-DST:PORT` ([IPv6]:PORT for IPv6)")
	format := fs.String("format", "ascii", "how to print the bytes (`FORMAT`): ascii, hex or raw")
	filterExpr := cli.Filter(fs, "consider only", "")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	if fs.NArg() != 1 {
		return usageErr("want one capture file, got %d arguments", fs.NArg())
	}
	name := fs.Arg(0)
	f, ok := follow.ParseFormat(*format)
	if !ok {
		return usageErr("unknown --format %q (want ascii, hex or raw)", *format)
	}
	if err := capture.CheckFilter(*filterExpr); err != nil {
		return usageErr("%v", err)
	}
	if f == follow.Raw && isTerminal(stdout) {
		return usageErr("--format raw writes the bytes unescaped: redirect standard output to a file or a pipe")
	}
	if *list && (fs.Changed("stream") || *tuple != "") {
		return usageErr("--list lists every stream: it takes no --stream or --tuple")
	}
	sel, err := follow.ParseSelection(fs.Changed("stream"), *stream, *tuple)
	if err != nil {
		return usageErr("%v", err)
	}

	src, err := capture.Open(name, stdin, capture.Options{Filter: *filterExpr})
	if err != nil {
		fmt.Fprintf(stderr, "turtle follow: %s: %v\n", displayName(name), err)
		return 1
	}
	defer src.Close()

	opt := (&follow.Writer{W: stdout, Report: stderr, Format: f}).Options()
	if !*list {
		opt.Select = sel.Select
	}
	var capped follow.Capped
	opt.Capped = &capped
	streams, err := follow.Run(src, opt)
	if capped.Hit() {
		fmt.Fprintf(stderr, "turtle follow: %s: note: %s\n", displayName(name), capped.Message(opt.Limits))
	}
	var code int
	switch {
	case *list:
		if werr := follow.WriteList(stdout, streams); werr != nil {
			fmt.Fprintf(stderr, "turtle follow: write output: %v\n", werr)
			return 1
		}
	case sel.Matched == 0 && err == nil:
		fmt.Fprintf(stderr, "turtle follow: %s: no TCP %s (the capture has %d streams; run 'turtle follow --list %s')\n",
			displayName(name), sel, len(streams), name)
		code = 1
	}
	if err != nil {
		var werr *decode.WriteError
		if errors.As(err, &werr) {
			fmt.Fprintf(stderr, "turtle follow: %v\n", err)
		} else {
			fmt.Fprintf(stderr, "turtle follow: %s: %v\n", displayName(name), err)
		}
		code = 1
	}
	return code
}
