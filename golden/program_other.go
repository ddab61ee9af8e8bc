//go:build !unix

package golden

import "os/exec"

// killGroup: without process groups, cancelling kills the program itself
// (exec's default).
func killGroup(cmd *exec.Cmd) {}
