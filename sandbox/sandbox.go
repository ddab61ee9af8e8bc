// Package sandbox runs a program that a student handed in — untrusted code —
// so that it can be graded without trusting anyone in the class, in the
// way of the sandboxes contest systems and autograders trust (isolate,
// nsjail, bubblewrap): a uid of its own, namespaces of its own, a system
// call filter, limits on the whole program, a private copy of its folder,
// and nothing left at the end.
//
// It is a package of its own because no other package runs code it does not
// trust: record and echo run turtle's own programs, and grade reads files.
// The sniffer and echo labs of `turtle grade --program` and `--client` are
// built on it.
//
// What holds, and how (docs/grade-programs.md has the threat model):
//
//   - Identity (uid_linux.go): with no Config.User, each program runs as a
//     uid of its own from FirstUID (60100), held by a lock in
//     /run/turtle-sandbox and never one any process of the machine runs
//     as; no passwd entry is needed. No supplementary group, no capability
//     but CAP_NET_RAW for sniffers, no_new_privs.
//   - Namespaces (mounts_linux.go): its own network namespace (loopback,
//     and a sniffer's veth end, eth0), and where bubblewrap is installed
//     mount, PID, IPC and UTS namespaces: the system's folders read-only,
//     its copy read-write, a fresh /proc, devices bound one by one, private
//     size-capped tmpfs at /tmp, /var/tmp and /dev/shm.
//   - System calls (seccomp_linux.go): new namespaces, mounts, ptrace,
//     keyctl, bpf, perf_event_open and the like kill it, with a reason
//     (Result.Refused).
//   - Limits (cgroup_linux.go): memory, processes and one CPU for the
//     whole program in a control group (v2 files, or v1 memory, pids, cpu
//     and freezer), killed as one at the end; otherwise, and in any case
//     for CPU time, file size, core files and open files, rlimits set
//     with prlimit(2) on a gate process (a /bin/sh reading one byte from a
//     pipe) before the program's first instruction. Memory without a
//     cgroup is RLIMIT_DATA, never the address space (Go and Java reserve
//     far more than they use). Wall time and output are turtle's own.
//   - Its working directory is a copy of the submission folder, made by
//     root in a folder only root can enter and handed over file by file
//     through open descriptors, both trees walked by descriptors so that
//     no link swapped in is followed (copyTree), removed at the end; the
//     submission itself is never written.
//   - The gate is the init of a PID namespace with a parent-death signal:
//     when the program ends or turtle dies (even SIGKILL), the kernel kills
//     every process it started. Network namespaces are anonymous, so they
//     and their veths go with the last process. The folders and control
//     groups of a killed turtle are removed by the next one (RemoveStale).
//
// Everything here needs root (to create namespaces and switch users) and
// Linux; elsewhere Start returns ErrNotSupported. Probe (probe.go) tries
// each of those in turn and says, in plain words, the first a machine (an
// autograder's container) refuses, before any program runs.
package sandbox

import (
	"cmp"
	"errors"
	"runtime"
	"time"
)

// Limits bound one run. Zero fields take the defaults below.
type Limits struct {
	Wall   time.Duration // from start to kill
	CPU    time.Duration // CPU time of each process (RLIMIT_CPU), rounded up to seconds
	Memory int64         // bytes of memory of the whole program (cgroup), else of each process's data (RLIMIT_DATA)
	Procs  int           // processes and threads at once: of the whole program (cgroup), else of its uid (RLIMIT_NPROC)
	Output int64         // bytes of standard output kept; more stops the program
	Files  int64         // bytes of any file it writes (RLIMIT_FSIZE)
}

// Default limits: generous for a classroom Python program, small for a
// machine that grades a class two at a time.
const (
	DefaultWall   = 30 * time.Second
	DefaultCPU    = 10 * time.Second
	DefaultMemory = 512 << 20
	DefaultProcs  = 64
	DefaultOutput = 4 << 20
	DefaultFiles  = 16 << 20
)

// WithDefaults returns l with every field that is not positive set to its
// default.
func (l Limits) WithDefaults() Limits {
	l.Wall = cmp.Or(max(l.Wall, 0), DefaultWall)
	l.CPU = cmp.Or(max(l.CPU, 0), DefaultCPU)
	l.Memory = cmp.Or(max(l.Memory, 0), DefaultMemory)
	l.Procs = cmp.Or(max(l.Procs, 0), DefaultProcs)
	l.Output = cmp.Or(max(l.Output, 0), DefaultOutput)
	l.Files = cmp.Or(max(l.Files, 0), DefaultFiles)
	return l
}

// A job with no Config.User runs as a uid of its own from this range, as
// isolate does (its boxes are 60000 + box): no account is needed for it, and
// it is leased only while no process on the machine runs as it, so
// programs graded at once cannot reach each other's files or processes,
// and count their processes (RLIMIT_NPROC) apart.
const (
	FirstUID = 60100
	NumUIDs  = 800
)

// Config says what to run and how.
type Config struct {
	Command string   // a shell command line, run by /bin/sh -c in the folder's copy
	Dir     string   // the submission folder; "" runs in an empty private folder
	User    string   // who runs it: a user name or number; "" is a uid of its own (FirstUID on)
	NetRaw  bool     // hold CAP_NET_RAW (ambient), for sniffers
	Netns   *Netns   // the namespace to run in; it must outlive the process
	Env     []string // added to the small environment the program gets
	Stdin   []byte   // its standard input, then end of file
	Limits  Limits
}

// Result is how a run ended.
type Result struct {
	Stdout    []byte        // what it printed, at most Limits.Output bytes
	Stderr    string        // the last lines of its standard error
	Exit      int           // exit status; -1 when killed by a signal
	Signal    string        // the signal that ended it ("killed", "interrupt", ...), "" if it exited
	Limit     string        // the limit that stopped it ("wall time 30s", "output 4 MiB", "CPU time 10s", ...), "" if none
	Elapsed   time.Duration // from start to its end
	Truncated bool          // Stdout was cut at the output limit
	Refused   string        // why the sandbox killed it for a system call it forbids (seccomp), "" if it did not
}

// Stopped reports whether the program ended because turtle stopped it
// (Stop, a limit, a cancelled context) rather than by itself.
func (r *Result) Stopped() bool { return r.Signal != "" }

var (
	// ErrNotSupported is returned where sandboxes cannot be made: systems
	// other than Linux.
	ErrNotSupported = errors.New("running student programs needs Linux; this is " + runtime.GOOS)
	// ErrNotReady is returned by WaitReady when the program ended or the
	// time ran out before it printed a line.
	ErrNotReady = errors.New("the program did not start")
)
