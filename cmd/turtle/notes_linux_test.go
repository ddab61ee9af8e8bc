//go:build linux

package main

// These tests run the class notes' own Python programs (shared/notes-programs,
// as the students type them) beside turtle's counterparts, each scenario in a
// network namespace of its own, and compare what the student sees: the
// client's text, its exit status and when it ends (within a second). Each
// scenario is run twice, once with the notes' program and once with turtle's
// in its place; the other programs are the notes' both times.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/netns"
)

// notesDir finds the notes' programs: $TURTLE_NOTES, or shared/notes-programs
// in a directory above this one (CI keeps shared/ beside the clone).
func notesDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("TURTLE_NOTES"); d != "" {
		return d
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		d := filepath.Join(dir, "shared", "notes-programs")
		if st, err := os.Stat(filepath.Join(d, "tcp_client.py")); err == nil && st.Mode().IsRegular() {
			return d
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Skip("the notes' programs (shared/notes-programs, or $TURTLE_NOTES) are not here")
		}
		dir = up
	}
}

// lab is one namespace with lo up, where programs run as a student runs them.
type lab struct {
	t     *testing.T
	ns    *netns.Namespace
	notes string
	hosts string   // a hosts file bind-mounted over /etc/hosts for every program, if set
	final bool     // end times out of bounds are errors (false only on timed's first run)
	late  []string // end times out of bounds on timed's first run
}

func newLab(t *testing.T) *lab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace; CI runs as root")
	}
	for _, tool := range []string{"python3", "nsenter", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s on PATH", tool)
		}
	}
	notes := notesDir(t)
	ns, err := netns.New(func() error { return netns.LinkUp("lo") })
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{t: t, ns: ns, notes: notes, final: true}
	if out, err := exec.Command("python3", "-u", "-c", "import socket").CombinedOutput(); err != nil {
		t.Skipf("python3 does not run: %v %s", err, out)
	}
	t.Cleanup(func() {
		for _, pid := range ns.Pids() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		ns.Close()
	})
	return l
}

// pyReady is what a notes program writes to its standard error once Python
// has started, just before the program's first line runs: the program is
// timed from there, as a student who started it a moment ago, and not
// Python's start-up (a second or two on a busy machine).
const pyReady = "\x00notes program ready\n"

// pyRun runs the program named by argv[1] as python3 -u PROGRAM would
// (runpy, as __main__), after writing pyReady.
const pyRun = `import runpy, sys
sys.argv = sys.argv[1:]
sys.stderr.write("\x00notes program ready\n")
sys.stderr.flush()
runpy.run_path(sys.argv[0], run_name="__main__")`

// notes_ is the command line of a notes program.
func (l *lab) notes_(name string) []string {
	return []string{"python3", "-u", "-c", pyRun, filepath.Join(l.notes, name)}
}

func (l *lab) turtle(args ...string) []string {
	return append([]string{turtleBinary(l.t)}, args...)
}

// labRun is a program running in the lab.
type labRun struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	mu     sync.Mutex // guards stdout while the program runs
	stdout bytes.Buffer
	stderr bytes.Buffer
	ready  chan struct{} // closed when a notes program has written pyReady
	start  time.Time     // when it started (a notes program: when Python was ready)
	exitAt time.Time
	done   chan struct{}
	end    time.Duration // exitAt - start, once done
	code   int
}

// start runs argv in the namespace with a pipe for its standard input, and
// returns once it runs (a notes program: once Python is ready).
func (l *lab) start(argv ...string) *labRun {
	l.t.Helper()
	r := l.launch(argv...)
	r.awaitReady(l.t)
	return r
}

// awaitReady waits until a notes program has written pyReady.
func (r *labRun) awaitReady(t *testing.T) {
	t.Helper()
	if !slices.Contains(r.cmd.Args, pyRun) {
		return
	}
	select {
	case <-r.ready:
		r.start = time.Now()
	case <-time.After(60 * time.Second):
		t.Fatalf("%q did not start", r.cmd.Args)
	}
}

// launch starts argv and returns at once.
func (l *lab) launch(argv ...string) *labRun {
	l.t.Helper()
	full := []string{"nsenter", "--net=" + l.ns.Path()}
	if l.hosts != "" {
		full = append(full, "unshare", "--mount", "sh", "-c", `mount --bind "$0" /etc/hosts && exec "$@"`, l.hosts)
	}
	full = append(full, argv...)
	r := &labRun{cmd: exec.Command(full[0], full[1:]...), done: make(chan struct{})}
	r.ready = make(chan struct{})
	r.cmd.Stdout, r.cmd.Stderr = lockedW{&r.mu, &r.stdout}, &readyW{r: r}
	var err error
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		l.t.Fatal(err)
	}
	r.start = time.Now()
	if err := r.cmd.Start(); err != nil {
		l.t.Fatal(err)
	}

	go func() {
		err := r.cmd.Wait()
		r.exitAt = time.Now()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		}
		close(r.done)
	}()
	l.t.Cleanup(func() {
		r.cmd.Process.Kill()
		<-r.done
	})
	return r
}

// lockedW writes to w under mu.
type lockedW struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedW) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// together starts n copies of argv at once, each typing line once it is
// ready, and returns them and when the first was ready.
func (l *lab) together(n int, line string, argv ...string) ([]*labRun, time.Time) {
	l.t.Helper()
	var rs []*labRun
	for range n {
		rs = append(rs, l.launch(argv...))
	}
	var first time.Time
	for _, r := range rs {
		r.awaitReady(l.t)
		io.WriteString(r.stdin, line)
		r.stdin.Close()
		if first.IsZero() || r.start.Before(first) {
			first = r.start
		}
	}
	return rs, first
}

// readyW collects a program's standard error, taking pyReady out of it.
type readyW struct {
	r    *labRun
	seen bool
}

func (w *readyW) Write(b []byte) (int, error) {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	w.r.stderr.Write(b)
	if !w.seen {
		if s := w.r.stderr.String(); strings.Contains(s, pyReady) {
			w.seen = true
			w.r.stderr.Reset()
			w.r.stderr.WriteString(strings.Replace(s, pyReady, "", 1))
			close(w.r.ready)
		}
	}
	return len(b), nil
}

// typing starts argv, whose student types line after typeAfter.
func (l *lab) typing(typeAfter time.Duration, line string, argv ...string) *labRun {
	l.t.Helper()
	r := l.start(argv...)
	go func() {
		time.Sleep(typeAfter)
		io.WriteString(r.stdin, line)
		r.stdin.Close()
	}()
	return r
}

// client runs argv with line typed after typeAfter and waits for it.
func (l *lab) client(typeAfter time.Duration, line string, argv ...string) *labRun {
	l.t.Helper()
	r := l.typing(typeAfter, line, argv...)
	r.wait(l.t)
	return r
}

// wait waits for the program to end (a generous safety net, not a timing).
func (r *labRun) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(90 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
		t.Fatalf("%q did not end; stderr:\n%s", r.cmd.Args, r.stderr.String())
	}
	r.end = r.exitAt.Sub(r.start)
}

// running reports whether the program is still running.
func (r *labRun) running() bool {
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}

// stop interrupts the program as Ctrl-C does and waits for it.
func (r *labRun) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(os.Interrupt)
	r.wait(t)
}

// server starts a server and waits until its socket is bound.
func (l *lab) server(proto string, port int, argv ...string) *labRun {
	l.t.Helper()
	r := l.start(argv...)
	file, state := "tcp", "0A" // LISTEN
	if proto == "udp" {
		file, state = "udp", "07" // UDP sockets show as CLOSE
	}
	want := fmt.Sprintf(":%04X ", port)
	for range 1000 {
		for _, f := range []string{file, file + "6"} {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", r.cmd.Process.Pid, f))
			for _, line := range strings.Split(string(b), "\n") {
				fields := strings.Fields(line)
				if len(fields) > 3 && strings.HasSuffix(fields[1]+" ", want) && fields[3] == state {
					return r
				}
			}
		}
		if !r.running() {
			l.t.Fatalf("%q ended before it listened: %s", argv, r.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	l.t.Fatalf("%q never listened on %s port %d", argv, proto, port)
	return nil
}

// seen is what a student sees of one client run.
type seen struct {
	stdout string
	code   int
	end    time.Duration
}

func (r *labRun) seen() seen { return seen{r.stdout.String(), r.code, r.end} }

// same compares turtle's client run with the notes' (text, status, and
// time within a second).
func (l *lab) same(what string, notes, turtle seen) {
	t := l.t
	t.Helper()
	if notes.stdout != turtle.stdout {
		t.Errorf("%s: turtle printed\n%q\nthe notes' program\n%q", what, turtle.stdout, notes.stdout)
	}
	if notes.code != turtle.code {
		t.Errorf("%s: turtle exited %d, the notes' program %d", what, turtle.code, notes.code)
	}
	if d := turtle.end - notes.end; d > time.Second || d < -time.Second {
		l.lateness("%s: turtle ended after %v, the notes' program after %v", what, turtle.end.Round(time.Millisecond), notes.end.Round(time.Millisecond))
	}
}

// timed runs a scenario that compares end times (same, lateness) in a lab
// of its own. Texts and exit statuses must agree the first time; end times
// further apart than the scenario allows are logged and the whole scenario
// runs once more, in a new lab, where they must agree. A turtle program
// that behaves differently (waits for a timeout, a typist or a queue the
// notes' program does not wait for) is as late the second time and fails;
// a machine so busy that it holds one program back by a second (seven test
// suites on two cores did, once in a while) rarely does so twice in a row.
func timed(t *testing.T, scenario func(l *lab)) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		l := newLab(t)
		l.final = attempt == 2
		scenario(l)
		if len(l.late) == 0 || t.Failed() || l.final {
			return
		}
		t.Logf("end times out of bounds; the scenario runs again:\n%s", strings.Join(l.late, "\n"))
	}
}

// lateness reports an end time the scenario does not allow: an error on
// the final run (any lab not made by timed), else a note for timed.
func (l *lab) lateness(format string, args ...any) {
	l.t.Helper()
	if l.final {
		l.t.Errorf(format, args...)
		return
	}
	l.late = append(l.late, fmt.Sprintf(format, args...))
}

// Item 1: "localhost" on a hosts file with "::1 localhost" still reaches the
// notes' UDP server, which listens on IPv4 only.
func TestNotesUDPClientLocalhost(t *testing.T) {
	t.Parallel()
	timed(t, notesUDPClientLocalhost)
}

// notesUDPClientLocalhost is TestNotesUDPClientLocalhost's scenario.
func notesUDPClientLocalhost(l *lab) {
	t := l.t
	l.hosts = filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(l.hosts, []byte("::1 localhost ip6-localhost\n127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got [2]seen
	for i, client := range [][]string{l.notes_("udp_client.py"), l.turtle("echo", "udp-client")} {
		srv := l.server("udp", 10001, l.notes_("udp_server.py")...)
		c := l.client(0, "hello\n", client...)
		got[i] = c.seen()
		if c.code != 0 {
			t.Errorf("%q: exit %d, stderr %s", client, c.code, c.stderr.String())
		}
		srv.wait(t)
	}
	if got[0].stdout != "IP: 127.0.0.1 | Port: 10001\nhello\n" {
		t.Errorf("the notes' client printed %q", got[0].stdout)
	}
	l.same("udp-client against the notes' server", got[0], got[1])

	// turtle's server in the notes' server's place.
	srv := l.server("udp", 10001, l.turtle("echo", "udp-server", "--once")...)
	c := l.client(0, "hello\n", l.notes_("udp_client.py")...)
	l.same("the notes' client against udp-server", got[0], c.seen())
	srv.wait(t)
	if !strings.Contains(srv.stdout.String(), "echoed 5 bytes to 127.0.0.1:") {
		t.Errorf("udp-server console: %q", srv.stdout.String())
	}
}

// Item 2: 2,000 bytes to the notes' server, which echoes one recv(1024)
// and closes: the first 1,024 bytes are printed, then why on stderr.
func TestNotesTCPClientPartialEcho(t *testing.T) {
	t.Parallel()
	timed(t, notesTCPClientPartialEcho)
}

// notesTCPClientPartialEcho is TestNotesTCPClientPartialEcho's scenario.
func notesTCPClientPartialEcho(l *lab) {
	t := l.t
	msg := strings.Repeat("abcdefghij", 200)
	var got [2]seen
	var turtleErr string
	for i, client := range [][]string{l.notes_("tcp_client.py"), l.turtle("echo", "tcp-client")} {
		srv := l.server("tcp", 12500, l.notes_("tcp_server.py")...)
		c := l.client(0, msg+"\n", client...)
		got[i] = c.seen()
		turtleErr = c.stderr.String()
		srv.wait(t)
	}
	if got[0].stdout != "Reply from Server: "+msg[:1024]+"\n" {
		t.Fatalf("the notes' client printed %d bytes, not the first 1024 (exit %d)", len(got[0].stdout), got[0].code)
	}
	l.same("tcp-client sending 2000 bytes to the notes' recv(1024) server", got[0], got[1])
	if !regexp.MustCompile(`^turtle echo tcp-client: (after echoing 1024 of the 2000 bytes sent, the server reset the connection \(connection reset by peer\)|the server closed the connection after echoing 1024 of the 2000 bytes sent)\n$`).MatchString(turtleErr) {
		t.Errorf("tcp-client stderr %q", turtleErr)
	}
}

// Item 3: the clients connect first, then read the line. A student still
// typing holds the notes' iterative server, and the next client waits for
// her; a client started with no server fails at once.
func TestNotesClientsConnectFirst(t *testing.T) {
	t.Parallel()
	timed(t, notesClientsConnectFirst)
}

// notesClientsConnectFirst is TestNotesClientsConnectFirst's scenario.
func notesClientsConnectFirst(l *lab) {
	t := l.t
	var got, refused [2]seen
	for i, client := range [][]string{l.notes_("tcp_client.py"), l.turtle("echo", "tcp-client")} {
		c := l.typing(5*time.Second, "late\n", client...) // no server yet
		c.wait(t)
		refused[i] = c.seen()
		srv := l.server("tcp", 12500, l.notes_("tcp_server_loop.py")...)
		slow := l.typing(2*time.Second, "first\n", client...)
		time.Sleep(300 * time.Millisecond)
		// 2 s of typing and two 3 s sleeps: about 8 s.
		second := l.client(0, "second\n", client...)
		got[i] = second.seen()
		got[i].end = second.exitAt.Sub(slow.start) // from when the typist's client started
		slow.wait(t)
		if slow.stdout.String() != "Reply from Server: first\n" {
			t.Errorf("%q, the slow typist: %q %s", client, slow.stdout.String(), slow.stderr.String())
		}
		srv.cmd.Process.Kill()
		srv.wait(t)
	}
	if got[0].end < 7*time.Second {
		t.Errorf("the notes' second client ended after %v, before the typist's echo", got[0].end)
	}
	l.same("a client behind a student typing", got[0], got[1])
	if refused[0].code != 1 {
		t.Errorf("the notes' client with no server: exit %d", refused[0].code)
	}
	if refused[0].end > 2*time.Second {
		l.lateness("the notes' client with no server ended after %v", refused[0].end)
	}
	l.same("a client with no server", refused[0], refused[1])
}

// Item 4: no time limit by default (--timeout sets one), and messages in a
// student's words.
func TestNotesClientMessages(t *testing.T) {
	t.Parallel()
	timed(t, notesClientMessages)
}

// notesClientMessages is TestNotesClientMessages's scenario.
func notesClientMessages(l *lab) {
	t := l.t
	// No TCP server: refused in plain words, exit 1 at once, as the notes'
	// client (which prints a traceback).
	c := l.client(0, "hi\n", l.turtle("echo", "tcp-client")...)
	if c.code != 1 || c.stderr.String() != "turtle echo tcp-client: no server is listening on localhost port 12500 (connection refused)\n" {
		t.Errorf("tcp-client, no server: exit %d, stderr %q", c.code, c.stderr.String())
	}
	// No UDP server: the notes' client waits for ever (Linux does not
	// report the ICMP error to an unconnected socket); turtle's says why.
	notes := l.typing(0, "hi\n", l.notes_("udp_client.py")...)
	c = l.client(0, "hi\n", l.turtle("echo", "udp-client")...)
	if c.code != 1 || c.stderr.String() != "turtle echo udp-client: no server answered on port 10001 (ICMP port unreachable)\n" {
		t.Errorf("udp-client, no server: exit %d, stderr %q", c.code, c.stderr.String())
	}
	if c.end > time.Second {
		l.lateness("udp-client, no server: ended after %v", c.end)
	}
	if !notes.running() {
		t.Errorf("the notes' UDP client with no server ended: %q", notes.stderr.String())
	}
	notes.cmd.Process.Kill()
	// A server that takes 3 s: --timeout 1s gives up in plain words.
	srv := l.server("tcp", 12500, l.notes_("tcp_server_sleep.py")...)
	c = l.client(0, "hi\n", l.turtle("echo", "tcp-client", "--timeout", "1s")...)
	if c.code != 1 || c.stderr.String() != "turtle echo tcp-client: no echo came back in time (--timeout 1s)\n" {
		t.Errorf("tcp-client --timeout 1s: exit %d, stderr %q", c.code, c.stderr.String())
	}
	srv.wait(t)
}

// Item 5: the reply is printed as print(data.decode('utf-8')) prints it.
func TestNotesReplyText(t *testing.T) {
	t.Parallel()
	timed(t, notesReplyText)
}

// notesReplyText is TestNotesReplyText's scenario.
func notesReplyText(l *lab) {
	t := l.t
	line := "C:\\temp\\new\tx 👩\u200d💻 \x1b[1mbold\n"
	var got [2]seen
	for i, client := range [][]string{l.notes_("tcp_client.py"), l.turtle("echo", "tcp-client")} {
		srv := l.server("tcp", 12500, l.notes_("tcp_server.py")...)
		got[i] = l.client(0, line, client...).seen()
		srv.wait(t)
	}
	l.same("a reply with backslashes, a tab, a joined emoji and an escape", got[0], got[1])
	var udp [2]seen
	for i, client := range [][]string{l.notes_("udp_client.py"), l.turtle("echo", "udp-client")} {
		srv := l.server("udp", 10001, l.notes_("udp_server.py")...)
		udp[i] = l.client(0, line, client...).seen()
		srv.wait(t)
	}
	l.same("the same over UDP", udp[0], udp[1])
}

// Item 7: bench against the notes' listen(1) server, 5 clients: no hang
// (opening all five before sending waited for ever: the server holds the
// first, its queue two, the others wait), the slowest latency as p99, a
// rate that is not 0.
func TestNotesBenchListen1(t *testing.T) {
	t.Parallel()
	timed(t, notesBenchListen1)
}

// notesBenchListen1 is TestNotesBenchListen1's scenario.
func notesBenchListen1(l *lab) {
	t := l.t
	srv := l.server("tcp", 12500, l.notes_("tcp_server_loop.py")...)
	// Five notes' clients started together, timed from the first one
	// ready to the last one done.
	notes, first := l.together(5, "x\n", l.notes_("tcp_client.py")...)
	var last time.Time
	for _, c := range notes {
		c.wait(t)
		if c.exitAt.After(last) {
			last = c.exitAt
		}
	}
	slowest := last.Sub(first)
	b := l.client(0, "", l.turtle("echo", "bench", "--addr", "127.0.0.1:12500", "--clients", "5", "--size", "1")...)
	srv.cmd.Process.Kill()
	out := b.stdout.String()
	m := regexp.MustCompile(`wall ([0-9.]+)s, ([0-9.]+) msg/s\nlatency p50 [0-9.]+s, p99 ([0-9.]+)s`).FindStringSubmatch(out)
	if b.code != 0 || m == nil || !strings.Contains(out, "completed 5, failed 0; 5 messages echoed") {
		t.Fatalf("bench: exit %d\n%s%s", b.code, out, b.stderr.String())
	}
	var wall, rate, p99 float64
	fmt.Sscan(m[1], &wall)
	fmt.Sscan(m[2], &rate)
	fmt.Sscan(m[3], &p99)
	if d := time.Duration(wall*float64(time.Second)) - slowest; d > time.Second || d < -time.Second {
		l.lateness("bench took %.3fs, the notes' five clients %v", wall, slowest)
	}
	// p99 is at most the wall time; how far below depends on when each
	// connection was accepted (a listen(1) queue makes the kernel retry
	// SYNs), so it is not pinned here: echo's TestPercentile pins the
	// nearest-rank rule the issue asked for.
	if p99 > wall || p99 <= 0 || rate <= 0 {
		t.Errorf("bench: p99 %.3fs, wall %.3fs, %v msg/s", p99, wall, rate)
	}
}

// Item 8: --backlog 1 and --delay 3s make the iterative server the notes'
// loop server: four notes' clients end when they end against it. The
// console has a line per connection.
func TestNotesBacklogAndConsole(t *testing.T) {
	t.Parallel()
	timed(t, notesBacklogAndConsole)
}

// notesBacklogAndConsole is TestNotesBacklogAndConsole's scenario.
func notesBacklogAndConsole(l *lab) {
	t := l.t
	ends := func(server []string) ([]time.Duration, *labRun) {
		srv := l.server("tcp", 12500, server...)
		cs, first := l.together(4, "x\n", l.notes_("tcp_client.py")...)
		var d []time.Duration
		for _, c := range cs {
			c.wait(t)
			if c.stdout.String() != "Reply from Server: x\n" {
				t.Errorf("%q: a notes' client printed %q", server, c.stdout.String())
			}
			d = append(d, c.exitAt.Sub(first))
		}
		srv.stop(t)
		slices.Sort(d)
		return d, srv
	}
	notes, _ := ends(l.notes_("tcp_server_loop.py"))
	turtle, srv := ends(l.turtle("echo", "tcp-server", "--delay", "3s", "--backlog", "1"))
	for i := range notes {
		if d := turtle[i] - notes[i]; d > time.Second || d < -time.Second {
			l.lateness("client %d ended after %v against turtle, %v against the notes' server", i+1, turtle[i], notes[i])
		}
	}
	console := srv.stdout.String()
	if n := strings.Count(console, "\naccepted 127.0.0.1:"); n != 4 {
		t.Errorf("%d accepted lines:\n%s", n, console)
	}
	if n := len(regexp.MustCompile(`(?m)^served 127\.0\.0\.1:\d+: 1 bytes echoed$`).FindAllString(console, -1)); n != 4 {
		t.Errorf("%d served lines:\n%s", n, console)
	}

	// Refused over --max-conns, and an IPv6 address without brackets.
	srv = l.server("tcp", 12500, l.turtle("echo", "tcp-server", "--mode", "threaded", "--max-conns", "1")...)
	hold := l.typing(3*time.Second, "x\n", l.notes_("tcp_client.py")...)
	// The second client comes once the server has the first in service.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(srv.stdoutText(), "accepted 127.0.0.1:"); {
		if time.Now().After(deadline) {
			t.Fatalf("the server never accepted the first client:\n%s", srv.stdoutText())
		}
		time.Sleep(10 * time.Millisecond)
	}
	c := l.client(0, "y\n", l.notes_("tcp_client.py")...)
	hold.wait(t)
	srv.stop(t)
	if !regexp.MustCompile(`(?m)^refused 127\.0\.0\.1:\d+: 1 connections in service \(--max-conns\)$`).MatchString(srv.stdout.String()) {
		t.Errorf("no refused line:\n%s", srv.stdout.String())
	}
	// Closed at once: the notes' client reads an empty reply, or its
	// send meets the reset first.
	if got := c.stdout.String(); !(got == "" && c.code == 1 || got == "Reply from Server: \n" && c.code == 0) {
		t.Errorf("the refused notes' client printed %q, exit %d", got, c.code)
	}
	code, _, errs := runEchoArgs("", "udp-server", "--addr", "::1:10001")
	if code != 2 || errs != "turtle echo udp-server: --addr ::1:10001: an IPv6 address and its port are written with brackets: --addr [::1]:10001\n" {
		t.Errorf("--addr ::1:10001: exit %d, %q", code, errs)
	}
}

// Issue 25 item 15: a student who takes 35 s to type gets her echo from
// tcp-server's default mode, as from the notes' server; in pool mode,
// meant for many clients, she is dropped with a line saying why.
func TestNotesSlowTypist(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 35 s")
	}
	t.Parallel()
	timed(t, notesSlowTypist)
}

// notesSlowTypist is TestNotesSlowTypist's scenario.
func notesSlowTypist(l *lab) {
	t := l.t
	l2 := newLab(t) // both at once, each in its own namespace
	var got [2]seen
	var cs [2]*labRun
	for i, server := range [][]string{l.notes_("tcp_server.py"), l.turtle("echo", "tcp-server", "--once")} {
		l := []*lab{l, l2}[i]
		l.server("tcp", 12500, server...)
		cs[i] = l.typing(35*time.Second, "hello\n", l.notes_("tcp_client.py")...)
	}
	for i, c := range cs {
		c.wait(t)
		got[i] = c.seen()
	}
	l.same("the notes' client typing for 35 s", got[0], got[1])
	if got[1].stdout != "Reply from Server: hello\n" {
		t.Errorf("the slow typist got %q", got[1].stdout)
	}
	srv := l.server("tcp", 12500, l.turtle("echo", "tcp-server", "--mode", "pool", "--idle-timeout", "1s")...)
	l.client(2*time.Second, "hello\n", l.notes_("tcp_client.py")...)
	srv.stop(t)
	if !regexp.MustCompile(`(?m)^dropped 127\.0\.0\.1:\d+: 0 bytes echoed, it sent nothing for 1s \(--idle-timeout; 0 turns this off\)$`).MatchString(srv.stdout.String()) {
		t.Errorf("no dropped line:\n%s", srv.stdout.String())
	}
}

// Item 6: turtle sniff with no -i prints what the notes' Turtle Sniffer
// prints, frame for frame, from its first line: both watch the same
// namespace while the notes' TCP client and server talk over localhost
// (each packet on lo twice, outgoing and incoming).
func TestNotesSniffer(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	notes := l.start(l.notes_("turtle_sniffer_linux.py")...)
	tu := l.start(l.turtle("sniff", "-Z", "root")...)
	// Both are capturing once each has printed its IP line and a frame
	// sent now reaches both: wait for the first line, then a moment.
	for notes.running() && tu.running() && (!strings.HasPrefix(notes.stdoutText(), "IP: ") || !strings.HasPrefix(tu.stdoutText(), "IP: ")) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	srv := l.server("tcp", 12500, l.notes_("tcp_server.py")...)
	c := l.client(0, "hello\n", l.notes_("tcp_client.py")...)
	srv.wait(t)
	if c.stdout.String() != "Reply from Server: hello\n" {
		t.Fatalf("the notes' client: %q", c.stdout.String())
	}
	time.Sleep(time.Second)
	notes.cmd.Process.Kill()
	tu.stop(t)
	<-notes.done
	want, got := notes.stdout.String(), tu.stdout.String()
	if n := strings.Count(want, "\nEthernet Frame:"); n < 16 || n%2 != 0 {
		t.Fatalf("the notes' sniffer saw %d frames:\n%s", n, want)
	}
	if got != want {
		t.Errorf("turtle sniff printed\n%s\nthe notes' sniffer\n%s", got, want)
	}
	if tu.code != 0 {
		t.Errorf("turtle sniff: exit %d, %s", tu.code, tu.stderr.String())
	}
}

// stdoutText is the output so far (the buffer is written by exec's copier).
func (r *labRun) stdoutText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stdout.String()
}

// Item 4: twelve clients at once against the notes' loop server (3 s
// each): the last echo comes after 36 s or more, and turtle's clients all
// wait for theirs as the notes' do (two gave up at 30 s before). When the
// last one ends is not compared: with listen(1) the clients whose SYN was
// dropped retry after 1, 3, 7, 15, 31 s..., and which retry finds room in
// the queue varies from run to run (the notes' own clients end after 36
// to 64 s).
func TestNotesNoTimeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 36 s")
	}
	t.Parallel()
	labs := []*lab{newLab(t), newLab(t)} // both at once
	var clients [2][]*labRun
	for i, client := range [][]string{labs[0].notes_("tcp_client.py"), labs[1].turtle("echo", "tcp-client")} {
		l := labs[i]
		l.server("tcp", 12500, l.notes_("tcp_server_loop.py")...)
		clients[i], _ = l.together(12, "x\n", client...)
	}
	var last [2]seen
	for i := range clients {
		for _, c := range clients[i] {
			c.wait(t)
			if c.stdout.String() != "Reply from Server: x\n" || c.code != 0 {
				t.Errorf("%q: exit %d, %q %s", c.cmd.Args, c.code, c.stdout.String(), c.stderr.String())
			}
			if c.end > last[i].end {
				last[i] = c.seen()
			}
		}
	}
	for i, who := range []string{"the notes'", "turtle's"} {
		if last[i].end < 33*time.Second {
			t.Errorf("%s last client ended after %v: it did not wait for twelve echoes", who, last[i].end)
		}
	}
}
