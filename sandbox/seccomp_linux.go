//go:build linux

package sandbox

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The system call filter (seccomp) of programs run in bwrap's namespaces:
// a program that makes one of these calls is killed (SIGSYS) and its
// feedback says why (Result.Refused). They are what a grader never needs
// and what breaks out of a sandbox or attacks the kernel: new namespaces
// (unshare, setns, and clone with a CLONE_NEW* flag: user namespaces are
// the kernel's largest attack surface), mounts, keyrings, BPF, perf
// events, ptrace and reading or writing another process's memory, kernel
// modules, kexec, handles to files by number. clone3 gets ENOSYS (its
// flags are out of a filter's reach), so the C library falls back to
// clone. github.com/elastic/go-seccomp-bpf (pure Go) assembles it; bwrap
// loads it (--seccomp) just before running setpriv.
var refusedCalls = []string{
	"unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
	"move_mount", "open_tree", "mount_setattr", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "init_module", "finit_module",
	"delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl",
	"syslog", "open_by_handle_at", "name_to_handle_at", "userfaultfd", "iopl", "ioperm", "lookup_dcookie",
}

// RefusedReason is what a student reads when the filter stopped the
// program.
const RefusedReason = "the sandbox stopped the program at a system call that graded programs may not make " +
	"(new namespaces such as unshare -U, mount, ptrace, keyctl, bpf, perf_event_open and the like)"

const cloneNew = unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUTS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME

var (
	filterOnce sync.Once
	filterRaw  []byte
	filterErr  error
)

// seccompFilter returns the filter as the kernel's struct sock_filter
// array, which bwrap --seccomp reads.
func seccompFilter() ([]byte, error) {
	filterOnce.Do(func() {
		var names []string
		for _, n := range refusedCalls {
			if known(n) {
				names = append(names, n)
			}
		}
		policy := seccomp.Policy{
			DefaultAction: seccomp.ActionAllow,
			Syscalls: []seccomp.SyscallGroup{
				{Names: names, Action: seccomp.ActionKillProcess},
				{NamesWithCondtions: []seccomp.NameWithConditions{{Name: "clone", Conditions: seccomp.ArgumentConditions{
					{Argument: 0, Operation: seccomp.BitsSet, Value: cloneNew}}}}, Action: seccomp.ActionKillProcess},
				{Names: []string{"clone3"}, Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS)},
			},
		}
		var prog []bpf.Instruction
		if prog, filterErr = policy.Assemble(); filterErr != nil {
			return
		}
		var raw []bpf.RawInstruction
		if raw, filterErr = bpf.Assemble(prog); filterErr != nil {
			return
		}
		var b bytes.Buffer
		for _, r := range raw {
			binary.Write(&b, binary.NativeEndian, struct {
				Op     uint16
				Jt, Jf uint8
				K      uint32
			}{r.Op, r.Jt, r.Jf, r.K})
		}
		filterRaw = b.Bytes()
	})
	return filterRaw, filterErr
}

// known reports whether this architecture has the call (the filter may
// name only those).
func known(name string) bool {
	p := seccomp.Policy{DefaultAction: seccomp.ActionAllow,
		Syscalls: []seccomp.SyscallGroup{{Names: []string{name}, Action: seccomp.ActionKillProcess}}}
	_, err := p.Assemble()
	return err == nil
}

// seccompFile returns the filter in a memory file for bwrap to read.
func seccompFile() (*os.File, error) {
	raw, err := seccompFilter()
	if err != nil {
		return nil, err
	}
	fd, err := unix.MemfdCreate("turtle-seccomp", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "turtle-seccomp")
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func seccompLine() string {
	if ok, _ := Mounts(); !ok {
		return "no system call filter; "
	}
	if _, err := seccompFilter(); err != nil {
		return "no system call filter (" + err.Error() + "); "
	}
	return "a seccomp filter (no new namespaces, mount, ptrace, keyctl, bpf, perf_event_open); "
}
