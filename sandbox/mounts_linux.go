//go:build linux

package sandbox

import (
	"os"
	"os/exec"
	"strconv"
	"sync"
)

// Mount, PID, IPC and UTS namespaces come from bubblewrap (bwrap, the
// Debian package bubblewrap, Flatpak's sandbox): it is run as root inside
// the program's network namespace, builds a root of its own on a tmpfs
// with the system's folders read-only and the private copy read-write,
// and runs util-linux's setpriv, which becomes the job's uid with no
// capability but CAP_NET_RAW (sniffers) and no_new_privs. That is the
// least code that gives a sniffer its AF_PACKET socket on the veth: bwrap
// as an unprivileged user would need a user namespace, in which
// CAP_NET_RAW does not reach the network namespace turtle made; doing the
// mounts by hand would need a helper process between fork and exec,
// which Go cannot run.

// Sizes of the private tmpfs folders (their pages count as the job's
// memory where a memory cgroup holds).
const (
	tmpSize = 64 << 20
	shmSize = 64 << 20
)

var (
	toolsOnce              sync.Once
	bwrapPath, setprivPath string
)

func tools() (bwrap, setpriv string) {
	toolsOnce.Do(func() {
		for _, dir := range []string{"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"} {
			if bwrapPath == "" && rootsExecutable(dir+"/bwrap") {
				bwrapPath = dir + "/bwrap"
			}
			if setprivPath == "" && rootsExecutable(dir+"/setpriv") {
				setprivPath = dir + "/setpriv"
			}
		}
		if setprivPath == "" {
			setprivPath, _ = exec.LookPath("setpriv")
		}
	})
	return bwrapPath, setprivPath
}

// rootsExecutable reports whether path is an executable file that only
// root can change: root runs it before the program's limits hold.
func rootsExecutable(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 || fi.Mode()&0o022 != 0 {
		return false
	}
	st, ok := statOwner(fi)
	return ok && st == 0
}

// Mounts reports whether programs get mount, PID, IPC and UTS namespaces
// of their own (bwrap and setpriv are installed), and if not why.
func Mounts() (bool, string) {
	bw, sp := tools()
	switch {
	case bw == "":
		return false, "bubblewrap (bwrap) is not installed"
	case sp == "":
		return false, "setpriv (util-linux) is not installed"
	}
	return true, ""
}

// hostname is the program's host name; /etc/hosts names it, so that
// socket.gethostbyname(socket.gethostname()), which the class notes'
// sniffer calls first, answers.
const hostname = "turtle-sandbox"

var (
	hostsOnce sync.Once
	hostsPath string
	hostsErr  error
)

// hostsFile writes the programs' /etc/hosts once, in root's own folder of
// uid locks.
func hostsFile() (string, error) {
	hostsOnce.Do(func() {
		dir, err := openLockDir()
		if err != nil {
			hostsErr = err
			return
		}
		dir.Close()
		f, err := os.CreateTemp(lockDir, ".hosts-*")
		if err != nil {
			hostsErr = err
			return
		}
		_, err = f.WriteString("127.0.0.1\tlocalhost\n127.0.1.1\t" + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n")
		if err == nil {
			err = f.Chmod(0o644)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(f.Name(), lockDir+"/hosts")
		}
		if err != nil {
			os.Remove(f.Name())
			hostsErr = err
			return
		}
		hostsPath = lockDir + "/hosts"
	})
	return hostsPath, hostsErr
}

// bwrapArgs is the command line that runs command as uid:gid in dir,
// inside namespaces of its own.
func bwrapArgs(dir string, uid, gid uint32, netRaw bool, seccompFD int, command string) []string {
	bw, sp := tools()
	a := []string{bw, "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--hostname", hostname,
		"--die-with-parent", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"}
	if hosts, err := hostsFile(); err == nil {
		a = append(a, "--ro-bind", hosts, "/etc/hosts")
	}
	for _, d := range []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"} {
		fi, err := os.Lstat(d)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			if to, err := os.Readlink(d); err == nil {
				a = append(a, "--symlink", to, d)
			}
		case fi.IsDir():
			a = append(a, "--ro-bind", d, d)
		}
	}
	// Folders bwrap makes on the way take turtle's umask: say 0755.
	a = append(a, "--perms", "0755", "--dir", "/dev", "--perms", "0755", "--dir", "/var", "--proc", "/proc")
	// Devices one by one (--dev fails where the host lacks one of its
	// devices, /dev/full in some virtual machines).
	for _, d := range []string{"null", "zero", "full", "random", "urandom"} {
		a = append(a, "--dev-bind-try", "/dev/"+d, "/dev/"+d)
	}
	a = append(a, "--symlink", "/proc/self/fd", "/dev/fd", "--symlink", "/proc/self/fd/0", "/dev/stdin",
		"--symlink", "/proc/self/fd/1", "/dev/stdout", "--symlink", "/proc/self/fd/2", "/dev/stderr",
		"--perms", "1777", "--size", strconv.Itoa(tmpSize), "--tmpfs", "/tmp",
		"--perms", "1777", "--size", strconv.Itoa(tmpSize), "--tmpfs", "/var/tmp",
		"--perms", "1777", "--size", strconv.Itoa(shmSize), "--tmpfs", "/dev/shm",
		"--bind", dir, dir, "--chdir", dir)
	if seccompFD >= 0 {
		a = append(a, "--seccomp", strconv.Itoa(seccompFD))
	}
	caps := "-all"
	if netRaw {
		caps = "-all,+net_raw"
	}
	a = append(a, "--", sp, "--reuid", strconv.Itoa(int(uid)), "--regid", strconv.Itoa(int(gid)), "--clear-groups",
		"--bounding-set", caps, "--inh-caps", caps)
	if netRaw {
		a = append(a, "--ambient-caps", "+net_raw")
	}
	return append(a, "--no-new-privs", "/bin/sh", "-c", command)
}
