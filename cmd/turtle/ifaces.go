package main

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/turtle-sniffer/turtle/live"
)

const ifacesAbout = `Ifaces lists the interfaces that 'turtle sniff' can capture on, one a line:
number, name, addresses, up or down, and "loopback" for loopback devices.
'turtle sniff -i' takes the name or the number. On Linux the number is the
kernel's interface index and "any" captures all of them; on Windows (built
with -tags pcap) the list is Npcap's devices, numbered in its order.`

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
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	for _, ifc := range list {
		addrs := make([]string, len(ifc.Addrs))
		for i, a := range ifc.Addrs {
			addrs[i] = a.String()
		}
		addr := strings.Join(addrs, " ")
		if addr == "" {
			addr = "-"
		}
		state := "down"
		if ifc.Up {
			state = "up"
		}
		kind := ""
		if ifc.Loopback {
			kind = "loopback"
		}
		if ifc.Description != "" {
			kind = strings.TrimSpace(kind + " (" + printableName(ifc.Description) + ")")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strconv.Itoa(ifc.Index), printableName(ifc.Name), addr, state, kind)
	}
	if runtime.GOOS == "linux" {
		fmt.Fprintf(tw, "-\t%s\t%s\t%s\t%s\n", live.Any, "-", "up", "(all interfaces, Linux cooked frames)")
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "turtle ifaces: write output: %v\n", err)
		return 1
	}
	return 0
}
