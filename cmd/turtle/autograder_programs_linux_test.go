//go:build linux

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// agRoot is a folder standing for /autograder that the user nobody can
// read and write (t.TempDir's folders are root's alone).
func agRoot(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "turtle-agprog-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// gradescopeProgramRun unpacks pkg into root/source, puts the python
// program from grade/programs/testdata/SUBMISSION in root/submission,
// runs setup.sh as root (as Gradescope does when it builds the image) and
// run_autograder with cred's ids, or as root when cred is nil, or under
// wrap (a command and its arguments put before sh), and returns
// results.json.
func gradescopeProgramRun(t *testing.T, pkg, root, submission string, cred *syscall.Credential, wrap ...string) gsResults {
	t.Helper()
	unzip(t, pkg, filepath.Join(root, "source"))
	src, _ := filepath.Glob(filepath.Join("../../grade/programs/testdata", submission, "*.py"))
	if len(src) != 1 {
		t.Fatalf("testdata %s: want one .py, have %v", submission, src)
	}
	copyFile(t, src[0], filepath.Join(root, "submission", filepath.Base(src[0])))
	for _, d := range []string{"source", "submission"} {
		os.Chmod(filepath.Join(root, d), 0o755)
	}
	env := append(os.Environ(), "AUTOGRADER_ROOT="+root)
	setup := exec.Command("sh", filepath.Join(root, "source", "setup.sh"))
	setup.Env = env
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("setup.sh: %v\n%s", err, out)
	}
	args := append(wrap, "sh", filepath.Join(root, "source", "run_autograder"))
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run_autograder: %v\n%s", err, out)
	}
	t.Logf("run_autograder: %s", strings.TrimSpace(string(out)))
	data, err := os.ReadFile(filepath.Join(root, "results", "results.json"))
	if err != nil {
		t.Fatalf("%v (run_autograder said %s)", err, out)
	}
	var r gsResults
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("results.json: %v\n%s", err, data)
	}
	return r
}

// The Gradescope package of the turtle-sniffer lab, run on the class
// notes' sniffer (full marks) and on one that wraps its data blocks at the
// wrong place (the data check fails, naming the frame and the line).
func TestAutograderProgramsGradescope(t *testing.T) {
	requireProgramGrading(t)
	bin := staticTurtle(t)
	pkg := filepath.Join(t.TempDir(), "turtle-sniffer.zip")
	code, out, errs := turtle(t, nil, "grade", "--lab", "turtle-sniffer", "--program", "python3 sniffer.py",
		"--time-limit", "20s", "--autograder", "gradescope", "--turtle-binary", bin, "-o", pkg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	t.Log(strings.TrimSpace(out))

	r := gradescopeProgramRun(t, pkg, agRoot(t, "correct"), "turtle-sniffer", nil)
	if r.Score != 10 || len(r.Tests) != 6 {
		t.Errorf("the class notes' sniffer: score %v with %d tests, want 10 with 6: %+v", r.Score, len(r.Tests), r)
	}
	for _, tc := range r.Tests {
		if tc.Status != "passed" || tc.Score != tc.MaxScore {
			t.Errorf("the class notes' sniffer: test %q %s %v/%v: %s", tc.Name, tc.Status, tc.Score, tc.MaxScore, tc.Output)
		}
	}

	r = gradescopeProgramRun(t, pkg, agRoot(t, "broken"), "turtle-datablock", nil)
	if r.Score != 8 {
		t.Errorf("the wrong data blocks: score %v, want 8 (all but the data check): %+v", r.Score, r)
	}
	for _, tc := range r.Tests {
		isData := strings.HasPrefix(tc.Name, "data:")
		if isData != (tc.Status == "failed") {
			t.Errorf("the wrong data blocks: test %q %s: %s", tc.Name, tc.Status, tc.Output)
		}
		if isData && (!strings.Contains(tc.Output, "frame ") || !strings.Contains(tc.Output, "expected")) {
			t.Errorf("the wrong data blocks: the data check says %q, want the frame and the expected line", tc.Output)
		}
	}
}

// Where the container cannot run programs — not root, or root without
// CAP_SYS_ADMIN (no namespaces) or without CAP_NET_ADMIN (no veth pairs),
// as in an unprivileged Docker container — every test scores 0 and says so
// and what the instructor must enable; nothing crashes.
func TestAutograderProgramsNoNamespaces(t *testing.T) {
	requireProgramGrading(t)
	bin := staticTurtle(t)
	pkg := filepath.Join(t.TempDir(), "turtle-sniffer.zip")
	if code, _, errs := turtle(t, nil, "grade", "--lab", "turtle-sniffer", "--program", "python3 sniffer.py",
		"--autograder", "gradescope", "--turtle-binary", bin, "-o", pkg); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	cases := []struct {
		name string
		cred *syscall.Credential
		wrap []string
		why  string
	}{
		{"nobody", &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}, nil, "runs as uid 65534, not as root"},
		{"no-sys-admin", nil, []string{"setpriv", "--bounding-set", "-sys_admin"}, "cannot create a network namespace"},
		{"no-net-admin", nil, []string{"setpriv", "--bounding-set", "-net_admin"}, "which needs CAP_NET_ADMIN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.wrap) > 0 {
				if _, err := exec.LookPath(c.wrap[0]); err != nil {
					t.Skipf("needs %s (util-linux) to drop a capability", c.wrap[0])
				}
			}
			r := gradescopeProgramRun(t, pkg, agRoot(t, c.name), "turtle-sniffer", c.cred, c.wrap...)
			if r.Score != 0 || len(r.Tests) != 6 {
				t.Errorf("score %v with %d tests, want 0 with 6", r.Score, len(r.Tests))
			}
			for _, s := range []string{r.Output} {
				if !strings.Contains(s, "container cannot run programs") || !strings.Contains(s, c.why) ||
					!strings.Contains(s, "The instructor must enable") {
					t.Errorf("output %q: want why (%q) and what the instructor must enable", s, c.why)
				}
			}
			for _, tc := range r.Tests {
				if tc.Status != "failed" || tc.Score != 0 || tc.Output != r.Output {
					t.Errorf("test %q: %s %v: %q, want failed with the same reason", tc.Name, tc.Status, tc.Score, tc.Output)
				}
			}
		})
	}
}

// The Autolab files of the turtle-sniffer lab in a folder as Autolab lays
// them out (the Makefile, autograde.tar, the handin sniffer.py), run with
// make: the last line is the score.
func TestAutograderProgramsAutolab(t *testing.T) {
	requireProgramGrading(t)
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Skip("needs make: apt-get install make")
	}
	bin := staticTurtle(t)
	dir := t.TempDir()
	pkg := filepath.Join(dir, "pkg")
	if code, _, errs := turtle(t, nil, "grade", "--lab", "turtle-sniffer", "--program", "python3 sniffer.py",
		"--autograder", "autolab", "--turtle-binary", bin, "-o", pkg); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, c := range []struct{ name, submission, want string }{
		{"correct", "turtle-sniffer", `{"scores": {"ethernet": 2, "ipv4": 2, "icmp": 1, "tcp": 2, "udp": 1, "data": 2}}`},
		{"broken", "turtle-datablock", `{"scores": {"ethernet": 2, "ipv4": 2, "icmp": 1, "tcp": 2, "udp": 1, "data": 0}}`},
	} {
		work := filepath.Join(dir, c.name)
		copyFile(t, filepath.Join(pkg, "autograde.tar"), filepath.Join(work, "autograde.tar"))
		copyFile(t, filepath.Join(pkg, "autograde-Makefile"), filepath.Join(work, "Makefile"))
		copyFile(t, filepath.Join("../../grade/programs/testdata", c.submission, "sniffer.py"), filepath.Join(work, "sniffer.py"))
		cmd := exec.Command(makeBin, "-s")
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: make: %v\n%s", c.name, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if last := lines[len(lines)-1]; last != c.want {
			t.Errorf("%s: last line %q, want %q\n%s", c.name, last, c.want, out)
		}
	}
}

// A program lab's package needs the command, and a capture lab's takes
// none it cannot run.
func TestAutograderProgramsRefused(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--lab", "turtle-sniffer"}, "grades a program: give --program"},
		{[]string{"--lab", "basic-sniffer", "--client", "python3 c.py"}, "give it with --program, not --client"},
		{[]string{"--lab", "tcp-echo", "--program", "python3 s.py", "--keep-captures", "caps"}, "--keep-captures"},
		{[]string{"--lab", "tcp-echo", "--program", "python3 s.py", "--user", "root"}, "never run as root"},
		{[]string{"--lab", "tcp-echo", "--program", "python3 s.py", "--time-limit", "0s"}, "must be positive"},
	} {
		args := append([]string{"grade", "--autograder", "gradescope", "-o", filepath.Join(dir, "x.zip")}, c.args...)
		code, _, errs := turtle(t, nil, args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// The echo labs through the packages: the class notes' UDP server through
// Gradescope's run_autograder, and a TCP client, right and wrong, through
// Autolab's make (a client gets the check of its printed lines too).
func TestAutograderProgramsEcho(t *testing.T) {
	requireProgramGrading(t)
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Skip("needs make: apt-get install make")
	}
	bin := staticTurtle(t)
	dir := t.TempDir()
	pkg := filepath.Join(dir, "udp-echo.zip")
	if code, _, errs := turtle(t, nil, "grade", "--lab", "udp-echo", "--program", "python3 server.py",
		"--autograder", "gradescope", "--turtle-binary", bin, "-o", pkg); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if r := gradescopeProgramRun(t, pkg, agRoot(t, "udp"), "server-udp", nil); r.Score != 10 || len(r.Tests) != 2 {
		t.Errorf("the class notes' UDP server: score %v with %d tests, want 10 with 2: %+v", r.Score, len(r.Tests), r)
	}

	al := filepath.Join(dir, "al")
	code, out, errs := turtle(t, nil, "grade", "--lab", "tcp-echo", "--client", "python3 client.py",
		"--autograder", "autolab", "--turtle-binary", bin, "-o", al)
	if code != 0 || !strings.Contains(out, "(5 checks, 14 points)") {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, c := range []struct{ name, submission, want string }{
		{"right", "client-tcp", `{"scores": {"handshake": 2, "data": 2, "echo": 4, "close": 2, "output": 4}}`},
		{"wrong", "client-wrong", `{"scores": {"handshake": 2, "data": 0, "echo": 4, "close": 2, "output": 0}}`},
	} {
		work := filepath.Join(dir, c.name)
		copyFile(t, filepath.Join(al, "autograde.tar"), filepath.Join(work, "autograde.tar"))
		copyFile(t, filepath.Join(al, "autograde-Makefile"), filepath.Join(work, "Makefile"))
		copyFile(t, filepath.Join("../../grade/programs/testdata", c.submission, "client.py"), filepath.Join(work, "client.py"))
		cmd := exec.Command(makeBin, "-s")
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: make: %v\n%s", c.name, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if last := lines[len(lines)-1]; last != c.want {
			t.Errorf("%s: last line %q, want %q\n%s", c.name, last, c.want, out)
		}
	}
}

// Autolab in a container without CAP_SYS_ADMIN: the table gives the
// reason and the scores line is all zeros; make succeeds.
func TestAutograderProgramsAutolabNoNamespaces(t *testing.T) {
	requireProgramGrading(t)
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Skip("needs make: apt-get install make")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to drop a capability")
	}
	bin := staticTurtle(t)
	dir := t.TempDir()
	pkg := filepath.Join(dir, "pkg")
	if code, _, errs := turtle(t, nil, "grade", "--lab", "turtle-sniffer", "--program", "python3 sniffer.py",
		"--autograder", "autolab", "--turtle-binary", bin, "-o", pkg); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	work := filepath.Join(dir, "work")
	copyFile(t, filepath.Join(pkg, "autograde.tar"), filepath.Join(work, "autograde.tar"))
	copyFile(t, filepath.Join(pkg, "autograde-Makefile"), filepath.Join(work, "Makefile"))
	copyFile(t, "../../grade/programs/testdata/turtle-sniffer/sniffer.py", filepath.Join(work, "sniffer.py"))
	cmd := exec.Command(setpriv, "--bounding-set", "-sys_admin", makeBin, "-s")
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := `{"scores": {"ethernet": 0, "ipv4": 0, "icmp": 0, "tcp": 0, "udp": 0, "data": 0}}`
	if last := lines[len(lines)-1]; last != want {
		t.Errorf("last line %q, want %q\n%s", last, want, out)
	}
	if !strings.Contains(string(out), "container cannot run programs") || !strings.Contains(string(out), "cannot create a network namespace") {
		t.Errorf("no reason in the output:\n%s", out)
	}
}
