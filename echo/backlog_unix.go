//go:build unix

package echo

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// setBacklog calls listen(2) again on a listening socket, which Linux and
// the BSDs take as a new backlog for it.
func setBacklog(ln net.Listener, backlog int) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return fmt.Errorf("backlog: not a socket listener (%T)", ln)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return fmt.Errorf("backlog: %w", err)
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), backlog) }); err != nil {
		return fmt.Errorf("backlog: %w", err)
	}
	return os.NewSyscallError("listen", lerr)
}
