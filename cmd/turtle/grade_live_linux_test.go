//go:build linux

package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/live/livetest"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// notesProgram is one of the class notes' own programs, run with python3
// as a student runs them, from $TURTLE_NOTES (shared/notes-programs beside
// the clone; .ci/run sets it).
func notesProgram(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("TURTLE_NOTES")
	if dir == "" {
		t.Skip("needs the class notes' programs: set TURTLE_NOTES to the notes-programs folder")
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("needs the notes' programs (%s; set TURTLE_NOTES): %v", path, err)
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3 to run the notes' programs")
	}
	return path
}

// inNS runs a command inside ns; stdin is its standard input.
func inNS(t *testing.T, ns *livetest.NS, stdin string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.Name}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// established waits until ns holds n established TCP connections whose
// local port is port (a server's side, accepted or still queued).
func established(t *testing.T, ns *livetest.NS, port, n int) {
	t.Helper()
	want := ":" + hexPort(port)
	got := 0
	for range 3000 {
		out, _ := exec.Command("ip", "netns", "exec", ns.Name, "cat", "/proc/net/tcp").Output()
		got = 0
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "01" {
				got++
			}
		}
		if got >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d of %d connections to port %d established after 30 s", got, n, port)
}

// listening waits until something in ns listens on the TCP port, or binds
// the UDP port (proto "tcp" or "udp"), as /proc/net shows it there.
func listening(t *testing.T, ns *livetest.NS, proto string, port int) {
	t.Helper()
	want := ":" + hexPort(port)
	for range 500 {
		out, _ := exec.Command("ip", "netns", "exec", ns.Name, "cat", "/proc/net/"+proto).Output()
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && strings.HasSuffix(f[1], want) && (proto == "udp" || f[3] == "0A") {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s port %d in %s", proto, port, ns.Name)
}

func hexPort(port int) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[port>>12&15], digits[port>>8&15], digits[port>>4&15], digits[port&15]})
}

// gradeFileTable grades a capture file as a student's hand-in is graded
// and returns the table.
func gradeFileTable(t *testing.T, lab, path string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runGrade([]string{"--lab", lab, path}, nil, &out, &errb)
	if errb.Len() > 0 {
		t.Logf("grade %s: %s", path, errb.String())
	}
	return code, out.String()
}

// finalTable is the table at the end of a live run's output.
func finalTable(t *testing.T, stdout, lab string) string {
	t.Helper()
	i := strings.Index(stdout, "lab "+lab+": ")
	if i < 0 {
		t.Fatalf("no final table in the live output:\n%s", stdout)
	}
	return stdout[i:]
}

// lastFrameTime is the timestamp of the last frame of a capture file.
func lastFrameTime(t *testing.T, path string) (time.Time, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapio.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	n := 0
	for {
		_, ci, err := r.ZeroCopyReadPacketData()
		if err != nil {
			break
		}
		last, n = ci.Timestamp, n+1
	}
	return last, n
}

// liveRun starts 'turtle grade --live' in ns and waits until it captures
// (it has dropped to nobody by then).
func liveRun(t *testing.T, ns *livetest.NS, args ...string) *proc {
	t.Helper()
	p := start(t, ns, nil, append([]string{"grade", "--live"}, args...)...)
	p.waitDropped(t, 65534)
	return p
}

// checkSame asserts that the live run's table is the one grading its -w
// file gives, and returns that table.
func checkSame(t *testing.T, lab, stdout, file string, liveCode int) string {
	t.Helper()
	table := finalTable(t, stdout, lab)
	_, fileTable := gradeFileTable(t, lab, file)
	if table != fileTable {
		t.Fatalf("the live table differs from grading %s:\nlive:\n%s\nfile:\n%s", file, table, fileTable)
	}
	full := strings.Contains(table, " 10/10 ")
	if (liveCode == 0) != full {
		t.Fatalf("exit %d with the table:\n%s", liveCode, table)
	}
	return table
}

func TestGradeLiveNotesEchoPrograms(t *testing.T) {
	livetest.RequireRoot(t)
	for _, tc := range []struct {
		lab, server, client, proto string
		port                       int
	}{
		{"udp-echo", "udp_server.py", "udp_client.py", "udp", 10001},
		{"tcp-echo", "tcp_server.py", "tcp_client.py", "tcp", 12500},
	} {
		t.Run(tc.lab, func(t *testing.T) {
			server, client := notesProgram(t, tc.server), notesProgram(t, tc.client)
			ns := livetest.New(t)
			file := filepath.Join(t.TempDir(), "hand-in.pcapng")
			p := liveRun(t, ns, "-i", "lo", "--lab", tc.lab, "-w", file, "--until-done", "--timeout", "30s")
			inNS(t, ns, "", "python3", server)
			listening(t, ns, tc.proto, tc.port)
			c := inNS(t, ns, "Hello, turtle!\n", "python3", client)
			c.Wait()
			code, stdout, stderr := p.wait(t)
			ended := time.Now()
			last, n := lastFrameTime(t, file)
			t.Logf("%s: %d frames; turtle ended %v after the last frame", tc.lab, n, ended.Sub(last).Round(time.Millisecond))
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			table := checkSame(t, tc.lab, stdout, file, code)
			if !strings.Contains(table, "hand-in  10/10  -") {
				t.Fatalf("not 10/10:\n%s", table)
			}
			// Every check was printed as it passed, with its frame.
			for _, id := range []string{"request", "echo"} {
				if tc.lab == "tcp-echo" && id == "request" {
					id = "handshake"
				}
				if !strings.Contains(stdout, ": pass "+id+" ") {
					t.Errorf("no live line for %s:\n%s", id, stdout)
				}
			}
		})
	}
}

// concurrentRun runs three of the notes' TCP clients at once against a
// server of the notes, graded live under tcp-concurrent; the run ends on
// its own (--until-done) or, with interrupt, with Ctrl-C (SIGINT) once the
// clients are done.
func concurrentRun(t *testing.T, serverProgram string, interrupt bool) (code int, stdout, table, file string) {
	server, client := notesProgram(t, serverProgram), notesProgram(t, "tcp_client.py")
	ns := livetest.New(t)
	file = filepath.Join(t.TempDir(), "hand-in.pcapng")
	p := liveRun(t, ns, "-i", "lo", "--lab", "tcp-concurrent", "-w", file, "--until-done", "--timeout", "60s")
	inNS(t, ns, "", "python3", server)
	listening(t, ns, "tcp", 12500)
	// The notes' client connects, then reads its message: the three
	// messages are written only once the server side holds all three
	// connections, so the clients send together however slowly a loaded
	// machine starts three Pythons (the threaded server passes only if
	// they overlap within half its delay).
	var wg sync.WaitGroup
	var inputs []io.WriteCloser
	for range 3 {
		c := exec.Command("ip", "netns", "exec", ns.Name, "python3", client)
		in, err := c.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		inputs = append(inputs, in)
		wg.Add(1)
		go func() { defer wg.Done(); c.Wait() }()
	}
	established(t, ns, 12500, 3)
	for i, in := range inputs {
		io.WriteString(in, "client "+string(rune('1'+i))+"\n")
		in.Close()
	}
	began := time.Now()
	wg.Wait()
	t.Logf("the clients took %v", time.Since(began).Round(time.Millisecond))
	if interrupt {
		p.cmd.Process.Signal(syscall.SIGINT)
	}
	code, stdout, stderr := p.wait(t)
	t.Logf("turtle ended %v after the clients started", time.Since(began).Round(time.Millisecond))
	if code == 2 || !strings.Contains(stdout, "lab tcp-concurrent") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	return code, stdout, checkSame(t, "tcp-concurrent", stdout, file, code), file
}

func TestGradeLiveConcurrent(t *testing.T) {
	livetest.RequireRoot(t)
	t.Run("threads", func(t *testing.T) {
		code, stdout, table, _ := concurrentRun(t, "tcp_server_threads.py", false)
		if code != 0 || !strings.Contains(stdout, ": pass concurrent 5/5") {
			t.Fatalf("exit %d:\n%s\n%s", code, stdout, table)
		}
	})
	t.Run("iterative", func(t *testing.T) {
		code, stdout, table, _ := concurrentRun(t, "tcp_server_loop.py", true)
		if code != 1 {
			t.Fatalf("exit %d:\n%s", code, table)
		}
		// The live line of the failed check carries the file's reason.
		var reason string
		for _, line := range strings.Split(table, "\n") {
			if _, r, ok := strings.Cut(line, "concurrent 0/5: "); ok {
				reason = r
			}
		}
		if reason == "" {
			t.Fatalf("the table does not fail concurrent:\n%s", table)
		}
		if !strings.Contains(reason, "one at a time") {
			// A machine too busy to start the three clients within half
			// the server's delay of each other fails them as never
			// waiting together: a failure all the same, said the same
			// way live and in the file, which is what this test is about.
			t.Logf("the clients did not overlap: %s", reason)
		}
		if !strings.Contains(stdout, ": fail concurrent 0/5: "+reason+"\n") {
			t.Fatalf("no live failure with the file's reason %q:\n%s", reason, stdout)
		}
	})
}

// TestGradeLivePing pings the namespace's loopback (three ICMP echo
// requests from a raw socket; the kernel answers them).
func TestGradeLivePing(t *testing.T) {
	livetest.RequireRoot(t)
	ns := livetest.New(t)
	file := filepath.Join(t.TempDir(), "ping.pcapng")
	p := liveRun(t, ns, "-i", "lo", "--lab", "ping", "-w", file, "--until-done", "--timeout", "30s")
	err := ns.Do(func() error {
		c, err := net.ListenPacket("ip4:icmp", "127.0.0.1")
		if err != nil {
			return err
		}
		defer c.Close()
		dst := &net.IPAddr{IP: net.IPv4(127, 0, 0, 1)}
		for seq := 1; seq <= 3; seq++ {
			msg := []byte{8, 0, 0, 0, 0x12, 0x34, 0, byte(seq), 'p', 'i', 'n', 'g'}
			binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
			if _, err := c.WriteTo(msg, dst); err != nil {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := p.wait(t)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	checkSame(t, "ping", stdout, file, code)
}

func icmpChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// TestGradeLiveWrongInterface: the lab's traffic crosses a veth pair
// while the student captures lo; turtle names the veth. Without -i it
// finds the veth itself.
func TestGradeLiveWrongInterface(t *testing.T) {
	livetest.RequireRoot(t)
	server := notesProgram(t, "udp_server.py")
	src, err := os.ReadFile(notesProgram(t, "udp_client.py"))
	if err != nil {
		t.Fatal(err)
	}
	// The notes' client, pointed at the server's side of the pair.
	client := filepath.Join(t.TempDir(), "udp_client.py")
	if err := os.WriteFile(client, bytes.Replace(src, []byte(`"localhost"`), []byte(`"`+livetest.IPB.String()+`"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"lo", []string{"-i", "lo"}, "turtle grade: no traffic to port 10001 on lo; it is on b0: run with -i b0\n"},
		{"every", nil, "turtle grade: traffic to port 10001 is on b0: grading what b0 carries (run with -i b0 to capture it alone)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := livetest.Pair(t)
			a.IP(t, "addr", "add", livetest.IPA.String()+"/24", "dev", "a0")
			file := filepath.Join(t.TempDir(), "hand-in.pcapng")
			// The server is up before turtle's 5 s start: only the
			// client's run falls inside them (a UDP server sends nothing
			// as it starts, so nothing of the lab is missed).
			inNS(t, b, "", "python3", server)
			listening(t, b, "udp", 10001)
			p := liveRun(t, b, append(tc.args, "--lab", "udp-echo", "-w", file, "--until-done", "--timeout", "5s")...)
			inNS(t, a, "Hello, turtle!\n", "python3", client).Wait()
			code, stdout, stderr := p.wait(t)
			if !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant the line %q\nstdout:\n%s", code, stderr, tc.want, stdout)
			}
			table := checkSame(t, "udp-echo", stdout, file, code)
			if tc.name == "every" && code != 0 {
				t.Fatalf("exit %d on the interface found:\n%s", code, table)
			}
		})
	}
}

// TestGradeLiveCtrlCMidExchange: the student stops turtle while the
// server (the notes' one with a 3 s sleep) still holds the echo; the live
// run says what the file says, notes and reasons alike.
func TestGradeLiveCtrlCMidExchange(t *testing.T) {
	livetest.RequireRoot(t)
	server, client := notesProgram(t, "tcp_server_sleep.py"), notesProgram(t, "tcp_client.py")
	ns := livetest.New(t)
	file := filepath.Join(t.TempDir(), "hand-in.pcapng")
	p := liveRun(t, ns, "-i", "lo", "--lab", "tcp-echo", "-w", file)
	inNS(t, ns, "", "python3", server)
	listening(t, ns, "tcp", 12500)
	inNS(t, ns, "Hello, turtle!\n", "python3", client)
	for line := range p.lines {
		if strings.Contains(line, ": pass data ") {
			break
		}
	}
	p.cmd.Process.Signal(syscall.SIGINT)
	code, stdout, stderr := p.wait(t)
	if code != 1 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	table := checkSame(t, "tcp-echo", stdout, file, code)
	if !strings.Contains(table, "keep capturing until the client has its echo") {
		t.Fatalf("the cut is not explained:\n%s", table)
	}
	if !strings.Contains(stdout, ": fail echo 0/4: the capture ends in frame ") {
		t.Fatalf("no live line for the echo:\n%s", stdout)
	}
}

// TestGradeLiveNeedsPrivilege: without CAP_NET_RAW, one line that says
// what is needed, exit 1.
func TestGradeLiveNeedsPrivilege(t *testing.T) {
	livetest.RequireRoot(t)
	// A hand-in file nobody may write: a run that cannot capture leaves it alone.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "hand-in.pcapng")
	if err := os.WriteFile(file, []byte("last week's capture"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o666); err != nil {
		t.Fatal(err)
	}
	p := start(t, nil, &syscall.Credential{Uid: 65534, Gid: 65534}, "grade", "--live", "-i", "lo", "--lab", "udp-echo", "-w", file)
	code, stdout, stderr := p.wait(t)
	want := "turtle grade: capturing on lo needs root or CAP_NET_RAW"
	if code != 1 || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and one line %q...", code, stdout, stderr, want)
	}
	if b, _ := os.ReadFile(file); string(b) != "last week's capture" {
		t.Fatalf("the -w file was overwritten by a run that could not capture: %q", b)
	}
}

// TestGradeLiveSoFar: a client whose datagram nobody answers (no server
// started) stalls the exchange; once the interface is quiet turtle says
// what fails so far, and at Ctrl-C the same reason for good.
func TestGradeLiveSoFar(t *testing.T) {
	livetest.RequireRoot(t)
	client := notesProgram(t, "udp_client.py")
	ns := livetest.New(t)
	file := filepath.Join(t.TempDir(), "hand-in.pcapng")
	p := liveRun(t, ns, "-i", "lo", "--lab", "udp-echo", "-w", file)
	inNS(t, ns, "Hello, turtle!\n", "python3", client) // waits for an echo that never comes
	soFar := ""
	for line := range p.lines {
		if strings.Contains(line, " (so far): ") {
			soFar = line
			break
		}
	}
	p.cmd.Process.Signal(syscall.SIGINT)
	code, stdout, stderr := p.wait(t)
	if soFar == "" || code != 1 {
		t.Fatalf("exit %d, no line so far\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	table := checkSame(t, "udp-echo", stdout, file, code)
	_, reason, _ := strings.Cut(soFar, " (so far): ")
	if !strings.Contains(reason, "nothing listened on port 10001") || !strings.Contains(table, "echo 0/6: "+reason) ||
		!strings.Contains(stdout, ": fail echo 0/6: "+reason) {
		t.Fatalf("so far %q; want the table's reason, said again at the end:\n%s", soFar, stdout)
	}
}
