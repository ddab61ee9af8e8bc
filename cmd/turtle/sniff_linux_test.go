//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/live/livetest"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// The subprocess tests run the turtle binary, built once into binDir (a
// directory every user may enter, so that it also runs as nobody).
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func turtleBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "turtle-bin-"); binErr != nil {
			return
		}
		if binErr = os.Chmod(binDir, 0o755); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "turtle")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc is a turtle process under test; its standard output arrives line
// by line on lines.
type proc struct {
	cmd    *exec.Cmd
	lines  chan string
	stdout bytes.Buffer // everything, once lines is closed
	stderr bytes.Buffer
	cancel context.CancelFunc
}

// start runs "turtle args..." inside ns (or in this namespace for nil),
// killed at the end of the test if it is still running.
func start(t *testing.T, ns *livetest.NS, cred *syscall.Credential, args ...string) *proc {
	t.Helper()
	bin := turtleBinary(t)
	// A safety net against a hang, not a timing assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	var cmd *exec.Cmd
	if ns != nil {
		cmd = exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.Name, bin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	p := &proc{cmd: cmd, lines: make(chan string, 1000), cancel: cancel}
	cmd.Stderr = &p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		br := bufio.NewReader(out)
		for {
			line, err := br.ReadString('\n')
			p.stdout.WriteString(line)
			if line != "" {
				p.lines <- line
			}
			if err != nil {
				close(p.lines)
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	return p
}

// waitLine waits for a line of standard output starting with prefix.
func (p *proc) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	for line := range p.lines {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	t.Fatalf("turtle ended without a line starting %q; stderr:\n%s", prefix, p.stderr.String())
	return ""
}

// wait waits for the process and returns its exit code and output.
func (p *proc) wait(t *testing.T) (code int, stdout, stderr string) {
	t.Helper()
	for range p.lines {
	}
	err := p.cmd.Wait()
	p.cancel()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return code, p.stdout.String(), p.stderr.String()
}

// waitDropped waits until every thread of the process runs as uid, which
// a capturing turtle does once its handle and file are open.
func (p *proc) waitDropped(t *testing.T, uid int) {
	t.Helper()
	want := fmt.Sprintf("Uid:\t%d\t%d\t%d\t%d\n", uid, uid, uid, uid)
	for range 2000 {
		if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid)); err == nil && strings.Contains(string(st), want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("turtle never ran as uid %d; stderr:\n%s", uid, p.stderr.String())
}

func sniffGolden(t *testing.T) *goldie.Goldie {
	return goldie.New(t, goldie.WithFixtureDir("testdata/golden"), goldie.WithNameSuffix(".golden"))
}

func TestSniffVethText(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	p := start(t, b, nil, "sniff", "-i", "b0", "-c", "3")
	p.waitLine(t, "IP: ")
	a.SendFrames(t, "a0", livetest.KnownFrames(t)...)
	code, stdout, stderr := p.wait(t)
	if code != 0 || stderr != "3 packets captured, 0 dropped by kernel\n" {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	sniffGolden(t).Assert(t, "sniff-veth", []byte(stdout))
}

func TestSniffBasicByNumber(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	idx := fmt.Sprint(b.Index(t, "b0"))
	p := start(t, b, nil, "sniff", "-i", idx, "-c", "3", "--format", "basic")
	p.waitDropped(t, 65534)
	a.SendFrames(t, "a0", livetest.KnownFrames(t)...)
	code, stdout, stderr := p.wait(t)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	sniffGolden(t).Assert(t, "sniff-veth-basic", []byte(stdout))
}

// readPcap reads every frame of a pcap file or stream, which must end
// cleanly.
func readPcap(t *testing.T, r io.Reader) (pcapio.LinkType, [][]byte) {
	t.Helper()
	recs, err := readRecordsFrom(r)
	if err != nil {
		t.Fatalf("after %d frames: %v", len(recs), err)
	}
	var frames [][]byte
	var lt pcapio.LinkType
	for i, f := range recs {
		if f.caplen != len(f.data) || f.wire != len(f.data) {
			t.Errorf("frame %d: lengths %d/%d for %d bytes", i+1, f.caplen, f.wire, len(f.data))
		}
		lt = f.link
		frames = append(frames, []byte(f.data))
	}
	return lt, frames
}

func checkFrames(t *testing.T, lt pcapio.LinkType, got, want [][]byte) {
	t.Helper()
	if lt != pcapio.LinkTypeEthernet || len(got) != len(want) {
		t.Fatalf("link type %d, %d frames; want Ethernet, %d", lt, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("frame %d:\n got % x\nwant % x", i+1, got[i], want[i])
		}
	}
}

func TestSniffWriteFile(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	file := filepath.Join(t.TempDir(), "b0.pcap")
	p := start(t, b, nil, "sniff", "-i", "b0", "-c", "3", "-q", "-w", file)
	p.waitDropped(t, 65534)
	frames := livetest.KnownFrames(t)
	a.SendFrames(t, "a0", frames...)
	code, stdout, stderr := p.wait(t)
	if code != 0 || stdout != "" || stderr != "3 packets captured, 0 dropped by kernel\n" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	// Opened before the privileges went: the file belongs to root.
	if fi, err := os.Stat(file); err != nil || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("pcap file not owned by root: %v", err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lt, got := readPcap(t, f)
	checkFrames(t, lt, got, frames)

	if tcpdump, err := exec.LookPath("tcpdump"); err == nil {
		out, err := exec.Command(tcpdump, "-nn", "-r", file).CombinedOutput()
		if err != nil || strings.Count(string(out), "10.199.1.1") != 3 {
			t.Errorf("tcpdump -r: %v\n%s", err, out)
		}
	} else {
		t.Log("tcpdump not installed: the file was only read back with pcapio")
	}
}

func TestSniffWriteStdout(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	p := start(t, b, nil, "sniff", "-i", "b0", "-c", "3", "-w", "-")
	p.waitDropped(t, 65534)
	frames := livetest.KnownFrames(t)
	a.SendFrames(t, "a0", frames...)
	code, stdout, stderr := p.wait(t)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	lt, got := readPcap(t, strings.NewReader(stdout))
	checkFrames(t, lt, got, frames)
}

// TestSniffInterrupt stops a capture that has no -c with SIGINT and
// SIGTERM: the text and the file are complete, the goodbye and the counts
// are on standard error, and the exit status is 0.
func TestSniffInterrupt(t *testing.T) {
	livetest.RequireRoot(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			a, b := livetest.Pair(t)
			file := filepath.Join(t.TempDir(), "b0.pcap")
			p := start(t, b, nil, "sniff", "-i", "b0", "-w", file)
			if got := p.waitLine(t, "IP: "); got != "IP: 10.199.1.2\n" {
				t.Errorf("first line %q", got)
			}
			frames := livetest.KnownFrames(t)
			a.SendFrames(t, "a0", frames...)
			for range frames {
				p.waitLine(t, "Ethernet Frame:")
			}
			// The file is flushed while the capture runs, not only at the end.
			for i := 0; ; i++ {
				if data, err := os.ReadFile(file); err == nil && len(data) >= 24+3*(16+60) {
					break
				}
				if i == 2000 {
					t.Fatal("the pcap file was not flushed while capturing")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := p.wait(t)
			if code != 0 || stderr != "turtle> Bye.\n3 packets captured, 0 dropped by kernel\n" {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			if n := strings.Count(stdout, "Ethernet Frame:"); n != 3 {
				t.Errorf("%d frames printed, want 3", n)
			}
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			lt, got := readPcap(t, f)
			checkFrames(t, lt, got, frames)
		})
	}
}

// TestSniffInterruptKeepsCaptured sends frames and interrupts at once,
// before they are printed: the kernel captured them before the signal,
// so turtle reads them (it drains the ring for live.DefaultDrain) instead
// of losing them in the ring's block.
func TestSniffInterruptKeepsCaptured(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	p := start(t, b, nil, "sniff", "-i", "b0")
	p.waitLine(t, "IP: ")
	p.waitDropped(t, 65534)
	a.SendFrames(t, "a0", livetest.KnownFrames(t)...)
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := p.wait(t)
	if code != 0 || stderr != "turtle> Bye.\n3 packets captured, 0 dropped by kernel\n" {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	sniffGolden(t).Assert(t, "sniff-veth", []byte(stdout))
}

// TestSniffWriteRefusesLink: root opens -w before it drops privileges, so
// a link planted at the name is refused, not written through.
func TestSniffWriteRefusesLink(t *testing.T) {
	livetest.RequireRoot(t)
	_, b := livetest.Pair(t)
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "b0.pcap")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	p := start(t, b, nil, "sniff", "-i", "b0", "-c", "1", "-q", "-w", link)
	code, _, stderr := p.wait(t)
	if code != 1 || !strings.HasPrefix(stderr, "turtle sniff: "+link+": is a symbolic link") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if data, _ := os.ReadFile(target); string(data) != "keep me" {
		t.Errorf("the link's target became %q", data)
	}
}

// TestSniffDropsPrivileges reads the credentials of every thread of a
// capturing turtle started as root.
func TestSniffDropsPrivileges(t *testing.T) {
	livetest.RequireRoot(t)
	for _, tc := range []struct {
		args []string
		uid  string
	}{
		{nil, "65534"},
		{[]string{"-Z", "nobody"}, "65534"},
		{[]string{"-Z", "root"}, "0"},
	} {
		t.Run(strings.Join(append([]string{"Z"}, tc.args...), " "), func(t *testing.T) {
			ns := livetest.New(t)
			p := start(t, ns, nil, append([]string{"sniff", "-i", "lo"}, tc.args...)...)
			p.waitLine(t, "IP: ") // printed after the drop, before any frame
			tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", p.cmd.Process.Pid))
			if err != nil || len(tasks) == 0 {
				t.Fatalf("no threads: %v", err)
			}
			for _, task := range tasks {
				st, err := os.ReadFile(task)
				if err != nil {
					continue // a thread that ended
				}
				for _, field := range []string{"Uid:", "Gid:"} {
					want := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\n", field, tc.uid, tc.uid, tc.uid, tc.uid)
					if tc.uid == "65534" && field == "Gid:" {
						want = "Gid:\t65534\t65534\t65534\t65534\n" // nobody's group
					}
					if !strings.Contains(string(st), want) {
						t.Errorf("%s: want %q in\n%s", task, want, st)
					}
				}
			}
			p.cmd.Process.Signal(syscall.SIGINT)
			if code, _, stderr := p.wait(t); code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
		})
	}
}

func TestSniffUnprivileged(t *testing.T) {
	livetest.RequireRoot(t) // to become nobody
	p := start(t, nil, &syscall.Credential{Uid: 65534, Gid: 65534}, "sniff", "-i", "lo", "-c", "1")
	code, stdout, stderr := p.wait(t)
	if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
		!strings.Contains(stderr, "needs root or CAP_NET_RAW") ||
		!strings.Contains(stderr, "setcap cap_net_raw,cap_net_admin=eip $(which turtle)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// Listing needs no privilege.
	p = start(t, nil, &syscall.Credential{Uid: 65534, Gid: 65534}, "ifaces")
	if code, stdout, stderr := p.wait(t); code != 0 || !strings.Contains(stdout, "lo") {
		t.Fatalf("ifaces as nobody: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestIfacesInNamespace(t *testing.T) {
	livetest.RequireRoot(t)
	_, b := livetest.Pair(t)
	p := start(t, b, nil, "ifaces")
	code, stdout, stderr := p.wait(t)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	want := [][]string{
		{"1", "lo", "127.0.0.1/8", "up", "loopback"},
		{fmt.Sprint(b.Index(t, "b0")), "b0", "10.199.1.2/24", "up"},
		{"-", "any", "-", "up", "(all", "interfaces,", "Linux", "cooked", "frames)"},
	}
	if len(lines) != len(want) {
		t.Fatalf("got\n%s", stdout)
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d: %q, want fields %q", i+1, lines[i], w)
		}
	}
}

func TestSniffUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "sudo turtle sniff -i lo -c 10 -w lo.pcap"},
		{[]string{"-c", "-1"}, 2, "-c -1: the frame count cannot be negative"},
		{[]string{"-s", "-1"}, 2, "-s -1: the snapshot length must be 0 (no cut) to 262144"},
		{[]string{"-B", "10"}, 2, "-B 10: the buffer size"},
		{[]string{"--format", "nope"}, 2, "unknown --format"},
		{[]string{"--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"-i", "turtle-none0"}, 1, `turtle sniff: no interface named "turtle-none0" (see 'turtle ifaces')`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"sniff"}, tc.args...), nil, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.want) {
			t.Errorf("sniff %q: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tc.args, code, tc.code, tc.want, &stdout, &stderr)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"ifaces", "extra"}, nil, &stdout, &stderr); code != 2 {
		t.Errorf("ifaces extra: exit %d", code)
	}
}

// A filter runs in the kernel: of the three known frames only the one it
// matches is captured, whether given as arguments or with -f.
func TestSniffFilter(t *testing.T) {
	livetest.RequireRoot(t)
	for _, args := range [][]string{{"icmp"}, {"-f", "icmp and not port 7"}} {
		a, b := livetest.Pair(t)
		p := start(t, b, nil, append([]string{"sniff", "-i", "b0", "-c", "1", "--format", "basic"}, args...)...)
		p.waitDropped(t, 65534)
		frames := livetest.KnownFrames(t)
		a.SendFrames(t, "a0", frames...)
		code, stdout, stderr := p.wait(t)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr:\n%s", args, code, stderr)
		}
		want := "(" + string(decode.AppendBytesRepr(nil, frames[2])) + ", ('b0', 2048, 0, 1, "
		if !strings.HasPrefix(stdout, want) || strings.Count(stdout, "\n") != 1 {
			t.Errorf("%v: captured\n%s\nwant only the ICMP frame\n%s", args, stdout, want)
		}
	}
}

func TestSniffFilterErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sniff", "-i", "lo", "tcp", "port", "http-alt-nonsense"}, `filter "tcp port http-alt-nonsense"`},
		{[]string{"sniff", "-i", "lo", "-f", "udp", "port", "53"}, "either with -f or as arguments"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, nil, &stdout, &stderr)
		if code == 0 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want one line with %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
