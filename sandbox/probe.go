package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/internal/netns"
)

// Probe tries, in order, what running a program needs — root, the user
// (a user name or number; "" is a uid of its own), two network namespaces
// joined by a veth pair, and a program started as the user with
// CAP_NET_RAW in one of them, stopped after wall — and says in plain words
// the first thing the machine (an autograder's container, say) refuses,
// or "" when everything works.
func Probe(user string, wall time.Duration) string {
	if uid := os.Geteuid(); uid != 0 {
		who := fmt.Sprintf("uid %d", uid)
		if name := os.Getenv("USER"); name != "" {
			who += " (" + name + ")"
		}
		return "the autograder runs as " + who + ", not as root, so it can neither create the network namespace a program runs in nor switch to the unprivileged user that runs it"
	}
	if err := CheckUser(user); err != nil {
		return fmt.Sprintf("the container has no user to run the program as (%v); give the package an existing unprivileged --user", err)
	}
	wire, err := NewNetns()
	if setup := (*netns.SetupError)(nil); errors.As(err, &setup) {
		return fmt.Sprintf("it can create a network namespace but not configure it (%v), which needs CAP_NET_ADMIN", err)
	}
	if err != nil {
		return fmt.Sprintf("it cannot create a network namespace (%v), which needs CAP_SYS_ADMIN and unshare allowed by the container's seccomp profile", err)
	}
	defer wire.Close()
	ns, err := NewNetns()
	if err != nil {
		return fmt.Sprintf("it cannot create a second network namespace (%v)", err)
	}
	defer ns.Close()
	if _, err := exec.LookPath("ip"); err != nil {
		return "the container has no ip command (iproute2), which makes the veth pair the program listens on; install it in setup.sh (apt-get install -y iproute2)"
	}
	if _, err := NewVeth(wire, ns); err != nil {
		return fmt.Sprintf("it cannot create a veth pair between two network namespaces (%v), which needs CAP_NET_ADMIN", err)
	}
	p, err := Start(context.Background(), Config{Command: "exit 0", User: user, NetRaw: true, Netns: ns, Limits: Limits{Wall: wall}})
	if err != nil {
		return fmt.Sprintf("it cannot start a program as user %s in a network namespace (%v), which needs CAP_SETUID, CAP_SETGID and CAP_NET_RAW", userOrOwnUID(user), err)
	}
	if res := p.Wait(); res.Exit != 0 || res.Signal != "" {
		why := fmt.Sprintf("exit status %d", res.Exit)
		if res.Signal != "" {
			why = "signal " + res.Signal
		}
		if res.Stderr != "" {
			why += ": " + strings.ReplaceAll(res.Stderr, "\n", " / ")
		}
		return fmt.Sprintf("a program started as user %s with CAP_NET_RAW in a network namespace fails at once (%s)", userOrOwnUID(user), why)
	}
	return ""
}

// userOrOwnUID names user for a message: "" is a uid of its own.
func userOrOwnUID(u string) string {
	if u == "" {
		return fmt.Sprintf("%d (a uid of its own)", FirstUID)
	}
	return u
}
