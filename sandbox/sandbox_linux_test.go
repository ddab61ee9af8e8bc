//go:build linux

package sandbox

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/sandbox/sandboxtest"
)

// run starts cmd with limits l, lets it end by itself and returns the result.
func run(t *testing.T, cmd string, l Limits) Result {
	t.Helper()
	p, err := Start(context.Background(), Config{Command: cmd, Limits: l})
	if err != nil {
		t.Fatal(err)
	}
	return p.Wait()
}

func TestIdentity(t *testing.T) {
	sandboxtest.Require(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("from the submission\n"), 0o600)
	p, err := Start(context.Background(), Config{
		Command: `id -u; grep -E '^Cap(Eff|Amb)' /proc/self/status; cat hello.txt; ip -o link | wc -l; ip route | wc -l; echo x > written; pwd`,
		Dir:     dir, NetRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	r := p.Wait()
	lines := strings.Split(strings.TrimSpace(string(r.Stdout)), "\n")
	if len(lines) != 7 || r.Exit != 0 {
		t.Fatalf("exit %d, output:\n%s\nstderr: %s", r.Exit, r.Stdout, r.Stderr)
	}
	if uid, err := strconv.Atoi(lines[0]); err != nil || uid < FirstUID || uid >= FirstUID+NumUIDs {
		t.Errorf("uid %s, want one of the sandbox's own from %d", lines[0], FirstUID)
	}
	// CAP_NET_RAW is bit 13: 0x2000, effective and ambient, nothing else.
	if lines[1] != "CapEff:\t0000000000002000" || lines[2] != "CapAmb:\t0000000000002000" {
		t.Errorf("capabilities %q %q, want only CAP_NET_RAW", lines[1], lines[2])
	}
	if lines[3] != "from the submission" {
		t.Errorf("submission file: %q", lines[3])
	}
	if lines[4] != "1" || lines[5] != "0" {
		t.Errorf("%s interfaces and %s routes, want only loopback and no route", lines[4], lines[5])
	}
	if _, err := os.Stat(filepath.Join(dir, "written")); err == nil {
		t.Error("the program wrote into the submission folder")
	}
	if _, err := os.Stat(lines[6]); err == nil {
		t.Errorf("private folder %s left behind", lines[6])
	}
}

func TestNoCapabilityWithoutNetRaw(t *testing.T) {
	sandboxtest.Require(t)
	r := run(t, `grep -E '^(Cap(Eff|Prm|Amb)|NoNewPrivs)' /proc/self/status`, Limits{})
	want := "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n"
	if _, err := exec.LookPath("setpriv"); err != nil {
		want = strings.Replace(want, "NoNewPrivs:\t1", "NoNewPrivs:\t0", 1)
	}
	if string(r.Stdout) != want {
		t.Errorf("got\n%s\nwant\n%s", r.Stdout, want)
	}
}

func TestRootRefused(t *testing.T) {
	sandboxtest.Require(t)
	_, err := Start(context.Background(), Config{Command: "true", User: "root"})
	if err == nil || !strings.Contains(err.Error(), "never run as root") {
		t.Fatalf("err %v, want a refusal", err)
	}
}

func TestWallLimit(t *testing.T) {
	sandboxtest.Require(t)
	r := run(t, "sleep 60", Limits{Wall: 300 * time.Millisecond})
	if r.Limit != "wall time 300ms" || r.Signal != "killed" || r.Elapsed > 5*time.Second {
		t.Fatalf("limit %q signal %q after %v", r.Limit, r.Signal, r.Elapsed)
	}
}

func TestCPULimit(t *testing.T) {
	sandboxtest.Require(t)
	// A wall limit far beyond the CPU limit: on a busy machine one CPU
	// second can take many wall seconds.
	r := run(t, "while :; do :; done", Limits{CPU: time.Second, Wall: 2 * time.Minute})
	if r.Limit != "CPU time 1s" || r.Signal != "CPU time limit exceeded" {
		t.Fatalf("limit %q signal %q exit %d after %v", r.Limit, r.Signal, r.Exit, r.Elapsed)
	}
}

func TestMemoryLimit(t *testing.T) {
	sandboxtest.Require(t, "python3")
	r := run(t, `python3 -c 'x = bytearray(300 << 20); print("allocated")'`, Limits{Memory: 128 << 20})
	if strings.Contains(string(r.Stdout), "allocated") || r.Limit != "memory 128 MiB" {
		t.Fatalf("limit %q exit %d stdout %q stderr %q", r.Limit, r.Exit, r.Stdout, r.Stderr)
	}
	// The same program has room without the limit.
	r = run(t, `python3 -c 'x = bytearray(300 << 20); print("allocated")'`, Limits{Memory: 1 << 30})
	if string(r.Stdout) != "allocated\n" {
		t.Fatalf("1 GiB: exit %d stdout %q stderr %q", r.Exit, r.Stdout, r.Stderr)
	}
}

func TestProcessLimit(t *testing.T) {
	sandboxtest.Require(t)
	r := run(t, `i=0; while [ $i -lt 100 ]; do sleep 5 & i=$((i+1)); done; echo started all`, Limits{Procs: 10})
	if strings.Contains(string(r.Stdout), "started all") && r.Exit == 0 {
		t.Fatalf("100 processes started under a limit of 10: stderr %q", r.Stderr)
	}
	if r.Limit != "processes 10" {
		t.Fatalf("limit %q exit %d stderr %q, want the process limit named", r.Limit, r.Exit, r.Stderr)
	}
}

func TestOutputLimit(t *testing.T) {
	sandboxtest.Require(t)
	r := run(t, "yes turtle", Limits{Output: 64 << 10})
	if len(r.Stdout) != 64<<10 || !r.Truncated || r.Limit != "output 64 KiB" {
		t.Fatalf("%d bytes kept, truncated %v, limit %q", len(r.Stdout), r.Truncated, r.Limit)
	}
}

func TestFileLimit(t *testing.T) {
	sandboxtest.Require(t)
	r := run(t, "head -c 2000000 /dev/zero > big; wc -c < big", Limits{Files: 1 << 20})
	if strings.TrimSpace(string(r.Stdout)) != strconv.Itoa(1<<20) {
		t.Fatalf("file of %q bytes written under a 1 MiB limit; stderr %q", r.Stdout, r.Stderr)
	}
}

func TestStopKillsEscapedChildren(t *testing.T) {
	sandboxtest.Require(t)
	ns, err := NewNetns()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	// A child in a session of its own leaves the process group.
	p, err := Start(context.Background(), Config{Command: `trap "" INT; setsid sleep 60 & echo ready; sleep 60`, Netns: ns})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitReady(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if n := len(ns.Pids()); n < 2 {
		t.Fatalf("%d processes in the namespace, want the shell and both sleeps", n)
	}
	r := p.Stop(200 * time.Millisecond)
	if r.Signal != "killed" {
		t.Errorf("signal %q, want killed (it ignored SIGINT)", r.Signal)
	}
	if pids := ns.Pids(); len(pids) != 0 {
		t.Fatalf("processes left in the namespace: %v", pids)
	}
}

func TestCancel(t *testing.T) {
	sandboxtest.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	p, err := Start(ctx, Config{Command: "echo up; sleep 60"})
	if err != nil {
		t.Fatal(err)
	}
	p.WaitReady(5 * time.Second)
	cancel()
	select {
	case <-p.Exited():
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5s after the context was cancelled")
	}
	if r := p.Wait(); r.Signal != "killed" || string(r.Stdout) != "up\n" {
		t.Fatalf("signal %q output %q", r.Signal, r.Stdout)
	}
}

func TestRemoveStale(t *testing.T) {
	sandboxtest.Require(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(os.TempDir(), "turtle-grade-"+strconv.Itoa(dead.Process.Pid)+"-123")
	live := filepath.Join(os.TempDir(), "turtle-grade-"+strconv.Itoa(os.Getpid())+"-456")
	for _, d := range []string{stale, live} {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	defer os.RemoveAll(live)
	defer os.RemoveAll(stale)
	RemoveStale()
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("%s of a process that ended is still there", stale)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("%s of a running process was removed", live)
	}
}

// When turtle dies, its programs die with it, grandchildren included: the
// test re-runs itself as a "turtle" that starts a program and is killed.
func TestProgramsDieWithTurtle(t *testing.T) {
	if os.Getenv("SANDBOX_CHILD") != "" {
		p, err := Start(context.Background(), Config{Command: `sleep 300 & sleep 300 & echo "$(pwd)"; wait`})
		if err != nil {
			os.Exit(3)
		}
		p.WaitReady(5 * time.Second)
		os.Stdout.Write(p.Output())
		time.Sleep(time.Minute) // killed before
		os.Exit(0)
	}
	sandboxtest.Require(t)
	cmd := exec.Command(os.Args[0], "-test.run", "^TestProgramsDieWithTurtle$")
	cmd.Env = append(os.Environ(), "SANDBOX_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _ := out.Read(buf)
	dir := strings.TrimSpace(string(buf[:n]))
	if !strings.Contains(dir, "turtle-grade-") {
		cmd.Process.Kill()
		t.Fatalf("the child printed %q", dir)
	}
	inDir := func() []string {
		var pids []string
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil && cwd == dir {
				pids = append(pids, e.Name())
			}
		}
		return pids
	}
	if n := len(inDir()); n < 3 {
		t.Errorf("%d processes in %s, want the shell and two sleeps", n, dir)
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for len(inDir()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if left := inDir(); len(left) > 0 {
		t.Errorf("processes %v outlived the turtle that started them", left)
	}
	RemoveStale()
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s not removed by the next run", dir)
	}
	for _, parent := range append([]string{cgroups().v2}, mapValues(cgroups().mounts)...) {
		if left, _ := filepath.Glob(filepath.Join(parent, "turtle-sandbox-"+strconv.Itoa(cmd.Process.Pid)+"-*")); parent != "" && len(left) > 0 {
			t.Errorf("control groups %v not removed by the next run", left)
		}
	}
}

func mapValues(m map[string]string) []string {
	var v []string
	for _, s := range m {
		v = append(v, s)
	}
	return v
}

// Attack 1: a student's program swaps the folders of classmates' private
// copies for links to a root-owned folder while turtle makes those copies;
// root must never chown (or write) through them.
func TestCopyRaceTakesNothing(t *testing.T) {
	sandboxtest.Require(t)
	target := t.TempDir() // root's
	secret := filepath.Join(target, "secret")
	if err := os.WriteFile(secret, []byte("root's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(target, 0o755)
	victim := t.TempDir()
	for i := range 40 {
		d := filepath.Join(victim, "sub", strconv.Itoa(i), "deeper")
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "f.py"), []byte("print(1)\n"), 0o644)
	}
	attack := `end=$(($(date +%s)+6)); echo go
while [ $(date +%s) -lt $end ]; do
  for d in ` + os.TempDir() + `/turtle-grade-*/sub ` + os.TempDir() + `/turtle-grade-*/sub/*; do
    [ -d "$d" ] && [ ! -L "$d" ] && mv "$d" "$d.moved" 2>/dev/null && ln -s ` + target + ` "$d" 2>/dev/null
  done
done`
	p, err := Start(context.Background(), Config{Command: attack})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitReady(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	for range 15 {
		q, err := Start(context.Background(), Config{Command: "ls sub | wc -l", Dir: victim})
		if err != nil {
			t.Fatal(err)
		}
		if r := q.Wait(); strings.TrimSpace(string(r.Stdout)) != "40" {
			t.Errorf("a classmate's copy has %q folders, want 40 (stderr %q)", r.Stdout, r.Stderr)
		}
	}
	p.Stop(time.Second)
	for _, f := range []string{target, secret} {
		st, err := os.Lstat(f)
		if err != nil {
			t.Fatal(err)
		}
		if s := st.Sys().(*syscall.Stat_t); s.Uid != 0 || s.Gid != 0 {
			t.Errorf("%s now belongs to %d:%d: root chowned through a student's link", f, s.Uid, s.Gid)
		}
	}
}

// Attacks 3 and 8: programs graded at once run as uids of their own, none
// that another process of the machine runs as: one cannot read, overwrite
// or trace a classmate's, nor a daemon's of the machine.
func TestClassmatesApart(t *testing.T) {
	sandboxtest.Require(t, "setpriv")
	// A "daemon" already running as the first uid of the range.
	daemon := exec.Command("setpriv", "--reuid", strconv.Itoa(FirstUID), "--regid", strconv.Itoa(FirstUID), "--clear-groups", "sleep", "60")
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	defer daemon.Wait()
	defer daemon.Process.Kill()
	honest := t.TempDir()
	os.WriteFile(filepath.Join(honest, "answer.py"), []byte("print('my own work')\n"), 0o644)
	h, err := Start(context.Background(), Config{Command: "echo up; sleep 3; cat answer.py", Dir: honest})
	if err != nil {
		t.Fatal(err)
	}
	h.WaitReady(5 * time.Second)
	attack := `id -u
for f in ` + os.TempDir() + `/turtle-grade-*/answer.py; do cat "$f" 2>/dev/null && echo "READ $f"; echo sabotage > "$f" 2>/dev/null && echo "WROTE $f"; done
for p in /proc/[0-9]*; do
  head -c1 $p/environ >/dev/null 2>&1 && [ "$(stat -c %u $p)" != "$(id -u)" ] && echo "ENV $p $(stat -c %u $p)"
done; true`
	a, err := Start(context.Background(), Config{Command: attack})
	if err != nil {
		t.Fatal(err)
	}
	ar := a.Wait()
	hr := h.Wait()
	out := string(ar.Stdout)
	if strings.Contains(out, "READ") || strings.Contains(out, "WROTE") || strings.Contains(out, "ENV") {
		t.Errorf("the attacker reached others:\n%s", out)
	}
	if uid := strings.SplitN(out, "\n", 2)[0]; uid == strconv.Itoa(FirstUID) {
		t.Errorf("the attacker runs as %s, a uid a process of the machine already runs as", uid)
	}
	if string(hr.Stdout) != "up\nprint('my own work')\n" {
		t.Errorf("the honest classmate printed %q", hr.Stdout)
	}
}

// Attack 4: a fork hog beside an honest program: the hog stops at its own
// process limit, the honest program forks as it would alone.
func TestForkHogStarvesNobody(t *testing.T) {
	sandboxtest.Require(t)
	hog, err := Start(context.Background(), Config{Command: `echo up; while :; do sleep 10 & done`, Limits: Limits{Procs: 20}})
	if err != nil {
		t.Fatal(err)
	}
	hog.WaitReady(5 * time.Second)
	time.Sleep(300 * time.Millisecond)
	r := run(t, `i=0; while [ $i -lt 15 ]; do sleep 1 & i=$((i+1)); done; wait; echo forked 15`, Limits{Procs: 20})
	hog.Stop(100 * time.Millisecond)
	if string(r.Stdout) != "forked 15\n" || r.Limit != "" {
		t.Errorf("the honest program beside a fork hog: %q, limit %q, stderr %q", r.Stdout, r.Limit, r.Stderr)
	}
}

// requireMounts skips t where programs get no mount namespace.
func requireMounts(t *testing.T) {
	t.Helper()
	if ok, why := Mounts(); !ok {
		t.Skip("no mount namespace for programs here: " + why)
	}
}

// Attacks 6 and 7: a program sees the system read-only and its own copy,
// nothing of the host's /tmp (its sockets), /root, /home, other folders
// or turtle's binary; what it leaves in /tmp, /var/tmp, /dev/shm and SysV
// IPC goes with it; and its tmpfs folders are capped.
func TestMountsContain(t *testing.T) {
	sandboxtest.Require(t, "ipcmk", "ipcs")
	requireMounts(t)
	rubric := filepath.Join(t.TempDir(), "rubric.toml")
	os.WriteFile(rubric, []byte("secret = 1\n"), 0o644)
	sock := filepath.Join(os.TempDir(), "turtle-i22-host-socket-"+strconv.Itoa(os.Getpid()))
	os.WriteFile(sock, nil, 0o666)
	defer os.Remove(sock)
	self, _ := os.Executable()
	mark := "turtle-leftover-" + strconv.Itoa(os.Getpid())
	script := `for f in /root /home ` + rubric + ` ` + sock + ` ` + self + `; do [ -e "$f" ] && echo "SEES $f"; done
echo x > /usr/x 2>/dev/null && echo "WROTE /usr"
echo x > /etc/x 2>/dev/null && echo "WROTE /etc"
for d in /tmp /var/tmp /dev/shm; do echo x > $d/` + mark + ` || echo "CANNOT WRITE $d"; done
ipcmk -M 4096 >/dev/null || echo "CANNOT ipcmk"
head -c 100000000 /dev/zero > /tmp/big 2>/dev/null; echo "tmp $(wc -c < /tmp/big)"
echo "procs $(ls /proc | grep -c '^[0-9]')"
echo "host $(hostname)"`
	r := run(t, script, Limits{Files: 200 << 20})
	out := string(r.Stdout)
	for _, bad := range []string{"SEES", "WROTE", "CANNOT"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s:\n%s\nstderr %s", bad, out, r.Stderr)
		}
	}
	var tmp int
	for _, l := range strings.Split(out, "\n") {
		if n, err := strconv.Atoi(strings.TrimPrefix(l, "tmp ")); err == nil && strings.HasPrefix(l, "tmp ") {
			tmp = n
		}
	}
	if tmp < 60<<20 || tmp > 64<<20 {
		t.Errorf("the private /tmp is not capped at 64 MiB:\n%s", out)
	}
	var procs int
	for _, l := range strings.Split(out, "\n") {
		if n, err := strconv.Atoi(strings.TrimPrefix(l, "procs ")); err == nil && strings.HasPrefix(l, "procs ") {
			procs = n
		}
	}
	if procs == 0 || procs > 6 {
		t.Errorf("/proc shows %d processes, want only the program's own:\n%s", procs, out)
	}
	if !strings.Contains(out, "host turtle-sandbox\n") {
		t.Errorf("hostname: %s", out)
	}
	for _, d := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		if _, err := os.Stat(filepath.Join(d, mark)); err == nil {
			os.Remove(filepath.Join(d, mark))
			t.Errorf("%s/%s left on the host", d, mark)
		}
	}
	ipcs, _ := exec.Command("ipcs", "-m", "-c").Output()
	for _, l := range strings.Split(string(ipcs), "\n") {
		if f := strings.Fields(l); len(f) > 2 {
			if uid, err := strconv.Atoi(f[2]); err == nil && uid >= FirstUID && uid < FirstUID+NumUIDs {
				t.Errorf("a shared memory segment of a sandbox uid is left on the host: %s", l)
			}
		}
	}
}

// The sniffer's interface is eth0 in its namespace.
func TestVethIsEth0(t *testing.T) {
	sandboxtest.Require(t, "ip")
	wire, err := NewNetns()
	if err != nil {
		t.Fatal(err)
	}
	defer wire.Close()
	ns, err := NewNetns()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if _, err := NewVeth(wire, ns); err != nil {
		t.Fatal(err)
	}
	p, err := Start(context.Background(), Config{Command: "grep -o eth0 /proc/net/dev", Netns: ns, NetRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Wait(); string(r.Stdout) != "eth0\n" {
		t.Fatalf("eth0: %q %s", r.Stdout, r.Stderr)
	}
}

// Attack 5: memory is limited for the whole program, not per process: six
// processes of 40 MiB each do not all fit in 128 MiB at once. Each child
// says "held" only if it still holds its 40 MiB at one instant common to
// all six (t0 + 6 s): counting children that merely finished allocating
// is not enough, since the OOM killer may kill an earlier child and let a
// later one through, so six can allocate one after another in turn.
func TestMemoryOfWholeProgram(t *testing.T) {
	sandboxtest.Require(t, "python3")
	if !cgroups().memory {
		t.Skip("no memory cgroup here: memory is limited per process only")
	}
	// One Python forks the six, so they allocate within milliseconds of
	// each other: six interpreters started apart could each finish before
	// the last one starts on a loaded machine, and never be held at once.
	script := `python3 -c '
import os, time
t0 = time.monotonic()
for i in range(6):
    if os.fork() == 0:
        x = bytearray(40 << 20)  # zeroed by CPython: every page written, charged
        late = time.monotonic() > t0 + 6
        time.sleep(max(0, t0 + 6 - time.monotonic()))
        print("late" if late else "held", flush=True)
        os._exit(0)
for i in range(6):
    try:
        os.wait()
    except ChildProcessError:
        pass
'`
	r := run(t, script, Limits{Memory: 128 << 20})
	out := string(r.Stdout)
	if strings.Contains(out, "late") {
		t.Fatalf("a child took over 6 s to allocate 40 MiB, so the test cannot tell whether six were held at once: %q", out)
	}
	if n := strings.Count(out, "held"); n == 6 {
		t.Fatalf("6 × 40 MiB held at once under a 128 MiB limit")
	}
	if r.Limit != "memory 128 MiB" {
		t.Errorf("limit %q, want the memory limit named (stderr %q)", r.Limit, r.Stderr)
	}
}

// A Go program starts under the default memory limit (it reserves far
// more address space than it uses).
func TestGoProgramStarts(t *testing.T) {
	sandboxtest.Require(t, "go")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from Go\") }\n"), 0o644)
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "hello"), filepath.Join(dir, "main.go"))
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	os.Remove(filepath.Join(dir, "main.go"))
	p, err := Start(context.Background(), Config{Command: "./hello", Dir: dir, Limits: Limits{Memory: 64 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Wait(); string(r.Stdout) != "hello from Go\n" {
		t.Fatalf("a Go program under 64 MiB: %q, exit %d, stderr %q", r.Stdout, r.Exit, r.Stderr)
	}
}

// Attack 7: no new user namespace (kernel attack surface), no mount, no
// ptrace; the reason is given. The filter's descriptor is not left open.
func TestSeccompRefuses(t *testing.T) {
	sandboxtest.Require(t, "unshare")
	requireMounts(t)
	for _, cmd := range []string{"unshare -Ur id", "unshare -m true", "unshare -n true"} {
		r := run(t, "echo before; "+cmd+"; echo after", Limits{})
		if strings.Contains(string(r.Stdout), "uid=0") {
			t.Errorf("%s: a user namespace was made:\n%s", cmd, r.Stdout)
		}
		if r.Refused != RefusedReason {
			t.Errorf("%s: refused %q signal %q exit %d stderr %q", cmd, r.Refused, r.Signal, r.Exit, r.Stderr)
		}
	}
	// The program itself killed: its signal, and the reason.
	r := run(t, "exec unshare -Ur id", Limits{})
	if r.Refused != RefusedReason || r.Signal != "bad system call" {
		t.Errorf("exec unshare -Ur: refused %q signal %q", r.Refused, r.Signal)
	}
	r = run(t, "ls /proc/self/fd | sort -n | tr '\\n' ' '; ls -l /proc/self/fd/ >&2", Limits{})
	if string(r.Stdout) != "0 1 2 3 " { // 3 is ls's own listing
		t.Errorf("open descriptors: %q %s", r.Stdout, r.Stderr)
	}
}

// --user stays for an explicit account.
func TestExplicitUser(t *testing.T) {
	sandboxtest.Require(t)
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("needs the user nobody")
	}
	p, err := Start(context.Background(), Config{Command: "id -u", User: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Wait(); strings.TrimSpace(string(r.Stdout)) != u.Uid {
		t.Fatalf("uid %q, want nobody's %s (stderr %q)", r.Stdout, u.Uid, r.Stderr)
	}
}

// Where no control group can be made, memory is each process's data
// (RLIMIT_DATA): a Go program still starts, a large allocation still fails.
func TestMemoryWithoutCgroup(t *testing.T) {
	sandboxtest.Require(t, "go", "python3")
	saved := cgroups()
	cgHere = cgroupKind{whyNot: "turned off by the test"}
	defer func() { cgHere = saved }()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from Go\") }\n"), 0o644)
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "hello"), filepath.Join(dir, "main.go"))
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p, err := Start(context.Background(), Config{Command: "./hello", Dir: dir, Limits: Limits{Memory: 64 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Wait(); string(r.Stdout) != "hello from Go\n" {
		t.Fatalf("a Go program under RLIMIT_DATA 64 MiB: %q, exit %d, stderr %q", r.Stdout, r.Exit, r.Stderr)
	}
	r := run(t, `python3 -c 'x = bytearray(300 << 20); print("allocated")'`, Limits{Memory: 128 << 20})
	if strings.Contains(string(r.Stdout), "allocated") || r.Limit != "memory 128 MiB" {
		t.Fatalf("limit %q exit %d stdout %q stderr %q", r.Limit, r.Exit, r.Stdout, r.Stderr)
	}
	if !strings.Contains(Describe(), "no cgroup (turned off by the test); per process: memory (RLIMIT_DATA), processes (RLIMIT_NPROC, per uid)") {
		t.Errorf("the sandbox line: %s", Describe())
	}
}

// The class notes' sniffer starts with
// socket.gethostbyname(socket.gethostname()): the sandbox's host name
// resolves.
func TestHostnameResolves(t *testing.T) {
	sandboxtest.Require(t, "python3")
	r := run(t, `python3 -c 'import socket; print(socket.gethostbyname(socket.gethostname()))'`, Limits{})
	if r.Exit != 0 || len(r.Stdout) == 0 {
		t.Fatalf("exit %d, %q, stderr %q", r.Exit, r.Stdout, r.Stderr)
	}
}
