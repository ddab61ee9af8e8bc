package main

import (
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/internal/termsafe"
	"github.com/turtle-sniffer/turtle/live"
)

const ifacesAbout = `Ifaces lists the interfaces that 'turtle sniff' can capture on, one a line:
number, name, addresses, up or down, and "loopback" for loopback devices.
'turtle sniff -i' takes the name or the number. On Linux the number is the
kernel's interface index and "any" captures all of them. On Windows the
list is Npcap's devices (\Device\NPF_{...}; the loopback adapter is
\Device\NPF_Loopback), numbered by the Windows interface index, the number
the class notes' Windows sniffers show (scapy's IFACES), so
'turtle sniff -i 3' captures where 'NIC #> 3' does.`

func runIfaces(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("ifaces", "ifaces", ifacesAbout, "turtle ifaces", stdout, stderr)
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "turtle ifaces: unexpected argument %q (run 'turtle ifaces --help')\n", fs.Arg(0))
		return 2
	}
	list, err := live.Interfaces()
	if err != nil {
		fmt.Fprintf(stderr, "turtle ifaces: %v\n", err)
		return 1
	}
	if err := live.WriteList(stdout, list, termsafe.Name); err != nil {
		fmt.Fprintf(stderr, "turtle ifaces: write output: %v\n", err)
		return 1
	}
	return 0
}
