package echo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func TestCheckAddr(t *testing.T) {
	for addr, want := range map[string]string{
		":12500":          "",
		"[::1]:12500":     "",
		"localhost:10001": "",
		"::1:10001":       "--addr ::1:10001: an IPv6 address and its port are written with brackets: --addr [::1]:10001",
		"localhost":       `--addr "localhost": address localhost: missing port in address (write host:port, [IPv6]:port or :port)`,
	} {
		err := CheckAddr("--addr", addr)
		if got := ""; err != nil {
			got = err.Error()
			if got != want {
				t.Errorf("%q: %q, want %q", addr, got, want)
			}
		} else if want != "" {
			t.Errorf("%q: accepted, want %q", addr, want)
		}
	}
}

func TestClientRun(t *testing.T) {
	tcp := startTCP(t, "127.0.0.1", &TCPServer{})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(serveInBackground(t, func(ctx context.Context) error { return (&UDPServer{}).Serve(ctx, pc) }))
	udp := pc.LocalAddr().String()
	_, port, _ := net.SplitHostPort(udp)
	for _, tc := range []struct {
		run  ClientRun
		want string
	}{
		{ClientRun{Network: "tcp", Addr: tcp, Input: strings.NewReader("hi\r\nsecond line\n")}, "Reply from Server: hi\n"},
		{ClientRun{Network: "tcp", Addr: tcp, Input: strings.NewReader("no line end")}, "Reply from Server: no line end\n"},
		{ClientRun{Network: "tcp", Addr: tcp, Message: "\x1b[2J\tx\n"}, "Reply from Server: \x1b[2J\tx\n\n"},
		{ClientRun{Network: "tcp", Addr: tcp, Message: "\x1b[2J\tx\n", Terminal: true}, "Reply from Server: \\x1b[2J\tx\n\n"},
		{ClientRun{Network: "tcp", Addr: tcp, Message: "\x1b[2J\tx\n", Escape: true}, "Reply from Server: \\x1b[2J\\tx\\n\n"},
		{ClientRun{Network: "udp", Addr: udp, Message: "hello"}, "IP: 127.0.0.1 | Port: " + port + "\nhello\n"},
	} {
		out, err := tc.run.Run(testCtx(t))
		if err != nil || string(out) != tc.want {
			t.Errorf("%+v: %q, %v; want %q", tc.run, out, err, tc.want)
		}
	}
	// No server: nothing to print, and why.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if out, err := (ClientRun{Network: "tcp", Addr: closed, Message: "x"}).Run(testCtx(t)); out != nil || err == nil {
		t.Errorf("no server: %q, %v", out, err)
	}
	// A server that never echoes: Timeout ends the wait and says so.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	run := ClientRun{Network: "tcp", Addr: silent.Addr().String(), Message: "x", Timeout: 100 * time.Millisecond}
	if out, err := run.Run(testCtx(t)); !errors.Is(err, ErrTimeout) || !strings.Contains(fmt.Sprint(err), "--timeout 100ms") {
		t.Errorf("silent server: %q, %v", out, err)
	}
}

// read is what the console has written to buf so far.
func (l *lockedWriter) read(buf *bytes.Buffer) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return buf.String()
}

// A console server prints its banner once listening, a line per
// connection event and, with Stats, its counters when it stops.
func TestConsoleRunTCP(t *testing.T) {
	var buf bytes.Buffer
	out := &lockedWriter{w: &buf}
	con := Console{Out: out, Stats: true}
	done := make(chan error, 1)
	go func() { done <- con.RunTCP(testCtx(t), &TCPServer{Mode: Threaded, Once: true}, "127.0.0.1:0", 0) }()
	const banner = "turtle echo: tcp server (threaded) listening on "
	waitFor(t, "the banner", func() bool { return strings.Contains(out.read(&buf), "\n") })
	first, _, _ := strings.Cut(out.read(&buf), "\n")
	addr, ok := strings.CutPrefix(first, banner)
	if !ok {
		t.Fatalf("banner %q", first)
	}
	if reply, err := TCPClient(testCtx(t), addr, []byte("hello")); err != nil || string(reply) != "hello" {
		t.Fatalf("echo: %q, %v", reply, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := out.read(&buf)
	for _, want := range []string{"\naccepted 127.0.0.1:", "\nserved 127.0.0.1:", ": 5 bytes echoed\n", "\nstats: accepted=1 served=1 "} {
		if !strings.Contains(got, want) {
			t.Errorf("console %q lacks %q", got, want)
		}
	}
	// A stats address that cannot be listened on is an error, after the
	// server's own listener is closed again; no banner.
	var out2 bytes.Buffer
	err := Console{Out: &out2, StatsAddr: "127.0.0.1:-1"}.RunUDP(testCtx(t), &UDPServer{}, "127.0.0.1:0")
	if err == nil || !strings.HasPrefix(err.Error(), "--stats-addr: ") || out2.String() != "" {
		t.Errorf("bad stats address: %v, console %q", err, out2.String())
	}
}

func TestBenchReport(t *testing.T) {
	var b bytes.Buffer
	r := BenchResult{Completed: 4, Failed: 1, Messages: 5, Connect: 1234567 * time.Nanosecond, Wall: 15 * time.Second,
		P50: 1500 * time.Nanosecond, P99: 2 * time.Millisecond}
	r.WriteReport(&b, BenchConfig{Addr: "127.0.0.1:12500", Proto: "udp", Clients: 5, Messages: 1, Size: 64})
	want := "udp 127.0.0.1:12500: 5 clients x 1 messages of 64 bytes\ncompleted 4, failed 1; 5 messages echoed\n" +
		"connect 1ms, wall 15s, 0.333 msg/s\nlatency p50 2µs, p99 2ms\n"
	if b.String() != want {
		t.Errorf("report\n%s\nwant\n%s", b.String(), want)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(serveInBackground(t, func(ctx context.Context) error {
		return ServeStats(ctx, ln, func() Stats { return Stats{Peak: 7, Served: 9, PeakBuffered: 1024} })
	}))
	b.Reset()
	if err := WriteServerPeak(&b, ln.Addr().String()); err != nil || b.String() != "server peak 7 concurrent, 9 served, peak buffered 1024 bytes\n" {
		t.Errorf("server peak: %q, %v", b.String(), err)
	}

	// Report: the report and the peak; a failed client fails the run.
	cfg := BenchConfig{Addr: "127.0.0.1:12500", Proto: "udp", Clients: 5, Messages: 1, Size: 64}
	b.Reset()
	var warned []error
	warn := func(err error) { warned = append(warned, err) }
	r.Err = errors.New("connection refused")
	if err := r.Report(&b, cfg, ln.Addr().String(), warn); err == nil || err.Error() != "1 of 5 clients failed, first: connection refused" ||
		b.String() != want+"server peak 7 concurrent, 9 served, peak buffered 1024 bytes\n" || warned != nil {
		t.Errorf("report: %v, %q, warned %v", err, b.String(), warned)
	}
	b.Reset()
	r.Completed, r.Failed = 0, 5
	if err := r.Report(&b, cfg, "", warn); err == nil || err.Error() != "all 5 clients failed: connection refused" || b.Len() != 0 {
		t.Errorf("all failed: %v, %q", err, b.String())
	}
	// A server that cannot be asked is a warning, not a failure.
	r.Completed, r.Failed = 5, 0
	if err := r.Report(&b, cfg, "127.0.0.1:-1", warn); err != nil || len(warned) != 1 || !strings.HasPrefix(b.String(), "udp 127.0.0.1:12500: 5 clients") {
		t.Errorf("no peak: %v, warned %v, %q", err, warned, b.String())
	}
	for r, want := range map[float64]string{12345.6: "12346", 42.42: "42.4", 1.5: "1.50", 0: "0.000"} {
		if got := formatRate(r); got != want {
			t.Errorf("formatRate(%v) = %s, want %s", r, got, want)
		}
	}
}
