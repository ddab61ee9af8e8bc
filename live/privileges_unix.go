//go:build unix

package live

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// DropPrivileges switches a root process to the user name (all threads:
// Go applies setuid to every thread since 1.16); root or a process that is
// not root stays as it is. Call it once the capture handles and the files
// the frames go to are open, before a Recorder reads the first frame:
// nothing the network sends is decoded as root. Its errors name the user
// as the -Z flag that every capturing command takes.
func DropPrivileges(name string) error {
	if os.Geteuid() != 0 || name == "root" {
		return nil
	}
	u, err := lookupUser(name)
	if err != nil {
		return err
	}
	return switchUser(name, u)
}

// CheckUser says whether DropPrivileges(name) can find the user, so that a
// wrong -Z fails before any output file is created or truncated.
func CheckUser(name string) error {
	if os.Geteuid() != 0 || name == "root" {
		return nil
	}
	_, err := lookupUser(name)
	return err
}

// lookupUser finds a user by name or by number.
func lookupUser(name string) (*user.User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		if u, err = user.LookupId(name); err != nil {
			return nil, fmt.Errorf("-Z %s: no such user", name)
		}
	}
	return u, nil
}

// switchUser sets the ids and groups of u.
func switchUser(name string, u *user.User) error {
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("-Z %s: user ids %q/%q are not numbers", name, u.Uid, u.Gid)
	}
	groups := []int{gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				groups = append(groups, g)
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("-Z %s: setgroups: %w", name, err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("-Z %s: setgid: %w", name, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("-Z %s: setuid: %w", name, err)
	}
	return nil
}
