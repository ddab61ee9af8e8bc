package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"github.com/turtle-sniffer/turtle/echo"
)

// echoSub is one "turtle echo" subcommand.
type echoSub struct {
	run     func(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int
	summary string
}

var echoSubs = []struct {
	name string
	echoSub
}{
	{"udp-server", echoSub{runUDPServer, "echo UDP datagrams (classroom port 10001)"}},
	{"udp-client", echoSub{runUDPClient, "send one datagram and print its echo"}},
	{"tcp-server", echoSub{runTCPServer, "echo TCP connections: iterative, threaded, pool or event"}},
	{"tcp-client", echoSub{runTCPClient, "send one message over TCP and print its echo"}},
	{"bench", echoSub{runEchoBench, "run N concurrent clients against a server and summarise"}},
}

const echoAbout = `turtle echo runs the classroom's echo programs: a UDP server and client
(port 10001), a TCP server in four concurrency models and its client (port
12500), and a load generator that measures them. Echoed text is printed
with control bytes and invalid UTF-8 escaped (\n, \x1b, \xff) and
backslashes doubled, so a reply never sends raw control bytes to the terminal.`

func runEcho(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		echoUsage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		echoUsage(stdout)
		return 0
	}
	for _, s := range echoSubs {
		if s.name == args[0] {
			return s.run("echo "+s.name, args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "turtle echo: unknown subcommand %q (run 'turtle echo --help')\n", args[0])
	return 2
}

func echoUsage(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  turtle echo SUBCOMMAND [flags]\n\nSubcommands:\n", echoAbout)
	for _, s := range echoSubs {
		fmt.Fprintf(w, "  %-11s %s\n", s.name, s.summary)
	}
	fmt.Fprint(w, "\nExample:\n  turtle echo tcp-server --mode threaded --delay 3s &\n  turtle echo tcp-client --message hello\n\nRun 'turtle echo SUBCOMMAND --help' for its flags.\n")
}

// checkAddr rejects an --addr without a port before any socket is made.
func checkAddr(name, addr string, stderr io.Writer) bool {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		fmt.Fprintf(stderr, "turtle %s: --addr %q: %v\n", name, addr, err)
		return false
	}
	return true
}

// serverContext is cancelled by SIGINT or SIGTERM. On SIGUSR1 (where the
// system has it) it calls onStats. stop releases the signals.
func serverContext(onStats func()) (ctx context.Context, stop func()) {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	usr := make(chan os.Signal, 1)
	if len(statsSignals) > 0 {
		signal.Notify(usr, statsSignals...)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-usr:
				onStats()
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(usr)
			close(done)
			wg.Wait()
			cancel()
		})
	}
}

// serveStats answers --stats-addr queries until ctx ends; wait waits for it.
func serveStats(ctx context.Context, name, addr string, stats func() echo.Stats, stderr io.Writer) (wait func(), ok bool) {
	if addr == "" {
		return func() {}, true
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: --stats-addr: %v\n", name, err)
		return nil, false
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		echo.ServeStats(ctx, ln, stats)
	}()
	return func() { <-done }, true
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func statsLine(w io.Writer, s echo.Stats) {
	b, _ := s.AppendText([]byte("stats: "))
	w.Write(append(b, '\n'))
}

func runTCPServer(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" [--addr :12500] [--mode iterative|threaded|pool|event] [--max-conns N] [--delay D]",
		"tcp-server echoes every byte a client sends until the client closes. Modes: iterative serves one\n"+
			"connection at a time (the classroom's first server), threaded a goroutine per connection,\n"+
			"pool at most --max-conns at once while the rest wait (eventlet's GreenPool), event one\n"+
			"epoll loop over non-blocking sockets (Linux). --delay sleeps between receive and send.\n"+
			"SIGINT/SIGTERM stop accepting and let in-flight echoes finish within --grace; SIGUSR1\n"+
			"prints the counters.",
		"turtle echo tcp-server --addr [::1]:12500 --mode event --delay 3s --stats", stdout, stderr)
	addr := fs.String("addr", ":12500", "address to listen on, host:port (IPv4 or IPv6)")
	modeName := fs.String("mode", "iterative", "iterative, threaded, pool or event")
	maxConns := fs.Int("max-conns", echo.DefaultMaxConns, "most connections in service at once (threaded refuses more, pool and event let them wait)")
	delay := fs.Duration("delay", 0, "sleep between receiving and echoing")
	idle := fs.Duration("idle-timeout", echo.DefaultIdleTimeout, "drop a client silent (or not reading) this long; 0 never")
	maxBuf := fs.Int("max-buffered", echo.DefaultMaxBuffered, "most bytes held for one connection before reading from it stops")
	minRate := fs.Int("min-rate", echo.DefaultMinRate, "bytes/s a client must move (both ways) over each idle-timeout window, against slowloris; -1 any byte will do")
	grace := fs.Duration("grace", echo.DefaultGrace, "how long in-flight echoes may finish after SIGINT/SIGTERM")
	once := fs.Bool("once", false, "serve one connection, then exit")
	stats := fs.Bool("stats", false, "print a stats line at exit (and on SIGUSR1 regardless)")
	statsAddr := fs.String("stats-addr", "", "also answer counter queries on this TCP address (for bench --stats-addr)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	mode, err := echo.ParseMode(*modeName)
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: --mode: %v\n", name, err)
		return 2
	}
	if *maxConns <= 0 || *maxBuf <= 0 {
		fmt.Fprintf(stderr, "turtle %s: --max-conns and --max-buffered must be positive\n", name)
		return 2
	}
	if !checkAddr(name, *addr, stderr) {
		return 2
	}
	idleTimeout := *idle
	if idleTimeout == 0 {
		idleTimeout = -1 // the flag's 0 means never; the API's 0 means default
	}
	srv := &echo.TCPServer{Mode: mode, MaxConns: *maxConns, Delay: *delay, IdleTimeout: idleTimeout,
		MaxBuffered: *maxBuf, Grace: *grace, Once: *once, MinRate: *minRate}
	out := &lockedWriter{w: stdout}
	ctx, stop := serverContext(func() { statsLine(out, srv.Stats()) })
	defer stop()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 1
	}
	waitStats, ok := serveStats(ctx, name, *statsAddr, srv.Stats, stderr)
	if !ok {
		ln.Close()
		return 1
	}
	fmt.Fprintf(out, "turtle echo: tcp server (%s) listening on %s\n", mode, ln.Addr())
	err = srv.Serve(ctx, ln)
	stop()
	waitStats()
	if *stats {
		statsLine(out, srv.Stats())
	}
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 1
	}
	return 0
}

func runUDPServer(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" [--addr :10001] [--once] [--delay D]",
		"udp-server sends every datagram back to its sender, one at a time, as the classroom's UDP\n"+
			"server does. SIGINT/SIGTERM stop it; SIGUSR1 prints the counters.",
		"turtle echo udp-server --addr 127.0.0.1:10001 --once", stdout, stderr)
	addr := fs.String("addr", ":10001", "address to listen on, host:port (IPv4 or IPv6)")
	delay := fs.Duration("delay", 0, "sleep between receiving and echoing")
	grace := fs.Duration("grace", echo.DefaultGrace, "how long an echo in its delay may finish after SIGINT/SIGTERM")
	once := fs.Bool("once", false, "echo one datagram, then exit")
	stats := fs.Bool("stats", false, "print a stats line at exit (and on SIGUSR1 regardless)")
	statsAddr := fs.String("stats-addr", "", "also answer counter queries on this TCP address")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	if !checkAddr(name, *addr, stderr) {
		return 2
	}
	srv := &echo.UDPServer{Delay: *delay, Grace: *grace, Once: *once}
	out := &lockedWriter{w: stdout}
	ctx, stop := serverContext(func() { statsLine(out, srv.Stats()) })
	defer stop()
	pc, err := net.ListenPacket("udp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 1
	}
	waitStats, ok := serveStats(ctx, name, *statsAddr, srv.Stats, stderr)
	if !ok {
		pc.Close()
		return 1
	}
	fmt.Fprintf(out, "turtle echo: udp server listening on %s\n", pc.LocalAddr())
	err = srv.Serve(ctx, pc)
	stop()
	waitStats()
	if *stats {
		statsLine(out, srv.Stats())
	}
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 1
	}
	return 0
}

// clientMessage is --message, or else one line of stdin without its line end.
func clientMessage(fs *pflag.FlagSet, msg string, stdin io.Reader) (string, error) {
	if fs.Changed("message") {
		return msg, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read message from stdin: %w", err)
	}
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	return line[:n], nil
}

func runTCPClient(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" [--addr localhost:12500] [--message TEXT]",
		"tcp-client connects, sends --message (or one line read from stdin), reads back as many\n"+
			"bytes as it sent and prints \"Reply from Server: TEXT\".",
		"turtle echo tcp-client --addr [::1]:12500 --message hello", stdout, stderr)
	addr := fs.String("addr", "localhost:12500", "server address, host:port")
	msg := fs.String("message", "", "text to send (default: one line from stdin)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	if !checkAddr(name, *addr, stderr) {
		return 2
	}
	text, err := clientMessage(fs, *msg, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	reply, err := echo.TCPClient(ctx, *addr, []byte(text))
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 1
	}
	b := append([]byte("Reply from Server: "), echo.AppendPrintable(nil, reply)...)
	stdout.Write(append(b, '\n'))
	return 0
}

func runUDPClient(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" [--addr localhost:10001] [--message TEXT]",
		"udp-client sends --message (or one line read from stdin) in one datagram, waits for the\n"+
			"echo and prints \"IP: ADDR | Port: PORT\" and the echoed text.",
		"turtle echo udp-client --addr 127.0.0.1:10001 --message hello", stdout, stderr)
	addr := fs.String("addr", "localhost:10001", "server address, host:port")
	msg := fs.String("message", "", "text to send (default: one line from stdin)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up waiting for the echo after this long")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	if !checkAddr(name, *addr, stderr) {
		return 2
	}
	text, err := clientMessage(fs, *msg, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	reply, from, err := echo.UDPClient(ctx, *addr, []byte(text))
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 1
	}
	b := append([]byte("IP: "), from.Addr().String()...)
	b = append(b, " | Port: "...)
	b = strconv.AppendUint(b, uint64(from.Port()), 10)
	b = append(b, '\n')
	b = echo.AppendPrintable(b, reply)
	stdout.Write(append(b, '\n'))
	return 0
}

func runEchoBench(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" --addr HOST:PORT --proto tcp|udp --clients N [--messages M] [--size B]",
		"bench opens N client connections (paced by --rate), then lets every client send M messages\n"+
			"of B bytes, one at a time, each waiting for its echo. It prints clients completed and\n"+
			"failed, the wall time of the sending phase, messages per second, latency p50/p99, and\n"+
			"the server's peak of concurrent connections when --stats-addr can ask the server.",
		"turtle echo bench --addr 127.0.0.1:12500 --proto tcp --clients 100 --messages 1000 --size 1024", stdout, stderr)
	addr := fs.String("addr", "", "server address, host:port (required)")
	proto := fs.String("proto", "tcp", "tcp or udp")
	clients := fs.Int("clients", 1, "concurrent clients")
	messages := fs.Int("messages", 1, "messages per client")
	size := fs.Int("size", 64, "bytes per message")
	rate := fs.Float64("rate", 0, "connections opened per second; 0 no limit (256 dials in flight at most)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up on clients still waiting after this long")
	statsAddr := fs.String("stats-addr", "", "the server's --stats-addr, to report its peak")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	if *addr == "" {
		fmt.Fprintf(stderr, "turtle %s: --addr is required (run 'turtle %s --help')\n", name, name)
		return 2
	}
	if !checkAddr(name, *addr, stderr) {
		return 2
	}
	if *clients <= 0 || *messages <= 0 || *size <= 0 {
		fmt.Fprintf(stderr, "turtle %s: --clients, --messages and --size must be positive\n", name)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ictx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := echo.Bench(ictx, echo.BenchConfig{Addr: *addr, Proto: *proto, Clients: *clients,
		Messages: *messages, Size: *size, Rate: *rate})
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 2
	}
	if res.Completed == 0 {
		fmt.Fprintf(stderr, "turtle %s: all %d clients failed: %v\n", name, res.Failed, res.Err)
		return 1
	}
	fmt.Fprintf(stdout, "%s %s: %d clients x %d messages of %d bytes\n", *proto, *addr, *clients, *messages, *size)
	fmt.Fprintf(stdout, "completed %d, failed %d; %d messages echoed\n", res.Completed, res.Failed, res.Messages)
	fmt.Fprintf(stdout, "connect %v, wall %v, %.0f msg/s\n", res.Connect.Round(time.Millisecond), res.Wall.Round(time.Millisecond), res.MsgRate())
	fmt.Fprintf(stdout, "latency p50 %v, p99 %v\n", res.P50.Round(time.Microsecond), res.P99.Round(time.Microsecond))
	if *statsAddr != "" {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := echo.FetchStats(sctx, *statsAddr)
		scancel()
		if err != nil {
			fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		} else {
			fmt.Fprintf(stdout, "server peak %d concurrent, %d served, peak buffered %d bytes\n", st.Peak, st.Served, st.PeakBuffered)
		}
	}
	if res.Failed > 0 {
		fmt.Fprintf(stderr, "turtle %s: %d of %d clients failed, first: %v\n", name, res.Failed, *clients, res.Err)
		return 1
	}
	return 0
}
