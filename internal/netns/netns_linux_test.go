//go:build linux

package netns

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func ino(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// A namespace is another network than the host's, its setup runs inside
// it, Do and the processes started there are in it, and a failing setup
// is the error of New.
func TestNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_SYS_ADMIN) to create a network namespace; CI runs as root")
	}
	// The test's own thread, held for the whole test: /proc/self names the
	// main thread, which may be the one New unshared (the runtime then
	// parks it for good instead of ending it).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	host := ino(t, "/proc/thread-self/ns/net")
	var setupIno uint64
	ns, err := New(func() error {
		setupIno = ino(t, "/proc/thread-self/ns/net")
		return LinkUp("lo")
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if setupIno == host || setupIno != ns.ino {
		t.Errorf("setup ran in namespace %d; host %d, new %d", setupIno, host, ns.ino)
	}
	var cmd *exec.Cmd
	err = ns.Do(func() error {
		if got := ino(t, "/proc/thread-self/ns/net"); got != ns.ino {
			t.Errorf("Do ran in namespace %d, want %d", got, ns.ino)
		}
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			return err
		}
		if lo.Flags&net.FlagUp == 0 {
			t.Errorf("lo is down after LinkUp: %v", lo.Flags)
		}
		cmd = exec.Command("sleep", "10")
		return cmd.Start()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	if pids := ns.Pids(); !slices.Contains(pids, cmd.Process.Pid) {
		t.Errorf("Pids %v lacks the process started in Do (%d)", pids, cmd.Process.Pid)
	}
	if got := ino(t, "/proc/thread-self/ns/net"); got != host {
		t.Errorf("the test's own thread moved to namespace %d", got)
	}

	bad := errors.New("setup failed")
	if _, err := New(func() error { return bad }); !errors.Is(err, bad) {
		t.Errorf("New with a failing setup: %v, want %v", err, bad)
	}
}
