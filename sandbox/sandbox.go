// Package sandbox runs a program that a student handed in — untrusted code —
// so that it can be graded: as an unprivileged user, in a network namespace
// of its own with no route out, under limits of wall time, CPU time, memory,
// processes and output, in a private copy of its folder, and with every
// process it started killed at the end.
//
// It is a package of its own because no other package runs code it does not
// trust: record and echo run turtle's own programs, and grade reads files.
// The sniffer and echo labs of `turtle grade --program` and `--client` are
// built on it.
//
// How the limits are enforced, and why:
//
//   - Limits are resource limits (setrlimit), applied with prlimit(2) to the
//     started process while it waits at a gate (a /bin/sh that reads one byte
//     from a pipe before it runs the command), so they hold from the
//     program's first instruction and are inherited by everything it starts:
//     CPU time is RLIMIT_CPU (SIGXCPU, then SIGKILL), memory is RLIMIT_AS
//     (address space, which bounds what the program can map: stricter than
//     resident memory), processes are RLIMIT_NPROC (which Linux counts per
//     user, so programs graded at once as the same user share it), files it
//     writes are RLIMIT_FSIZE, and no core file is written (RLIMIT_CORE 0).
//     cgroup v2 would count memory and processes per run instead, but it
//     needs a writable, delegated /sys/fs/cgroup, which the machines turtle
//     is built and graded on (cgroup v1 or hybrid, in containers) do not
//     have; rlimits work everywhere Linux runs.
//   - Wall time and output are turtle's own: a timer, and a reader that
//     keeps at most Limits.Output bytes of standard output (and the last
//     lines of standard error) and stops the program when it prints more.
//   - The program runs as Config.User (nobody by default), with no
//     supplementary groups, holding no capability except CAP_NET_RAW as an
//     ambient capability when Config.NetRaw is set (a sniffer needs it for
//     its AF_PACKET socket), and with no_new_privs set where util-linux's
//     setpriv is installed, so a set-user-ID program gives nothing back.
//   - It is its own process group in a PID namespace of its own, whose
//     init is the gate: when the program's first process ends, or turtle
//     dies (the gate's parent-death signal), the kernel kills every process
//     it started, however it forked. At the end every process in its
//     network namespace is killed as well.
//   - Network namespaces are anonymous (never named in /run/netns): the
//     kernel frees one, and the veth ends in it, when the last process and
//     the last descriptor of turtle's are gone, even if turtle itself is
//     killed.
//   - Its working directory is a copy of the submission folder in a private
//     temporary directory (HOME and TMPDIR point there too), removed at the
//     end; the submission itself is never written. The folders of a turtle
//     that was killed (SIGKILL) are removed by the next one (RemoveStale).
//
// Everything here needs root (to create namespaces and switch users) and
// Linux; elsewhere Start returns ErrNotSupported.
package sandbox

import (
	"errors"
	"runtime"
	"time"
)

// Limits bound one run. Zero fields take the defaults below.
type Limits struct {
	Wall   time.Duration // from start to kill
	CPU    time.Duration // CPU time of each process (RLIMIT_CPU), rounded up to seconds
	Memory int64         // bytes of address space of each process (RLIMIT_AS)
	Procs  int           // processes and threads of the user at once (RLIMIT_NPROC)
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

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.Wall <= 0 {
		l.Wall = DefaultWall
	}
	if l.CPU <= 0 {
		l.CPU = DefaultCPU
	}
	if l.Memory <= 0 {
		l.Memory = DefaultMemory
	}
	if l.Procs <= 0 {
		l.Procs = DefaultProcs
	}
	if l.Output <= 0 {
		l.Output = DefaultOutput
	}
	if l.Files <= 0 {
		l.Files = DefaultFiles
	}
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
