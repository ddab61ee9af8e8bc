// Package sandboxtest is what a test that runs programs in the sandbox
// checks before it starts: root (to create namespaces and switch users)
// and the tools the test uses; it
// skips with the reason when one is missing. It is a package of its own so
// that the sandbox's own tests, grade/programs' and cmd/turtle's check the
// same things in one way, as live/livetest does for live.
package sandboxtest

import (
	"os"
	"os/exec"
	"testing"
)

// Require skips t unless the process runs as root and each of tools (e.g. "python3", "ip") is on PATH.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces, veth pairs, switching users); CI runs as root")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s on PATH", tool)
		}
	}
}
