//go:build linux

package main

import (
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/live/livetest"
)

// Issue 19 item 12: when the interface being captured on disappears (a
// veth deleted during the capture), sniff flushes what it has, says so in
// one line and exits 1, instead of waiting for ever.
func TestSniffInterfaceDisappears(t *testing.T) {
	livetest.RequireRoot(t)
	a, _ := livetest.Pair(t)
	p := start(t, a, nil, "sniff", "-i", "a0", "-Z", "root")
	p.waitLine(t, "IP: ")
	a.IP(t, "link", "del", "a0")
	code, _, stderr := p.wait(t)
	if code != 1 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "turtle sniff: a0: the interface went down or disappeared (network is down)\n") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if !strings.Contains(stderr, "packets captured") {
		t.Errorf("no final count (nothing flushed?):\n%s", stderr)
	}
}
