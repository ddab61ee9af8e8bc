//go:build linux && amd64

package programs

import "golang.org/x/sys/unix"

// blockingPollSyscall: the waits of amd64 that arm64 has only in their
// p-forms (listening_linux.go checks those).
func blockingPollSyscall(nr int) bool {
	return nr == unix.SYS_POLL || nr == unix.SYS_SELECT || nr == unix.SYS_EPOLL_WAIT
}
