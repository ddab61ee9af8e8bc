package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY returns the terminal side of a new pseudo-terminal.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}

// Unescaped bytes never go to a terminal: the commands that would write
// them refuse, before doing anything, when standard output is one.
func TestNoRawBytesToATerminal(t *testing.T) {
	tty := openPTY(t)
	if !isTerminal(tty) {
		t.Fatal("isTerminal does not recognise a pseudo-terminal")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"follow", "--format", "raw", "../../testdata/tcp-echo.pcap"}, "--format raw writes the bytes unescaped"},
		{[]string{"sniff", "-i", "lo", "-w", "-"}, "-w - writes a binary capture"},
		{[]string{"edit", "-o", "-", "../../testdata/tcp-echo.pcap"}, "refusing to write a binary capture to a terminal"},
		{[]string{"anonymize", "--key-file", "../../testdata/tcp-echo.pcap", "-o", "-", "../../testdata/tcp-echo.pcap"}, "refusing to write a binary capture to a terminal"},
	} {
		var stderr bytes.Buffer
		code := run(tc.args, nil, tty, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
