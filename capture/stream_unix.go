//go:build unix

package capture

import (
	"errors"
	"syscall"
)

// noFollow makes the open fail on a symbolic link at the last element.
const noFollow = syscall.O_NOFOLLOW

// isLinkRefused reports whether err is O_NOFOLLOW's refusal of a link:
// ELOOP (Linux, macOS, OpenBSD), EMLINK (FreeBSD, NetBSD).
func isLinkRefused(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}
