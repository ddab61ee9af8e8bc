package live

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestPickAndWhere(t *testing.T) {
	ifc, err := Pick("")
	if err != nil || ifc.Name != Unbound || !ifc.Up {
		t.Errorf(`Pick(""): %+v, %v; want Unbound`, ifc, err)
	}
	if _, err := Pick("no-such-iface-24c1"); err == nil || !strings.Contains(err.Error(), "no interface named") {
		t.Errorf("Pick of a missing interface: %v", err)
	}
	if Where(Unbound) != "every interface" || Where("lo") != "lo" || Where(Any) != "any" {
		t.Errorf("Where: %q %q %q", Where(Unbound), Where("lo"), Where(Any))
	}
}

func TestSnifferAddress(t *testing.T) {
	v6 := netip.MustParsePrefix("fe80::1/64")
	v4 := netip.MustParsePrefix("192.0.2.7/24")
	for _, tc := range []struct {
		ifc  Interface
		want string
	}{
		{Interface{Name: "eth9"}, "-"},
		{Interface{Name: "eth9", Addrs: []netip.Prefix{v6}}, "fe80::1"},
		{Interface{Name: "eth9", Addrs: []netip.Prefix{v6, v4}}, "192.0.2.7"},
	} {
		if got := SnifferAddress(tc.ifc); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.ifc, got, tc.want)
		}
	}
	// Every interface: the host name's IPv4 address, or "-"; never empty.
	if got := SnifferAddress(Interface{Name: Unbound}); got != "-" {
		if a, err := netip.ParseAddr(got); err != nil || !a.Is4() {
			t.Errorf("unbound: %q is neither - nor an IPv4 address", got)
		}
	}
}

func TestWriteList(t *testing.T) {
	list := []Interface{
		{Index: 1, Name: "lo", Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8"), netip.MustParsePrefix("::1/128")}, Up: true, Loopback: true},
		{Index: 12, Name: `\Device\NPF_{X}` + "\x1b", Description: "Wi-Fi \x1b[2J"},
	}
	var b bytes.Buffer
	escape := func(s string) string { return strconv.QuoteToASCII(s) }
	if err := WriteList(&b, list, escape); err != nil {
		t.Fatal(err)
	}
	want := "1   lo                       127.0.0.1/8 ::1/128  up    loopback\n" +
		"12  \"\\\\Device\\\\NPF_{X}\\x1b\"  -                    down  (\"Wi-Fi \\x1b[2J\")\n"
	if runtime.GOOS == "linux" {
		want += "-   any                      -                    up    (all interfaces, Linux cooked frames)\n"
	}
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// SetFilter compiles for the interface's own link type: loopback on
// Linux is Ethernet, so "udp" looks at the EtherType at offset 12.
func TestSetFilter(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the loopback's link type is asked of AF_PACKET, Linux only")
	}
	c := &Config{Snaplen: 65535}
	if err := c.SetFilter("lo", "udp"); errors.Is(err, os.ErrPermission) {
		t.Skipf("needs root or CAP_NET_RAW: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	if len(c.Filter) == 0 || c.Filter[0].Op != 0x28 || c.Filter[0].K != 12 {
		t.Errorf("filter %v: want ldh [12] first", c.Filter)
	}
	if err := c.SetFilter("lo", "udp and"); err == nil {
		t.Error("a bad expression compiled")
	}
}

func TestOpenErrorAndCheckNumbers(t *testing.T) {
	err := OpenError("lo", &os.PathError{Op: "socket", Path: "lo", Err: os.ErrPermission})
	if want := "capturing on lo needs root or CAP_NET_RAW: run it as root, or grant it with: sudo setcap cap_net_raw,cap_net_admin=eip $(which turtle)"; err.Error() != want {
		t.Errorf("permission: %v", err)
	}
	other := errors.New("no such device")
	if OpenError("lo", other) != other {
		t.Error("another error reworded")
	}
	for _, tc := range []struct {
		count, snaplen, buf int
		want                string
	}{
		{0, 262144, 8192, ""},
		{-1, 100, 8192, "-c -1: the frame count cannot be negative"},
		{0, 262145, 8192, "-s 262145: the snapshot length must be 0 (no cut) to 262144"},
		{0, -1, 8192, "-s -1: the snapshot length must be 0 (no cut) to 262144"},
		{0, 100, 1023, "-B 1023: the buffer size must be 1024 to 4194304 KiB"},
		{0, 100, 1<<22 + 1, "-B 4194305: the buffer size must be 1024 to 4194304 KiB"},
	} {
		err := CheckNumbers(tc.count, tc.snaplen, tc.buf)
		if got := fmt.Sprint(err); (err == nil) != (tc.want == "") || err != nil && got != tc.want {
			t.Errorf("%d %d %d: %v, want %q", tc.count, tc.snaplen, tc.buf, err, tc.want)
		}
	}
}
