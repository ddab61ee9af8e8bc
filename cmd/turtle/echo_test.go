package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/echo"
)

func runEchoArgs(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = runEcho(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// oneLine fails unless s is exactly one line containing want.
func oneLine(t *testing.T, s, want string) {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") || !strings.Contains(s, want) {
		t.Errorf("stderr %q: want one line containing %q", s, want)
	}
	if !strings.HasPrefix(s, "turtle echo") {
		t.Errorf("stderr %q: want the prefix 'turtle echo'", s)
	}
}

func TestEchoHelp(t *testing.T) {
	code, out, _ := runEchoArgs("", "--help")
	if code != 0 || !strings.Contains(out, "tcp-server") || !strings.Contains(out, "Example:") {
		t.Errorf("turtle echo --help: code %d, output %q", code, out)
	}
	for _, s := range echoSubs {
		code, out, errs := runEchoArgs("", s.name, "--help")
		if code != 0 || !strings.Contains(out, "Example:\n  turtle echo "+s.name) || errs != "" {
			t.Errorf("%s --help: code %d, stdout %q, stderr %q", s.name, code, out, errs)
		}
	}
	if code, _, errs := runEchoArgs(""); code != 2 || !strings.Contains(errs, "Subcommands:") {
		t.Errorf("no subcommand: code %d, stderr %q", code, errs)
	}
	if code, _, errs := runEchoArgs("", "ftp-server"); code != 2 {
		t.Errorf("unknown subcommand: code %d, stderr %q", code, errs)
	}
}

func TestEchoUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"tcp-server", "--bogus"},
		{"tcp-server", "--mode", "fork"},
		{"tcp-server", "--addr", "12500"},
		{"udp-server", "--delay", "soon"},
		{"tcp-client", "--addr", "localhost"},
		{"bench", "--clients", "3"},
		{"bench", "--addr", "127.0.0.1:1", "--proto", "sctp"},
	} {
		code, _, errs := runEchoArgs("", args...)
		if code != 2 {
			t.Errorf("%q: code %d, want 2", args, code)
		}
		if strings.Count(errs, "\n") != 1 {
			t.Errorf("%q: stderr %q, want one line", args, errs)
		}
	}
}

func TestEchoPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errs := runEchoArgs("", "tcp-server", "--addr", ln.Addr().String())
	if code != 1 {
		t.Errorf("tcp-server on a port in use: code %d", code)
	}
	oneLine(t, errs, "address already in use")

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	code, _, errs = runEchoArgs("", "udp-server", "--addr", pc.LocalAddr().String())
	if code != 1 {
		t.Errorf("udp-server on a port in use: code %d", code)
	}
	oneLine(t, errs, "address already in use")
}

func TestEchoRefused(t *testing.T) {
	code, _, errs := runEchoArgs("", "tcp-client", "--addr", "127.0.0.1:1", "--message", "x")
	if code != 1 {
		t.Errorf("tcp-client refused: code %d", code)
	}
	oneLine(t, errs, "connection refused")
	code, out, errs := runEchoArgs("", "bench", "--addr", "127.0.0.1:1", "--clients", "3")
	if code != 1 || out != "" {
		t.Errorf("bench refused: code %d, stdout %q", code, out)
	}
	oneLine(t, errs, "connection refused")
}

func startServer(t *testing.T, network string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var addr string
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = pc.LocalAddr().String()
		go func() { done <- (&echo.UDPServer{}).Serve(ctx, pc) }()
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = ln.Addr().String()
		go func() { done <- (&echo.TCPServer{Mode: echo.Threaded}).Serve(ctx, ln) }()
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return addr
}

func TestEchoClients(t *testing.T) {
	tcp := startServer(t, "tcp")
	udp := startServer(t, "udp")
	_, port, _ := net.SplitHostPort(udp)
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"tcp-client", "--addr", tcp, "--message", "hello"}, "Reply from Server: hello\n"},
		{"héllo 🐢\r\nsecond line\n", []string{"tcp-client", "--addr", tcp}, "Reply from Server: héllo 🐢\n"},
		{"", []string{"tcp-client", "--addr", tcp, "--message", ""}, "Reply from Server: \n"},
		// Not a terminal: the bytes as they came, as the notes' print does.
		{"", []string{"tcp-client", "--addr", tcp, "--message", "\x1b[2Jbell\a"}, "Reply from Server: \x1b[2Jbell\a\n"},
		{"", []string{"tcp-client", "--addr", tcp, "--message", "C:\\temp\\new\tx \U0001F469\u200d\U0001F4BB"}, "Reply from Server: C:\\temp\\new\tx \U0001F469\u200d\U0001F4BB\n"},
		{"", []string{"tcp-client", "--escape", "--addr", tcp, "--message", "\x1b[2Jbell\a\\"}, `Reply from Server: \x1b[2Jbell\a\\` + "\n"},
		{"", []string{"udp-client", "--addr", udp, "--message", "hello"}, "IP: 127.0.0.1 | Port: " + port + "\nhello\n"},
		{"from stdin", []string{"udp-client", "--addr", udp}, "IP: 127.0.0.1 | Port: " + port + "\nfrom stdin\n"},
	} {
		code, out, errs := runEchoArgs(tc.stdin, tc.args...)
		if code != 0 || out != tc.want || errs != "" {
			t.Errorf("%q: code %d, stdout %q (want %q), stderr %q", tc.args, code, out, tc.want, errs)
		}
	}
}

// freePorts returns n distinct loopback TCP addresses that were free a
// moment ago. The listeners are held until all are taken, so the kernel
// cannot hand out one port twice.
func freePorts(t *testing.T, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		addrs[i] = ln.Addr().String()
	}
	return addrs
}

// echoServerResult is how a `turtle echo tcp-server` run ended.
type echoServerResult struct {
	code     int
	out, err string
}

// serverAnswers waits until a server started with its result on done
// answers at statsAddr. It reports false when the server ended because an
// address was in use and retry is set; any other end fails t.
func serverAnswers(t *testing.T, statsAddr string, done <-chan echoServerResult, retry bool) bool {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", statsAddr)
		if err == nil {
			c.Close()
			return true
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v", err)
		}
		select {
		case r := <-done:
			if retry && strings.Contains(r.err, "address already in use") {
				return false
			}
			t.Fatalf("server ended before it answered: code %d, stderr %q", r.code, r.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestEchoServerOnceAndBench(t *testing.T) {
	for _, mode := range []string{"iterative", "event"} {
		t.Run(mode, func(t *testing.T) {
			var addr string
			var done chan echoServerResult
			// The ports were free a moment ago; another test may have
			// taken one since: then the server says so and it tries others.
			for attempt := 1; ; attempt++ {
				ports := freePorts(t, 2)
				var statsAddr string
				addr, statsAddr = ports[0], ports[1]
				done = make(chan echoServerResult, 1)
				go func() {
					code, out, errs := runEchoArgs("", "tcp-server", "--addr", addr, "--mode", mode, "--once", "--stats", "--stats-addr", statsAddr)
					done <- echoServerResult{code, out, errs}
				}()
				if serverAnswers(t, statsAddr, done, attempt < 3) {
					break
				}
			}
			code, out, errs := runEchoArgs("", "bench", "--addr", addr, "--clients", "1", "--messages", "5", "--size", "100")
			if code != 0 || !strings.Contains(out, "completed 1, failed 0; 5 messages echoed") {
				t.Errorf("bench: code %d, stdout %q, stderr %q", code, out, errs)
			}
			r := <-done
			if r.code != 0 || r.err != "" {
				t.Fatalf("server: code %d, stderr %q", r.code, r.err)
			}
			wantListen := fmt.Sprintf("turtle echo: tcp server (%s) listening on %s\n", mode, addr)
			if !strings.HasPrefix(r.out, wantListen) || !strings.Contains(r.out, "stats: accepted=1 served=1 active=0 peak=1 ") {
				t.Errorf("server stdout %q", r.out)
			}
		})
	}
}

func TestEchoBenchReportsServerPeak(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// The delay holds each request in service long enough that all five
	// clients, started together, are served at once: without it a fast
	// client can finish before the last one connects, and the peak is
	// lower through no fault of bench's (seen once as "peak 3").
	srv := &echo.TCPServer{Mode: echo.Pool, Delay: 300 * time.Millisecond}
	done := make(chan error, 2)
	go func() { done <- srv.Serve(ctx, ln) }()
	go func() { done <- echo.ServeStats(ctx, sl, srv.Stats) }()
	defer func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}()
	code, out, errs := runEchoArgs("", "bench", "--addr", ln.Addr().String(), "--clients", "5", "--messages", "3", "--stats-addr", sl.Addr().String())
	if code != 0 || errs != "" {
		t.Fatalf("bench: code %d, stderr %q", code, errs)
	}
	for _, want := range []string{"completed 5, failed 0; 15 messages echoed", "latency p50 ", "server peak 5 concurrent"} {
		if !strings.Contains(out, want) {
			t.Errorf("bench output %q lacks %q", out, want)
		}
	}
}
