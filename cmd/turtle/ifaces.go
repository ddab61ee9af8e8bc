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
		name := ifc.Name
		if !plainASCII(name) {
			name = printableName(name) // Npcap's names keep their backslashes
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strconv.Itoa(ifc.Index), name, addr, state, kind)
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

// plainASCII reports whether s is printable ASCII only: safe to print as
// it is, and to copy into -i.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
