package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/turtle-sniffer/turtle/replay"
)

const replayAbout = `Replay sends every frame of the capture files out of an interface, byte for
byte and in capture order (AF_PACKET on Linux; libpcap/Npcap in a build with
-tags pcap where AF_PACKET does not exist). It needs root or CAP_NET_RAW.

Pace: the capture's own timestamps by default (like tcpreplay); --speed X
plays them X times as fast, --pps N sends N frames a second on an absolute
schedule, --topspeed as fast as the device takes them.

Ethernet frames go out as they are. Linux cooked (SLL, SLL2), raw IP and
BSD null/loop frames go out behind a synthesized Ethernet header from
02:00:00:00:00:01 to 02:00:00:00:00:02 (locally administered), with the
EtherType their link header gives. A file of another link type is refused
in one line and the next file is sent. A frame the device refuses (longer
than its MTU allows, say) is counted and named on stderr with its file and
frame number, and the run goes on.

The last line, on stderr, gives the frames and bytes sent, the frames that
failed, the time from the first frame to the last and the rate. Ctrl-C stops
the run and prints the same line.

Exit status: 0 when every frame was sent, 1 when a frame failed or a file
could not be read or was refused, 2 for a usage error.`

func runReplay(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("replay", "replay -i IFACE [--pps N | --speed X | --topspeed] [-c N] [--loop N] [-f EXPR] CAPTURE...",
		replayAbout, "turtle replay -i veth0 --pps 1000 testdata/tcp-echo.pcap", stdout, stderr)
	iface := fs.StringP("interface", "i", "", "send out of `IFACE` (a name or a number from 'turtle ifaces')")
	pps := fs.Float64("pps", 0, "send `N` frames per second")
	speed := fs.Float64("speed", 0, "play the capture timestamps `X` times as fast (0.5: half as fast)")
	top := fs.Bool("topspeed", false, "send as fast as the device takes frames")
	count := fs.IntP("count", "c", 0, "stop after `N` frames sent or failed (0: no limit)")
	loop := fs.Int("loop", 1, "play the files `N` times (0: until Ctrl-C, -c, or a pass that sends nothing)")
	filterExpr := fs.StringP("filter", "f", "", "send only frames matching the tcpdump filter `EXPR`")
	libpcap := fs.Bool("libpcap", false, "send through libpcap even where AF_PACKET exists (needs -tags pcap)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	if *iface == "" {
		return usageErr("no interface given: name one with -i")
	}
	if fs.NArg() == 0 {
		return usageErr("no capture file given")
	}
	if *loop < 0 {
		return usageErr("--loop %d: the loop count cannot be negative", *loop)
	}
	opt := replay.Options{PPS: *pps, Speed: *speed, TopSpeed: *top, Count: *count, Loop: *loop, Filter: *filterExpr}
	if *loop == 0 {
		opt.Loop = replay.Forever
	}
	if fs.Changed("pps") && *pps <= 0 {
		return usageErr("--pps %v: the rate must be above 0", *pps)
	}
	if fs.Changed("speed") && *speed <= 0 {
		return usageErr("--speed %v: the speed must be above 0", *speed)
	}
	if slices.Contains(fs.Args(), "-") && opt.Loop != 1 {
		return usageErr("standard input can be played once only: drop --loop or give a file")
	}
	// Options are checked before the interface is opened, so that a usage
	// error is one whatever the privilege.
	if err := opt.Check(); err != nil {
		return usageErr("%v", err)
	}
	s, err := replay.OpenSender(*iface, *libpcap)
	if err != nil {
		fmt.Fprintf(stderr, "turtle replay: %v\n", err)
		return 1
	}
	defer s.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opt.Report = func(err error) { fmt.Fprintf(stderr, "turtle replay: %v\n", err) }
	st, err := replay.Run(ctx, s, replay.Inputs(fs.Args(), stdin), opt)
	st.WriteEnd(stderr, err != nil)
	if st.Failed > 0 || st.FileErrors > 0 {
		return 1
	}
	return 0
}
