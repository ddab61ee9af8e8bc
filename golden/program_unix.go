//go:build unix

package golden

import (
	"os/exec"
	"syscall"
)

// killGroup runs the program in a process group of its own and makes
// cancelling kill the whole group, children included.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
