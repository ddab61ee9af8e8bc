package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/live"
)

const sniffAbout = `Sniff captures frames from a network interface and prints them as the
classroom Turtle Sniffer does, through the same decoder as 'turtle read'.
It starts with "IP: <address>" (turtle format), prints each frame, and on
Ctrl-C (SIGINT or SIGTERM) reads for another 100 ms the frames the kernel
captured before it, flushes everything, says "turtle> Bye." and the
packets captured and dropped by the kernel on standard error, and exits 0.

Without -i, turtle captures as the notes' sniffer does: one AF_PACKET
socket bound to no interface sees every interface, each frame with its
own link-layer header, and a packet on the loopback twice (as it goes out
and as it comes in); the first line is the notes' gethostbyname(
gethostname()). -i takes a name or the number that 'turtle ifaces' shows,
and then each frame is captured once (the loopback's outgoing copy is
dropped, as tcpdump does) and "IP:" is the interface's address; "any"
captures every interface as Linux cooked (SLL2) frames, as tcpdump -i any.
Frames are whole up to the snapshot length, VLAN tags included.

-w FILE also writes a pcap file (nanosecond timestamps), flushed at least
once a second and complete after Ctrl-C; -w - writes it to standard output
and prints no text; -q prints no text. The file is opened before turtle
drops root privileges, so it lands where root asked; it is written in
place as frames come, and a symbolic link at its name is refused.

Capturing needs root or CAP_NET_RAW (on Windows: Npcap, from npcap.com,
and usually an Administrator prompt). Started as root, turtle switches to the
-Z user (default nobody) once the capture and the file are open, before it
decodes any frame; -Z root keeps root.

A FILTER in tcpdump syntax (the trailing arguments, or -f EXPR) runs in
the kernel. turtle compiles it with its own compiler, which emits the
program libpcap would; a turtle built with -tags pcap uses libpcap's.`

func runSniff(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("sniff", "sniff [flags] [FILTER...]", sniffAbout,
		"sudo turtle sniff -i lo -c 10 -w lo.pcap", stdout, stderr)
	ifName := fs.StringP("interface", "i", "", "capture on `IFACE` (a name, a number from 'turtle ifaces', or any; default: every interface, as the notes' sniffer)")
	count := fs.IntP("count", "c", 0, "stop after `N` frames (0: until Ctrl-C)")
	snaplen := fs.IntP("snaplen", "s", live.DefaultSnaplen, "keep at most `BYTES` of each frame (0: no cut, as tcpdump -s 0)")
	output := fs.StringP("write", "w", "", "also write the frames to the pcap `FILE` (- for standard output)")
	quiet := fs.BoolP("quiet", "q", false, "print no frames (with -w: only write the file)")
	format := fs.String("format", "turtle", "output `FORMAT`: "+strings.Join(decode.FormatNames(), ", "))
	promisc := fs.Bool("promisc", false, "put the interface in promiscuous mode")
	runAs := fs.StringP("user", "Z", "nobody", "started as root, continue as `USER` once the capture is open (root: stay root)")
	bufKiB := fs.IntP("buffer-size", "B", live.DefaultBufferSize>>10, "kernel capture buffer in `KiB`")
	filterExpr := fs.StringP("filter", "f", "", "capture only frames matching the tcpdump filter `EXPR` (or give it as trailing arguments)")
	libpcap := fs.Bool("libpcap", false, "capture through libpcap even where AF_PACKET exists (needs -tags pcap)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "turtle sniff: "+format+"\n", a...)
		return 1
	}
	if *snaplen == 0 { // as in edit and tcpdump: no cut
		*snaplen = capture.MaxSnaplen
	}
	if err := live.CheckNumbers(*count, *snaplen, *bufKiB); err != nil {
		return usageErr("%v", err)
	}
	f, err := decode.NewFormat(*format)
	if err != nil {
		return usageErr("%v", err)
	}
	if *output == "-" && isTerminal(stdout) {
		return usageErr("-w - writes a binary capture: redirect standard output to a file or a pipe")
	}
	printing := !*quiet && *output != "-"
	// Everything is checked before the capture and the -w file are opened:
	// a wrong -Z must not truncate the file it names.
	if err := live.CheckUser(*runAs); err != nil {
		return fail("%v", err)
	}

	ifc, err := live.Pick(*ifName)
	if err != nil {
		return fail("%v", err)
	}
	where := live.Where(ifc.Name)
	cfg := &live.Config{Snaplen: *snaplen, Promiscuous: *promisc, BufferSize: *bufKiB << 10, Libpcap: *libpcap}
	if *filterExpr != "" && fs.NArg() > 0 {
		return usageErr("give the filter either with -f or as arguments, not both")
	}
	if expr := strings.TrimSpace(*filterExpr + strings.Join(fs.Args(), " ")); expr != "" {
		if err := cfg.SetFilter(ifc.Name, expr); err != nil {
			return fail("%v", live.OpenError(where, err))
		}
	}
	h, err := live.Open(ifc.Name, cfg)
	if err != nil {
		return fail("%v", live.OpenError(where, err))
	}
	defer h.Close()
	// From here Ctrl-C stops the capture (after reading what the kernel
	// already captured) instead of killing the process, so that
	// everything captured is written out.
	ctx, stopWatching := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopWatching()

	// The file is opened as the user who started turtle, then privileges go.
	t := &live.Tee{H: h}
	var file *capture.PcapStream
	if *output != "" {
		if file, err = capture.CreatePcapStream(*output, stdout, h.LinkType(), *snaplen); err != nil {
			return fail("%v", err)
		}
		defer file.Close()
		t.Write = file
	}
	if err := live.DropPrivileges(*runAs); err != nil {
		return fail("%v", err)
	}
	if printing && *format == "turtle" {
		fmt.Fprintf(stdout, "IP: %s\n", live.SnifferAddress(ifc))
	}
	if printing {
		t.Print = &decode.Printer{Format: f, W: stdout}
	}
	loopErr, werr := t.Run(ctx, *count) // flushed, whatever stopped it
	if err := file.Close(); werr == nil {
		werr = err
	}
	t.WriteEnd(stderr, ctx.Err() != nil)
	switch {
	case loopErr != nil:
		return fail("%s: %v", where, loopErr)
	case werr != nil:
		return fail("write %s: %v", outputName(*output), werr)
	}
	return 0
}

func outputName(name string) string {
	if name == "-" {
		return "standard output"
	}
	return name
}
