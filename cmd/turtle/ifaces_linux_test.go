//go:build linux

package main

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/live/livetest"
)

// Issue 19 item 9: Linux lets an interface name hold ESC and BEL; ifaces
// prints them escaped, never raw.
func TestIfacesEscapesNames(t *testing.T) {
	livetest.RequireRoot(t)
	ns := livetest.New(t)
	name := "t\x1b[2J\a" // clear screen, bell: 7 bytes, under IFNAMSIZ
	if out, err := exec.Command("ip", "-n", ns.Name, "link", "add", name, "type", "veth", "peer", "name", "p0").CombinedOutput(); err != nil {
		t.Skipf("the kernel refuses a veth named %q: %v %s", name, err, out)
	}
	var stdout, stderr bytes.Buffer
	var code int
	if err := ns.Do(func() error {
		code = runIfaces(nil, io.MultiReader(), &stdout, &stderr)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if strings.ContainsAny(out, "\x1b\a") {
		t.Errorf("raw control bytes in the output:\n%q", out)
	}
	if !strings.Contains(out, `t\x1b[2J\a`) {
		t.Errorf("escaped name missing:\n%s", out)
	}
}
