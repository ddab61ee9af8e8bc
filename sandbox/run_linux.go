//go:build linux

package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

var inheritOnce sync.Once

// Process is a running student program.
type Process struct {
	lim    Limits
	ns     *Netns
	own    bool // ns was made by Start and is closed by it
	closed bool
	dir    string
	cmd    *exec.Cmd
	pgid   int
	uid    uint32  // the user it runs as
	mounts bool    // in bwrap's namespaces
	cg     *cgroup // its control groups; nil where there are none
	lease  *lease  // the uid of its own, when no Config.User was given

	start  time.Time
	exited chan struct{} // closed when the group leader has been reaped
	state  *os.ProcessState
	werr   error

	mu      sync.Mutex
	stdout  []byte
	trunc   bool
	lastOut time.Time
	lines   int           // newlines seen on stdout
	changed chan struct{} // closed and replaced on every output
	limit   string
	stderr  tail

	readers  sync.WaitGroup
	stopOnce sync.Once
	res      Result
	wall     *time.Timer
	ctxStop  func() bool
}

// gate waits for one line on descriptor 3 (turtle writes it once the
// limits are set) and then runs the command; gateNoNewPrivs does so with
// no_new_privs set (util-linux's setpriv), so that no set-user-ID program
// gives the student back a privilege. The gate stays as the init of the
// program's PID namespace (the command is its child, never PID 1, so its
// signals act as usual) and ends with the command's status, 128+N when a
// signal N ended it.
//
// gateArgs runs its arguments (bwrap's command line) instead: the gate is
// root's then, and bwrap and setpriv switch to the job's uid.
const (
	gate           = `read -r _ <&3 || exit 125; exec 3<&-; /bin/sh -c "$1"`
	gateNoNewPrivs = `read -r _ <&3 || exit 125; exec 3<&-; "$2" --no-new-privs /bin/sh -c "$1"`
	gateArgs       = `read -r _ <&3 || exit 125; exec 3<&-; "$@"`
)

// Start copies the submission folder, starts the command in it under the
// limits and returns at once. ctx cancelled (Ctrl-C) stops it as Stop
// does. The caller must call Stop or Wait, which clean everything up.
func Start(ctx context.Context, cfg Config) (*Process, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("running student programs needs root (to create a network namespace and switch to an unprivileged user)")
	}
	p := &Process{lim: cfg.Limits.WithDefaults(), ns: cfg.Netns, exited: make(chan struct{}), changed: make(chan struct{})}
	p.stderr.max = 8 << 10
	ok := false
	defer func() {
		if !ok {
			p.cleanup()
		}
	}()
	var uid, gid uint32
	var err error
	if cfg.User == "" {
		if p.lease, err = leaseUID(); err != nil {
			return nil, err
		}
		uid, gid = p.lease.uid, p.lease.gid
	} else if uid, gid, err = lookupUser(cfg.User); err != nil {
		return nil, err
	}
	p.uid = uid
	if p.ns == nil {
		if p.ns, err = NewNetns(); err != nil {
			return nil, err
		}
		p.own = true
	}
	if p.dir, err = os.MkdirTemp("", "turtle-grade-"+strconv.Itoa(os.Getpid())+"-"); err != nil {
		return nil, err
	}
	if cfg.Dir != "" {
		if err := copyTree(cfg.Dir, p.dir, uid, gid); err != nil {
			return nil, fmt.Errorf("copy %s: %w", cfg.Dir, err)
		}
	}
	if err := handOver(p.dir, uid, gid); err != nil {
		return nil, err
	}

	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		errR.Close()
		errW.Close()
		return nil, err
	}
	p.mounts, _ = Mounts()
	// Descriptors turtle inherited without close-on-exec would reach the
	// program: mark them all (Go's own are already).
	inheritOnce.Do(func() { unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) })
	tmpdir := p.dir
	var cmd *exec.Cmd
	var filter *os.File
	switch _, setpriv := tools(); {
	case p.mounts:
		tmpdir = "/tmp"
		if filter, err = seccompFile(); err != nil {
			outR.Close()
			outW.Close()
			errR.Close()
			errW.Close()
			gateR.Close()
			gateW.Close()
			return nil, fmt.Errorf("system call filter: %w", err)
		}
		defer filter.Close()
		cmd = exec.Command("/bin/sh", append([]string{"-c", gateArgs, "turtle-sandbox"},
			bwrapArgs(p.dir, uid, gid, cfg.NetRaw, 4, cfg.Command)...)...)
	case setpriv != "":
		cmd = exec.Command("/bin/sh", "-c", gateNoNewPrivs, "turtle-sandbox", cfg.Command, setpriv)
	default:
		cmd = exec.Command("/bin/sh", "-c", gate, "turtle-sandbox", cfg.Command)
	}
	extra := 1 // the gate
	if p.mounts {
		extra = 3 // the gate and bwrap's two
	}
	if p.cg, err = newCgroup(p.lim, extra); err != nil {
		return nil, err
	}
	cmd.Dir = p.dir
	cmd.Env = append([]string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + p.dir,
		"TMPDIR=" + tmpdir,
		"LANG=C.UTF-8",
		"PYTHONUNBUFFERED=1",
		"PYTHONDONTWRITEBYTECODE=1",
	}, cfg.Env...)
	cmd.Stdin = bytes.NewReader(cfg.Stdin)
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.ExtraFiles = []*os.File{gateR}
	if filter != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, filter) // descriptor 4, read by bwrap --seccomp 4
	}
	// A PID namespace of its own: the gate is its init, so when the gate
	// dies (turtle's parent-death signal, or the end of the run) the kernel
	// kills every process the program started, however it forked.
	attr := &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
		Cloneflags: syscall.CLONE_NEWPID,
	}
	if !p.mounts {
		attr.Credential = &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}
		if cfg.NetRaw {
			attr.AmbientCaps = []uintptr{unix.CAP_NET_RAW}
		}
	}
	cmd.SysProcAttr = attr
	p.cmd = cmd

	// The process is started, and waited for, by one goroutine locked to a
	// thread inside the namespace: the child is born there, and its
	// parent-death signal (which Linux ties to the parent thread) fires
	// only if turtle dies.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := p.ns.Enter(); err != nil {
			started <- err
			return
		}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		p.start = time.Now()
		started <- nil
		p.werr = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	err = <-started
	outW.Close()
	errW.Close()
	gateR.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		gateW.Close()
		return nil, fmt.Errorf("start %q: %w", cfg.Command, err)
	}
	p.pgid = cmd.Process.Pid
	if p.cg != nil {
		if err := p.cg.add(p.pgid); err != nil {
			gateW.Close()
			p.kill()
			<-p.exited
			outR.Close()
			errR.Close()
			return nil, err
		}
	}
	limUID, limGID := uid, gid
	if p.mounts {
		limUID, limGID = 0, 0 // the gate is root's
	}
	if err := p.setLimits(limUID, limGID); err != nil {
		gateW.Close() // the gate reads end of file and exits
		p.kill()
		<-p.exited
		outR.Close()
		errR.Close()
		return nil, err
	}
	p.readers.Add(2)
	go p.readStdout(outR)
	go p.readStderr(errR)
	p.wall = time.AfterFunc(p.lim.Wall, func() { p.hit("wall time " + p.lim.Wall.String()) })
	p.ctxStop = context.AfterFunc(ctx, func() { p.hit("") })
	_, err = gateW.Write([]byte("go\n"))
	gateW.Close()
	if err != nil {
		p.kill()
	}
	ok = true
	return p, nil
}

// setLimits applies the resource limits to the waiting gate process.
//
// prlimit(2) on another user's process needs CAP_SYS_RESOURCE, which root
// in a container often lacks, or a caller whose real ids are the target's.
// So the limits are set from a thread of turtle's whose real user and group
// become the student's (effective ids stay root); Linux keeps credentials
// per thread, and the thread is locked and ends with its goroutine, so no
// other code ever runs with them.
func (p *Process) setLimits(uid, gid uint32) error {
	cpu := uint64((p.lim.CPU + time.Second - 1) / time.Second)
	limits := []struct {
		what     string
		res      int
		soft, hd uint64
	}{
		{"CPU time", unix.RLIMIT_CPU, cpu, cpu + 1},
		{"processes", unix.RLIMIT_NPROC, uint64(p.lim.Procs), uint64(p.lim.Procs)},
		{"file size", unix.RLIMIT_FSIZE, uint64(p.lim.Files), uint64(p.lim.Files)},
		{"core files", unix.RLIMIT_CORE, 0, 0},
		{"open files", unix.RLIMIT_NOFILE, 1024, 1024},
	}
	if p.cg == nil || !p.cg.kind.memory {
		// Each process's data (heap and private writable mappings), not
		// its address space: Go and Java reserve far more address space
		// than they use, and could not start under RLIMIT_AS.
		limits = append(limits, struct {
			what     string
			res      int
			soft, hd uint64
		}{"memory", unix.RLIMIT_DATA, uint64(p.lim.Memory), uint64(p.lim.Memory)})
	}
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		keep := ^uintptr(0)    // -1: leave the effective and saved ids as they are
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(gid), keep, keep); e != 0 {
			ch <- fmt.Errorf("limits: %w", os.NewSyscallError("setresgid", e))
			return
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(uid), keep, keep); e != 0 {
			ch <- fmt.Errorf("limits: %w", os.NewSyscallError("setresuid", e))
			return
		}
		for _, l := range limits {
			lim := unix.Rlimit{Cur: l.soft, Max: l.hd}
			if err := unix.Prlimit(p.pgid, l.res, &lim, nil); err != nil {
				ch <- fmt.Errorf("limit %s: %w", l.what, os.NewSyscallError("prlimit", err))
				return
			}
		}
		ch <- nil
	}()
	return <-ch
}

// hit stops the program because of a limit (why) or a cancelled context
// (why "").
func (p *Process) hit(why string) {
	p.mu.Lock()
	if p.limit == "" && why != "" {
		p.limit = why
	}
	p.mu.Unlock()
	p.kill()
}

// kill sends SIGKILL to the process group and to every process left in the
// namespace (a child may have left the group, not the namespace).
func (p *Process) kill() {
	unix.Kill(-p.pgid, unix.SIGKILL)
	p.cg.kill(func(pid int) { unix.Kill(pid, unix.SIGKILL) })
	for range 50 {
		pids := p.ns.Pids()
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			unix.Kill(pid, unix.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *Process) readStdout(r *os.File) {
	defer p.readers.Done()
	defer r.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			p.mu.Lock()
			room := p.lim.Output - int64(len(p.stdout))
			chunk := buf[:n]
			over := int64(n) > room
			if over {
				chunk = chunk[:room]
			}
			p.stdout = append(p.stdout, chunk...)
			p.lines += bytes.Count(chunk, []byte{'\n'})
			p.lastOut = time.Now()
			close(p.changed)
			p.changed = make(chan struct{})
			if over && !p.trunc {
				p.trunc = true
				if p.limit == "" {
					p.limit = "output " + sizeText(p.lim.Output)
				}
			}
			p.mu.Unlock()
			if over {
				p.kill()
				io.Copy(io.Discard, r)
				return
			}
		}
		if err != nil {
			p.mu.Lock()
			close(p.changed)
			p.changed = make(chan struct{})
			p.mu.Unlock()
			return
		}
	}
}

func (p *Process) readStderr(r *os.File) {
	defer p.readers.Done()
	defer r.Close()
	buf := make([]byte, 8<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			p.mu.Lock()
			p.stderr.write(buf[:n])
			p.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// WaitReady waits until the program has printed its first line (or ended,
// or timeout passed: ErrNotReady).
func (p *Process) WaitReady(timeout time.Duration) error {
	return p.waitFor(timeout, func() bool { return p.lines > 0 })
}

// WaitLines waits until the program has printed n lines, ended, or
// timeout passed.
func (p *Process) WaitLines(n int, timeout time.Duration) error {
	return p.waitFor(timeout, func() bool { return p.lines >= n })
}

func (p *Process) waitFor(timeout time.Duration, cond func() bool) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		p.mu.Lock()
		ok, ch := cond(), p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-p.exited:
			p.mu.Lock()
			ok = cond()
			p.mu.Unlock()
			if ok {
				return nil
			}
			return ErrNotReady
		case <-t.C:
			return ErrNotReady
		}
	}
}

// WaitQuiet returns once the program has printed nothing for idle (counted
// from the call at the earliest), has ended, or max has passed.
func (p *Process) WaitQuiet(idle, max time.Duration) {
	begin := time.Now()
	end := begin.Add(max)
	for {
		p.mu.Lock()
		last := p.lastOut
		p.mu.Unlock()
		if last.Before(begin) {
			last = begin
		}
		now := time.Now()
		if now.Sub(last) >= idle || !now.Before(end) {
			return
		}
		wait := min(last.Add(idle).Sub(now), end.Sub(now))
		select {
		case <-p.exited:
			return
		case <-time.After(wait):
		}
	}
}

// Exited is closed when the program (its first process) has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Output returns what the program has printed so far.
func (p *Process) Output() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.stdout)
}

// interrupt sends SIGINT to the program's processes: its process group,
// or, in bwrap's namespaces, every process of its uid in its network
// namespace (SIGINT to bwrap itself would kill the program at once,
// before it could finish its output).
func (p *Process) interrupt() {
	if !p.mounts {
		unix.Kill(-p.pgid, unix.SIGINT)
		return
	}
	for _, pid := range p.ns.Pids() {
		if fi, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			if uid, ok := statOwner(fi); ok && uid == p.uid {
				unix.Kill(pid, unix.SIGINT)
			}
		}
	}
}

// Stop asks the program to end (SIGINT to its process group, as Ctrl-C in a
// terminal would), kills whatever is left after grace, and cleans up.
func (p *Process) Stop(grace time.Duration) Result {
	p.stopOnce.Do(func() {
		select {
		case <-p.exited:
		default:
			p.interrupt()
			select {
			case <-p.exited:
			case <-time.After(grace):
			}
		}
		p.finish()
	})
	return p.res
}

// Wait waits for the program to end by itself (or by a limit) and cleans
// up.
func (p *Process) Wait() Result {
	p.stopOnce.Do(func() {
		<-p.exited
		p.finish()
	})
	return p.res
}

// finish kills what is left, collects the output and removes everything
// the run made.
func (p *Process) finish() {
	p.kill()
	<-p.exited
	p.wall.Stop()
	p.ctxStop()
	// Readers end when the last holder of the pipes is gone; kill made sure.
	done := make(chan struct{})
	go func() { p.readers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	p.mu.Lock()
	r := Result{Stdout: p.stdout, Stderr: p.stderr.lines(10), Exit: -1, Limit: p.limit, Truncated: p.trunc,
		Elapsed: time.Since(p.start)}
	p.mu.Unlock()
	if ws, ok := p.state.Sys().(syscall.WaitStatus); ok {
		var sig syscall.Signal
		switch {
		case ws.Exited() && ws.ExitStatus() > 128 && ws.ExitStatus() <= 128+64:
			sig = syscall.Signal(ws.ExitStatus() - 128) // the gate's report of its child
		case ws.Exited():
			r.Exit = ws.ExitStatus()
		case ws.Signaled():
			sig = ws.Signal()
		}
		if sig != 0 {
			r.Signal = sig.String()
			if sig == syscall.SIGXCPU && r.Limit == "" {
				r.Limit = "CPU time " + p.lim.CPU.String()
			}
			if sig == syscall.SIGSYS && p.mounts {
				r.Refused = RefusedReason
			}
		}
		if p.mounts && strings.Contains(r.Stderr, "Bad system call") { // a shell's word for a child's SIGSYS
			r.Refused = RefusedReason
		}
	}
	if r.Limit == "" {
		r.Limit = p.cg.hit()
	}
	if r.Limit == "" {
		r.Limit = p.guessLimit(r.Stderr)
	}
	p.res = r
	p.cleanup()
}

// guessLimit names the limit that a program's own error message points
// to: Python reports a refused allocation or fork rather than dying of a
// signal.
func (p *Process) guessLimit(stderr string) string {
	switch {
	case strings.Contains(stderr, "MemoryError") || strings.Contains(stderr, "Cannot allocate memory"):
		return "memory " + sizeText(p.lim.Memory)
	case strings.Contains(stderr, "can't start new thread") || strings.Contains(stderr, "Resource temporarily unavailable") ||
		strings.Contains(stderr, "Cannot fork") || strings.Contains(stderr, "fork: retry"):
		return "processes " + strconv.Itoa(p.lim.Procs)
	case strings.Contains(stderr, "File too large"):
		return "file size " + sizeText(p.lim.Files)
	}
	return ""
}

// cleanup removes the private folder and the namespace Start made, and
// gives the uid back.
func (p *Process) cleanup() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
		p.dir = ""
	}
	if p.own && p.ns != nil && !p.closed {
		p.ns.Close()
		p.closed = true
	}
	p.cg.remove()
	p.lease.release()
	p.lease = nil
}

// lookupUser resolves a name or number to ids and refuses root.
func lookupUser(name string) (uid, gid uint32, err error) {
	u, err := user.Lookup(name)
	if err != nil {
		if _, nerr := strconv.Atoi(name); nerr == nil {
			u, err = user.LookupId(name)
		}
	}
	if err != nil {
		return 0, 0, fmt.Errorf("user %q: %w", name, err)
	}
	id, err1 := strconv.ParseUint(u.Uid, 10, 32)
	g, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("user %q: ids %s:%s are not numbers", name, u.Uid, u.Gid)
	}
	if id == 0 {
		return 0, 0, fmt.Errorf("user %q is root: student programs never run as root", name)
	}
	return uint32(id), uint32(g), nil
}

// handOver gives the finished copy's top folder to uid:gid, through its
// descriptor.
func handOver(dir string, uid, gid uint32) error {
	f, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Chmod(0o700); err != nil {
		return err
	}
	return f.Chown(int(uid), int(gid))
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	b   []byte
}

func (t *tail) write(p []byte) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
}

// lines returns the last n lines, control bytes escaped.
func (t *tail) lines(n int) string {
	s := strings.TrimRight(string(t.b), "\n")
	var ls []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Trim(l, " ^~") != "" { // Python's markers under the failing expression say nothing here
			ls = append(ls, l)
		}
	}
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	for i, l := range ls {
		q := strconv.QuoteToASCII(l)
		ls[i] = strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
	}
	return strings.Join(ls, "\n")
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// CheckUser reports whether name can run student programs: a user that
// exists and is not root; "" (a uid of its own per job) always can.
func CheckUser(name string) error {
	if name == "" {
		return nil
	}
	_, _, err := lookupUser(name)
	return err
}

// RemoveStale removes the private folders and control groups of turtle
// processes that no longer exist: a turtle killed with SIGKILL cannot remove its own (its
// namespaces and programs go with it; see the package doc).
func RemoveStale() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "turtle-grade-*-*"))
	for _, m := range matches {
		rest := strings.TrimPrefix(filepath.Base(m), "turtle-grade-")
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 {
			continue
		}
		if !alive(pid) {
			os.RemoveAll(m)
		}
	}
	removeStaleCgroups()
}

// alive reports whether process pid exists.
func alive(pid int) bool { return unix.Kill(pid, 0) != unix.ESRCH }
