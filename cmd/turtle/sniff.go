package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/pcapio"
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
	if msg := checkSniffNumbers(*count, *snaplen, *bufKiB); msg != "" {
		return usageErr("%s", msg)
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

	ifc, err := pickInterface(*ifName)
	if err != nil {
		return fail("%v", err)
	}
	where := ifaceWhere(ifc.Name)
	cfg := &live.Config{Snaplen: *snaplen, Promiscuous: *promisc, BufferSize: *bufKiB << 10, Libpcap: *libpcap}
	if *filterExpr != "" && fs.NArg() > 0 {
		return usageErr("give the filter either with -f or as arguments, not both")
	}
	if expr := strings.TrimSpace(*filterExpr + strings.Join(fs.Args(), " ")); expr != "" {
		if code := compileSniffFilter(cfg, ifc.Name, where, expr, stderr); code != 0 {
			return code
		}
	}
	h, err := live.Open(ifc.Name, cfg)
	if err != nil {
		return openFailure(stderr, where, err)
	}
	defer h.Close()
	// From here Ctrl-C stops the capture (after reading what the kernel
	// already captured) instead of killing the process, so that
	// everything captured is written out.
	ctx, stopWatching := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopWatching()

	// The file is opened as the user who started turtle, then privileges go.
	file, bw, pw, err := openSniffOutput(*output, stdout, h.LinkType(), *snaplen)
	if err != nil {
		return fail("%v", err)
	}
	defer file.Close() // nil without -w: Close then does nothing
	if err := live.DropPrivileges(*runAs); err != nil {
		return fail("%v", err)
	}
	if printing && *format == "turtle" {
		printSniffIP(stdout, ifc)
	}

	s := &sniffer{h: h, pw: pw, bw: bw}
	if printing {
		s.p = &decode.Printer{Format: f, W: stdout}
	}
	loopErr := s.record(ctx, *count)
	// Whatever stopped the loop, what was captured is written out.
	werr := s.flush()
	if file != nil {
		if err := file.Close(); err != nil && werr == nil {
			werr = err
		}
	}
	printSniffEnd(stderr, h, ctx.Err() != nil, s.n)
	switch {
	case loopErr != nil:
		return fail("%s: %v", where, loopErr)
	case werr != nil:
		return fail("write %s: %v", outputName(*output), werr)
	}
	return 0
}

// flushEvery bounds how long text and file data wait in buffers.
const flushEvery = 200 * time.Millisecond

// sniffer takes each frame the live.Recorder reads to the printer and the
// pcap writer, whose buffers are flushed every flushEvery at the latest.
type sniffer struct {
	h     *live.Handle
	p     *decode.Printer
	pw    *pcapio.PcapWriter
	bw    *bufio.Writer
	n     int
	addr  pcapio.LinkAddr
	frame pcapio.Frame
}

func (s *sniffer) record(ctx context.Context, count int) error {
	r := &live.Recorder{H: s.h, Frame: s.take, Every: flushEvery, Count: count, Drain: live.DefaultDrain,
		Tick: func(time.Time) (bool, error) { return false, s.flush() }}
	return r.Run(ctx)
}

func (s *sniffer) take(data []byte, ci pcapio.CaptureInfo) (bool, error) {
	s.n++
	if s.pw != nil {
		if err := s.pw.WritePacket(ci, data); err != nil {
			return false, err
		}
	}
	if s.p != nil {
		s.h.LinkAddr(&s.addr)
		s.frame = pcapio.Frame{Number: s.n, Data: data, Info: ci, Live: &s.addr}
		if err := s.p.Print(&s.frame); err != nil {
			return false, err
		}
	}
	return false, nil
}

func (s *sniffer) flush() error {
	if s.p != nil {
		if err := s.p.Flush(); err != nil {
			return err
		}
	}
	if s.bw != nil {
		return s.bw.Flush()
	}
	return nil
}

// pickInterface resolves -i; without it, live.Unbound: every interface,
// as the notes' socket.
func pickInterface(name string) (live.Interface, error) {
	if name != "" {
		return live.Lookup(name)
	}
	return live.Interface{Name: live.Unbound, Up: true}, nil
}

// hostIP is what the notes' sniffer prints first:
// socket.gethostbyname(socket.gethostname()), the first IPv4 address of
// the host's name; "-" when the name does not resolve (where Python stops
// with an error).
func hostIP() string {
	name, err := os.Hostname()
	if err != nil {
		return "-"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", name)
	if err != nil || len(ips) == 0 {
		return "-"
	}
	return ips[0].Unmap().String()
}

// openFailure reports a handle that did not open: a missing privilege in
// one line that says how to grant it.
func openFailure(stderr io.Writer, name string, err error) int {
	if errors.Is(err, os.ErrPermission) {
		fmt.Fprintf(stderr, "turtle sniff: capturing on %s needs root or CAP_NET_RAW: run it as root, or grant it with: sudo setcap cap_net_raw,cap_net_admin=eip $(which turtle)\n", name)
		return 1
	}
	fmt.Fprintf(stderr, "turtle sniff: %v\n", err)
	return 1
}

func outputName(name string) string {
	if name == "-" {
		return "standard output"
	}
	return name
}

// openSniffOutput opens -w: a classic pcap of the interface's link type
// to the file output ("-": stdout; "": none), before privileges go.
func openSniffOutput(output string, stdout io.Writer, lt pcapio.LinkType, snaplen int) (file *os.File, bw *bufio.Writer, pw *pcapio.PcapWriter, err error) {
	if output == "" {
		return nil, nil, nil, nil
	}
	var w io.Writer = stdout
	if output != "-" {
		// In place, growing as frames come (not renamed at the end), and
		// never through a link planted at the name: root opens it.
		if file, err = capture.CreateStream(output); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", output, err)
		}
		w = file
	}
	// 1 MiB: each write system call also wakes the Go runtime's monitor
	// thread, which costs more than the write itself on a flood.
	bw = bufio.NewWriterSize(w, 1<<20)
	pw, err = pcapio.NewPcapWriter(bw, pcapio.PcapOptions{LinkType: lt, Snaplen: snaplen, Nanosecond: true})
	if err != nil {
		if file != nil {
			file.Close()
		}
		return nil, nil, nil, fmt.Errorf("%s: %v", output, err)
	}
	return file, bw, pw, nil
}

// checkSniffNumbers checks -c, -s and -B; the answer is a usage error, or "".
func checkSniffNumbers(count, snaplen, bufKiB int) string {
	switch {
	case count < 0:
		return fmt.Sprintf("-c %d: the frame count cannot be negative", count)
	case snaplen < 0 || snaplen > capture.MaxSnaplen:
		return fmt.Sprintf("-s %d: the snapshot length must be 0 (no cut) to %d", snaplen, capture.MaxSnaplen)
	case bufKiB < 1024 || bufKiB > 1<<22:
		return fmt.Sprintf("-B %d: the buffer size must be 1024 to 4194304 KiB", bufKiB)
	}
	return ""
}

// printSniffEnd says goodbye after Ctrl-C, then what was captured and what
// the kernel dropped.
func printSniffEnd(stderr io.Writer, h *live.Handle, interrupted bool, n int) {
	st, _ := h.Stats()
	if interrupted {
		fmt.Fprintln(stderr, "turtle> Bye.")
	}
	fmt.Fprintf(stderr, "%d packets captured, %d dropped by kernel\n", n, st.Dropped)
}

// compileSniffFilter compiles the capture filter for the interface's link
// type into cfg (at cfg.Snaplen); non-zero is the exit code of a failure,
// reported (where names the interface, or "every interface").
func compileSniffFilter(cfg *live.Config, iface, where, expr string, stderr io.Writer) int {
	lt, err := live.LinkTypeOf(iface, cfg)
	if err != nil {
		return openFailure(stderr, where, err)
	}
	if cfg.Filter, err = live.CompileFilter(expr, lt, cfg.Snaplen); err != nil {
		fmt.Fprintf(stderr, "turtle sniff: %v\n", err)
		return 1
	}
	return 0
}

// printSniffIP is the classroom sniffer's first line: the interface's
// address ("-" when it has none), or, capturing on every interface, the
// host's as the class notes' sniffer finds it.
func printSniffIP(stdout io.Writer, ifc live.Interface) {
	addr := "-"
	if ifc.Name == live.Unbound {
		addr = hostIP()
	} else if a, ok := live.Address(ifc); ok {
		addr = a.String()
	}
	fmt.Fprintf(stdout, "IP: %s\n", addr)
}

// ifaceWhere is how messages name the interface: its name, or "every
// interface" when the capture is bound to none.
func ifaceWhere(name string) string {
	if name == live.Unbound {
		return "every interface"
	}
	return name
}
