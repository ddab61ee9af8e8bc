package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/turtle-sniffer/turtle/record"
)

const recordAbout = `Record runs one of turtle's echo scenarios in-process on a loopback (in a
network namespace of its own when turtle may create one, else on the host's
lo), captures it, and writes the capture as pcap, and with --golden the text
'turtle read' prints for it. Recordings are normalized by default (fixed
ports, sequence numbers, IP identifications and timestamps, checksums
recomputed) so that recording again gives the same text; --normalize=false
keeps the frames as captured. 'turtle record --list' lists the scenarios.

A recording whose events come in another order than the scenario's timing
provides for (a machine too busy) is made again, up to --attempts times,
and each such attempt is reported on stderr.

Capturing needs root or CAP_NET_RAW. Exit status: 0 recorded, 1 the
recording failed (including a kernel that split or merged segments in a way
the fixture cannot rely on), 2 a usage error.`

func runRecord(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("record", "record SCENARIO -o FILE [--golden FILE] [flags] | record --list", recordAbout,
		"turtle record udp-echo -o testdata/udp-echo.pcap --golden testdata/golden/udp-echo.golden", stdout, stderr)
	output := fs.StringP("output", "o", "", "write the capture to `FILE` (- for standard output)")
	golden := fs.String("golden", "", "also write the turtle text of the capture to `FILE`")
	normalize := fs.Bool("normalize", true, "rewrite the frames so that recording again gives the same text")
	netns := fs.Bool("netns", true, "record in a network namespace of its own when permitted (false: the host's lo)")
	timeout := fs.Duration("timeout", record.DefaultTimeout, "give up on an attempt after `D`")
	attempts := fs.Int("attempts", record.DefaultAttempts, "record up to `N` times while the machine is too busy for the scenario's timing")
	list := fs.Bool("list", false, "list the scenarios and exit")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	if *list {
		if fs.NArg() > 0 {
			return usageErr("--list takes no scenario")
		}
		record.WriteList(stdout)
		return 0
	}
	switch {
	case fs.NArg() == 0:
		return usageErr("no scenario given; 'turtle record --list' lists them")
	case fs.NArg() > 1:
		return usageErr("one scenario at a time, got %d", fs.NArg())
	case *output == "":
		return usageErr("-o FILE is required")
	case *timeout <= 0:
		return usageErr("--timeout %v: must be positive", *timeout)
	case *attempts <= 0:
		return usageErr("--attempts %d: must be positive", *attempts)
	}
	name := fs.Arg(0)
	if _, ok := record.Lookup(name); !ok {
		fmt.Fprintf(stderr, "turtle record: unknown scenario %q (run 'turtle record --list')\n", name)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := &record.Config{Raw: !*normalize, HostLoopback: !*netns, Timeout: *timeout, Attempts: *attempts}
	r, err := record.Record(ctx, name, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "turtle record: %v\n", err)
		return 1
	}

	for i, e := range r.Retried {
		fmt.Fprintf(stderr, "turtle record: attempt %d of %d: %v; recorded again\n", i+1, *attempts, e)
	}

	if err := r.Save(*output, stdout, *golden); err != nil {
		fmt.Fprintf(stderr, "turtle record: %v\n", err)
		return 1
	}
	msg := stdout
	if *output == "-" {
		msg = stderr
	}
	fmt.Fprintln(msg, r.Summary(*output, *golden))
	return 0
}
