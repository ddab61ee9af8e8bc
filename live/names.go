package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// This file holds how a capture's interface is chosen, named and listed
// for a person at a terminal: turtle sniff's -i, its first line, turtle
// ifaces' table, and the name messages give a capture on every interface.

// Pick resolves an interface as sniff's -i does: a name or a number
// (Lookup), or, for "", Unbound: every interface, as the notes' socket.
func Pick(nameOrIndex string) (Interface, error) {
	if nameOrIndex != "" {
		return Lookup(nameOrIndex)
	}
	return Interface{Name: Unbound, Up: true}, nil
}

// Where is how messages name the interface a capture is on: its name, or
// "every interface" when the capture is bound to none (Unbound).
func Where(name string) string {
	if name == Unbound {
		return "every interface"
	}
	return name
}

// SnifferAddress is what the classroom sniffer prints first ("IP: ..."):
// the interface's Address, or, capturing on every interface (Unbound), the
// host's as the notes' sniffer finds it,
// socket.gethostbyname(socket.gethostname()): the first IPv4 address of the
// host's name. It is "-" when there is none (where Python stops with an
// error).
func SnifferAddress(ifc Interface) string {
	if ifc.Name != Unbound {
		if a, ok := Address(ifc); ok {
			return a.String()
		}
		return "-"
	}
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

// SetFilter compiles the tcpdump expression expr for the link type that
// interface iface captures with c (see LinkTypeOf) at c's snapshot
// length, into c.Filter.
func (c *Config) SetFilter(iface, expr string) error {
	lt, err := LinkTypeOf(iface, c)
	if err != nil {
		return err
	}
	c.Filter, err = CompileFilter(expr, lt, c.Snaplen)
	return err
}

// WriteList writes list as turtle ifaces shows it, one interface a line
// in aligned columns: number, name, addresses ("-": none), up or down,
// and "loopback" and the description, if any. On Linux a last line names
// Any. escape makes a name or description safe for a terminal; a name of
// printable ASCII is written as it is, to be copied into -i.
func WriteList(w io.Writer, list []Interface, escape func(string) string) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
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
			kind = strings.TrimSpace(kind + " (" + escape(ifc.Description) + ")")
		}
		name := ifc.Name
		if !plainASCII(name) {
			name = escape(name) // Npcap's names keep their backslashes
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strconv.Itoa(ifc.Index), name, addr, state, kind)
	}
	if runtime.GOOS == "linux" {
		fmt.Fprintf(tw, "-\t%s\t%s\t%s\t%s\n", Any, "-", "up", "(all interfaces, Linux cooked frames)")
	}
	return tw.Flush()
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

// OpenError words err, from opening a capture on where (Where's name):
// a missing privilege becomes one line that says how to grant it on this
// system. Every command that captures (sniff, grade --live) says it so.
func OpenError(where string, err error) error {
	if !errors.Is(err, os.ErrPermission) {
		return err
	}
	if runtime.GOOS == "windows" {
		return fmt.Errorf("capturing on %s needs Administrator and Npcap: run turtle from an Administrator prompt, or install Npcap without \"Restrict Npcap driver's access to Administrators only\"", where)
	}
	return fmt.Errorf("capturing on %s needs root or CAP_NET_RAW: run it as root, or grant it with: sudo setcap cap_net_raw,cap_net_admin=eip $(which turtle)", where)
}

// CheckNumbers checks turtle sniff's frame count (-c), snapshot length
// (-s, once 0 is maxSnaplen) and buffer size in KiB (-B) before anything
// is opened.
func CheckNumbers(count, snaplen, bufKiB int) error {
	switch {
	case count < 0:
		return fmt.Errorf("-c %d: the frame count cannot be negative", count)
	case snaplen < 0 || snaplen > maxSnaplen:
		return fmt.Errorf("-s %d: the snapshot length must be 0 (no cut) to %d", snaplen, maxSnaplen)
	case bufKiB < 1024 || bufKiB > 1<<22:
		return fmt.Errorf("-B %d: the buffer size must be 1024 to 4194304 KiB", bufKiB)
	}
	return nil
}
