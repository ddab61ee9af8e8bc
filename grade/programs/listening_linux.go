package programs

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/turtle-sniffer/turtle/sandbox"
)

// waitsOnPacketSocket reports whether a thread of a process in ns is
// blocked waiting for a frame on a packet socket: in recvfrom, recvmsg,
// recvmmsg or read on it, or in poll, select or epoll_wait while holding
// it. That a socket is open is not enough: a sniffer may set it up after
// opening it, and scapy's conf.L2socket opens it with a receive buffer of
// 0, binds it, drains it and only then gives it a buffer, so frames sent
// before it waits would be lost. Root reads every process's
// /proc/PID/task/TID/syscall.
func waitsOnPacketSocket(ns *sandbox.Netns) bool {
	var self string
	sockets := map[string]bool{} // socket inodes, as in "socket:[INODE]"
	ns.Do(func() error {
		self, _ = os.Readlink("/proc/thread-self/ns/net")
		b, err := os.ReadFile("/proc/thread-self/net/packet")
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line) // sk RefCnt Type Proto Iface R Rmem User Inode
			if i > 0 && len(f) >= 9 {
				sockets["socket:["+f[8]+"]"] = true
			}
		}
		return nil
	})
	if self == "" || len(sockets) == 0 {
		return false
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, proc := range procs {
		if ns, _ := os.Readlink(proc + "/ns/net"); ns != self {
			continue
		}
		holds := false
		fds, _ := os.ReadDir(proc + "/fd")
		for _, fd := range fds {
			if l, _ := os.Readlink(proc + "/fd/" + fd.Name()); sockets[l] {
				holds = true
				break
			}
		}
		if !holds {
			continue
		}
		tasks, _ := filepath.Glob(proc + "/task/[0-9]*")
		for _, task := range tasks {
			b, _ := os.ReadFile(task + "/syscall")
			f := strings.Fields(string(b)) // NR ARG1 ... SP PC, or "running"
			if len(f) < 2 {
				continue
			}
			nr, err1 := strconv.Atoi(f[0])
			fd, err2 := strconv.ParseInt(strings.TrimPrefix(f[1], "0x"), 16, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			switch nr {
			case unix.SYS_RECVFROM, unix.SYS_RECVMSG, unix.SYS_RECVMMSG, unix.SYS_READ:
				if l, _ := os.Readlink(proc + "/fd/" + strconv.FormatInt(fd, 10)); sockets[l] {
					return true
				}
			case unix.SYS_PPOLL, unix.SYS_PSELECT6, unix.SYS_EPOLL_PWAIT:
				return true
			}
			if blockingPollSyscall(nr) {
				return true
			}
		}
	}
	return false
}
