package main

import (
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/turtle-sniffer/turtle/grade"
)

const gradeLiveAbout = `
Live, before handing in: --live grades while it happens. turtle captures on
-i IFACE (without -i it watches every interface and grades the one that
carries the lab's traffic), and prints each check the moment it passes, or
fails once the exchange pauses, with its frame numbers, the same reasons and
tips as a file gets. -w FILE writes the capture (pcapng): the file to hand
in, which grades exactly as the live run did. It ends on Ctrl-C, after
--timeout, or with --until-done once every check has passed, and prints the
table as file grading does; exit 0 on full marks, 1 otherwise. With -i and
none of the lab's traffic there while another interface carries it, it says
which one. Capture labs only (the sniffer and client labs take --program);
needs root or CAP_NET_RAW (Administrator and Npcap on Windows); started as
root it continues as the -Z user once the capture and the file are open:
  sudo turtle grade --live -i lo --lab udp-echo -w udp.pcapng --until-done`

// liveFlags are the flags of grading a live capture.
type liveFlags struct {
	on        *bool
	iface     *string
	write     *string
	untilDone *bool
	timeout   *time.Duration
}

func addLiveFlags(fs *pflag.FlagSet) *liveFlags {
	return &liveFlags{
		on:        fs.Bool("live", false, "grade a live capture as it happens (see Live above)"),
		iface:     fs.StringP("interface", "i", "", "with --live: capture on `IFACE` (default: watch every interface)"),
		write:     fs.StringP("write", "w", "", "with --live: write the capture to the pcapng `FILE` (the file to hand in)"),
		untilDone: fs.Bool("until-done", false, "with --live: stop once every check has passed"),
		timeout:   fs.Duration("timeout", 0, "with --live: stop after `D` (0: at Ctrl-C)"),
	}
}

// check returns a usage error for flags that make no sense together, or
// nil: --live's own flags without --live, or what grade.CheckLiveFlags
// refuses with it.
func (lf *liveFlags) check(fs *pflag.FlagSet, pf *programFlags) error {
	if *lf.on {
		return grade.CheckLiveFlags(*lf.write, *lf.timeout, fs.Args(), pf.given())
	}
	for _, name := range []string{"interface", "write", "until-done", "timeout"} {
		if fs.Changed(name) {
			return errors.New("--" + name + " goes with --live")
		}
	}
	return nil
}
