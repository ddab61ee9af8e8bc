// Package netns owns turtle's anonymous network namespaces: created with
// unshare(CLONE_NEWNET) on a thread of their own, held by one descriptor,
// never named in /run/netns, so the kernel frees one when the descriptor is
// closed and no socket or process is left in it, even if turtle is killed.
//
// It is a package of its own because two packages need exactly this and
// nothing else of each other: record runs its scenarios in one (loopback
// tuned for stable captures), and sandbox runs student programs in them
// (IPv6 off, joined by veth pairs). Each passes its own setup to New; the
// thread handling, entering (Do), process listing and interface bringing-up
// live here once.
//
// Linux only: elsewhere the package is empty and its users say they do
// not support namespaces.
package netns

// SetupError is the cause when a namespace was created but its setup
// (bringing lo up, sysctls) failed: the caller had CAP_SYS_ADMIN to
// unshare, but not what the setup needs, usually CAP_NET_ADMIN.
type SetupError struct{ Err error }

func (e *SetupError) Error() string { return "set up the new namespace: " + e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }
