//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/sandbox"
	"github.com/turtle-sniffer/turtle/sandbox/sandboxtest"
)

func requireProgramGrading(t *testing.T) {
	t.Helper()
	sandboxtest.Require(t, "python3", "ip", "go", "ipcs")
}

// hostState is what a grading run could leave behind on the host.
type hostState struct {
	netns, links string
}

func snapshot(t *testing.T) hostState {
	t.Helper()
	ns, _ := exec.Command("ip", "netns", "list").Output()
	links, err := exec.Command("ip", "-o", "link", "show").Output()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range strings.Split(string(links), "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			names = append(names, f[1])
		}
	}
	return hostState{string(ns), strings.Join(names, " ")}
}

// leftovers lists what the turtle process pid left: processes whose
// working directory is one of its private folders (the students'
// programs and their children), those folders, namespaces and links.
func leftovers(t *testing.T, pid int, before hostState) []string {
	t.Helper()
	var left []string
	prefix := filepath.Join(os.TempDir(), "turtle-grade-"+strconv.Itoa(pid)+"-")
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil && strings.HasPrefix(cwd, prefix) {
			cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			left = append(left, "process "+e.Name()+" ("+strings.ReplaceAll(string(cmd), "\x00", " ")+") in "+cwd)
		}
	}
	matches, _ := filepath.Glob(prefix + "*")
	for _, m := range matches {
		left = append(left, "folder "+m)
	}
	// turtle's namespaces are anonymous; a named one with its pid would
	// be a leak (other programs on the machine may add and remove theirs).
	after := snapshot(t)
	for _, n := range strings.Fields(after.netns) {
		if strings.Contains(n, strconv.Itoa(pid)) && !strings.Contains(before.netns, n) {
			left = append(left, "namespace "+n)
		}
	}
	for _, l := range strings.Fields(after.links) {
		if strings.HasPrefix(l, "tga") || strings.HasPrefix(l, "tgb") {
			left = append(left, "link "+l)
		}
	}
	// Control groups (v1: one folder per controller, below turtle's own).
	for _, depth := range []string{"", "*/", "*/*/", "*/*/*/", "*/*/*/*/"} {
		cg, _ := filepath.Glob("/sys/fs/cgroup/" + depth + "turtle-sandbox-" + strconv.Itoa(pid) + "-*")
		for _, c := range cg {
			left = append(left, "control group "+c)
		}
	}
	// What a hostile program tried to leave: files in the host's shared
	// folders, SysV IPC objects of a sandbox uid.
	for _, d := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		junk, _ := filepath.Glob(filepath.Join(d, "turtle-i22-junk*"))
		for _, j := range junk {
			left = append(left, "file "+j)
		}
	}
	for _, kind := range []string{"-m", "-q", "-s"} {
		out, _ := exec.Command("ipcs", kind, "-c").Output()
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) > 2 {
				if uid, err := strconv.Atoi(f[2]); err == nil && uid >= sandbox.FirstUID && uid < sandbox.FirstUID+sandbox.NumUIDs {
					left = append(left, "IPC object "+l)
				}
			}
		}
	}
	return left
}

// hostileServer is a submission whose server leaves all it can on the
// host before it serves: files in /tmp, /var/tmp and /dev/shm, a unix
// socket, SysV shared memory, a queue and a semaphore, and daemons.
func hostileServer(t *testing.T) string {
	dir := t.TempDir()
	server, err := os.ReadFile("../../grade/programs/testdata/server-threaded/server.py")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "server.py"), server, 0o644)
	os.WriteFile(filepath.Join(dir, "hostile.sh"), []byte(`echo junk > /tmp/turtle-i22-junk; echo junk > /var/tmp/turtle-i22-junk
head -c 1000000 /dev/zero > /dev/shm/turtle-i22-junk
python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("/tmp/turtle-i22-junk.sock")'
ipcmk -M 65536; ipcmk -Q; ipcmk -S 1
setsid sleep 300 >/dev/null 2>&1 </dev/null &
nohup sleep 300 >/dev/null 2>&1 &
exec python3 server.py
`), 0o644)
	return dir
}

// Nothing is left behind after a run that succeeds, one whose program
// crashes, one cut by the time limit, and one interrupted with Ctrl-C.
func TestGradeProgramsLeaveNothingBehind(t *testing.T) {
	requireProgramGrading(t)
	bin := turtleBinary(t)
	td := "../../grade/programs/testdata/"
	for _, tc := range []struct {
		name   string
		args   []string
		sigint time.Duration // send SIGINT this long after the start; 0: none
		code   int
		out    string // in the output
	}{
		{"success", []string{"--lab", "turtle-sniffer", "--program", "python3 sniffer.py", td + "turtle-sniffer"}, 0, 0,
			"turtle-sniffer  10/10"},
		{"crash", []string{"--lab", "turtle-sniffer", "--program", "python3 sniffer.py", td + "turtle-crash-tcp"}, 0, 0,
			"the program ended with exit status 1"},
		{"time-out", []string{"--lab", "tcp-concurrent", "--program", "python3 server.py", "--time-limit", "1500ms", td + "server-threaded"}, 0, 0,
			"stopped at its wall time 1.5s limit"},
		{"ctrl-c", []string{"--lab", "tcp-concurrent", "--program", "python3 server.py", "--jobs", "2",
			td + "server-iterative", td + "server-threaded", td + "server-silent"}, 1500 * time.Millisecond, 1,
			"grading was interrupted"},
		{"hostile", []string{"--lab", "tcp-concurrent", "--program", "sh hostile.sh", hostileServer(t)}, 0, 0, "10/10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t)
			cmd := exec.Command(bin, append([]string{"grade"}, tc.args...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pid := cmd.Process.Pid
			if tc.sigint > 0 {
				time.Sleep(tc.sigint)
				if n := waitLeftovers(t, pid, before, 2); n < 2 {
					t.Errorf("only %d programs and folders while grading: the test would prove nothing", n)
				}
				cmd.Process.Signal(syscall.SIGINT)
			}
			start := time.Now()
			cmd.Wait()
			if tc.sigint > 0 && time.Since(start) > 10*time.Second {
				t.Errorf("turtle took %v to stop after SIGINT", time.Since(start))
			}
			if code := cmd.ProcessState.ExitCode(); code != tc.code || !strings.Contains(stdout.String(), tc.out) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s\n%s", code, tc.code, tc.out, stdout.String(), stderr.String())
			}
			if left := leftovers(t, pid, before); len(left) > 0 {
				t.Errorf("left behind:\n%s", strings.Join(left, "\n"))
			}
		})
	}
}

// Issue 25 item 10: with --program and --html but no --keep-captures, the
// pages still draw each run: its capture is kept in DIR/captures (every
// page said "Reading the capture for the pictures stopped" in red).
func TestGradeProgramHTMLKeepsWhatThePicturesNeed(t *testing.T) {
	requireProgramGrading(t)
	dir := t.TempDir()
	html := filepath.Join(dir, "report")
	code, out, errs := turtle(t, nil, "grade", "--lab", "udp-echo", "--program", "python3 server.py", "--html", html,
		filepath.Join("..", "..", "grade", "programs", "testdata", "server-udp"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(html, "captures", "server-udp.pcap")); err != nil {
		t.Errorf("the run's capture was not kept for the pictures: %v", err)
	}
	page, err := os.ReadFile(filepath.Join(html, "server-udp.html"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("Reading the capture for the pictures stopped")) || !bytes.Contains(page, []byte("<svg")) {
		t.Errorf("server-udp.html has no pictures:\n%s", page)
	}
}

// waitLeftovers waits up to 20 s for at least n programs and folders of
// the turtle pid grading (a loaded machine may take longer than a fixed
// sleep to start them), and returns how many there are.
func waitLeftovers(t *testing.T, pid int, before hostState, n int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := len(leftovers(t, pid, before))
		if got >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// turtle killed with SIGKILL while grading: its programs die with it (PID
// namespace, parent-death signal), its namespaces and veths with them, and
// the next turtle grade removes its folders and control groups.
func TestGradeProgramsAfterSIGKILL(t *testing.T) {
	requireProgramGrading(t)
	bin := turtleBinary(t)
	td := "../../grade/programs/testdata/"
	before := snapshot(t)
	cmd := exec.Command(bin, "grade", "--lab", "tcp-concurrent", "--program", "sh hostile.sh", "--jobs", "2",
		hostileServer(t), td+"server-threaded")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the programs are running, not only their folders made
	if n := waitLeftovers(t, cmd.Process.Pid, before, 2); n < 2 {
		t.Errorf("only %d programs and folders while grading: the test would prove nothing", n)
	}
	cmd.Process.Kill()
	cmd.Wait()
	next := exec.Command(bin, "grade", "--lab", "turtle-sniffer", "--program", "python3 sniffer.py", td+"turtle-sniffer")
	if out, err := next.CombinedOutput(); err != nil || !strings.Contains(string(out), "10/10") {
		t.Fatalf("the next run: %v\n%s", err, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(leftovers(t, cmd.Process.Pid, before)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if left := leftovers(t, cmd.Process.Pid, before); len(left) > 0 {
		t.Errorf("left behind by a turtle killed with SIGKILL:\n%s", strings.Join(left, "\n"))
	}
}
