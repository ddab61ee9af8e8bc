//go:build !unix

package live

// DropPrivileges has nothing to drop where there are no Unix user ids;
// Npcap decides on Windows who may capture.
func DropPrivileges(name string) error { return nil }

// CheckUser has no user to look up where DropPrivileges does nothing.
func CheckUser(name string) error { return nil }
