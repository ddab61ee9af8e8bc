//go:build linux

package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/sandbox/sandboxtest"
)

func TestProbeWorksAsRoot(t *testing.T) {
	sandboxtest.Require(t, "ip")
	if why := Probe("", 10*time.Second); why != "" {
		t.Fatalf("Probe: %s, want nothing refused", why)
	}
}

func TestProbeNamesAMissingUser(t *testing.T) {
	sandboxtest.Require(t)
	why := Probe("turtle-no-such-user-i24c2", 10*time.Second)
	if !strings.HasPrefix(why, "the container has no user to run the program as (") || !strings.Contains(why, "turtle-no-such-user-i24c2") {
		t.Fatalf("Probe: %q, want the missing user named", why)
	}
}

// TestProbeRefusesNonRoot runs this test binary as nobody (setpriv), where
// Probe must say it is not root before trying anything.
func TestProbeRefusesNonRoot(t *testing.T) {
	if os.Getenv("TURTLE_PROBE_CHILD") == "1" {
		fmt.Print(Probe("", time.Second))
		return
	}
	sandboxtest.Require(t, "setpriv")
	cmd := exec.Command("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
		os.Args[0], "-test.run", "^TestProbeRefusesNonRoot$")
	cmd.Env = append(os.Environ(), "TURTLE_PROBE_CHILD=1", "USER=nobody")
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("cannot run the test binary as nobody (%v; is it in a folder nobody can read?)", err)
	}
	want := "the autograder runs as uid 65534 (nobody), not as root, so it can neither create the network namespace a program runs in nor switch to the unprivileged user that runs it"
	if !strings.Contains(string(out), want) {
		t.Fatalf("as nobody, Probe printed %q, want %q", out, want)
	}
}
