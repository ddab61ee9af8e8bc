package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"github.com/turtle-sniffer/turtle/echo"
)

// echoSubs are the "turtle echo" subcommands.
var echoSubs = []struct {
	name    string
	run     func(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int
	summary string
}{
	{"udp-server", runUDPServer, "echo UDP datagrams (classroom port 10001)"},
	{"udp-client", runUDPClient, "send one datagram and print its echo"},
	{"tcp-server", runTCPServer, "echo TCP connections: iterative, threaded, pool or event"},
	{"tcp-client", runTCPClient, "send one message over TCP and print its echo"},
	{"bench", runEchoBench, "run N concurrent clients against a server and summarise"},
}

const echoAbout = `turtle echo runs the classroom's echo programs: a UDP server and client
(port 10001), a TCP server in four concurrency models and its client (port
12500), and a load generator that measures them. They behave as the notes'
Python programs do (see docs/echo.md): the clients connect, then read the
line to send, wait for the echo as long as it takes and print it as the
notes' print(data.decode('utf-8')) does; on a terminal, control characters
other than tab and newline and invalid UTF-8 are escaped (\x1b, \r, \xff),
and --escape escapes everything unprintable (\n, \t, \u200d, \\) anywhere.`

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
	if err := echo.CheckAddr("--addr", addr); err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return false
	}
	return true
}

// serveResult reports how a server ended.
func serveResult(name string, err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 1
	}
	return 0
}

func runTCPServer(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" [--addr :12500] [--mode iterative|threaded|pool|event] [--max-conns N] [--delay D] [--backlog N]",
		"tcp-server echoes every byte a client sends until the client closes. Modes: iterative serves one\n"+
			"connection at a time (the notes' loop server), threaded a goroutine per connection (5.1),\n"+
			"pool at most --max-conns at once while the rest wait (eventlet's GreenPool, 5.2), event one\n"+
			"epoll loop over non-blocking sockets (Linux). --delay sleeps between receive and send, the\n"+
			"notes' sleep(3); --backlog 1 is their listen(1). It prints a line for each connection\n"+
			"accepted, served, refused (--max-conns) or dropped, and why (-q: none). iterative and threaded\n"+
			"wait for a client as long as the notes' servers do; pool and event drop one silent for\n"+
			"--idle-timeout (30s) or slower than --min-rate. SIGINT/SIGTERM stop accepting and let\n"+
			"in-flight echoes finish within --grace; SIGUSR1 prints the counters.",
		"turtle echo tcp-server --addr [::1]:12500 --mode event --delay 3s --stats", stdout, stderr)
	// The flags set the server and its console as they are.
	srv, con := &echo.TCPServer{}, echo.Console{Out: stdout}
	addr := fs.String("addr", ":12500", "address to listen on, host:port (IPv4 or IPv6)")
	modeName := fs.String("mode", "iterative", "iterative, threaded, pool or event")
	fs.IntVar(&srv.MaxConns, "max-conns", echo.DefaultMaxConns, "most connections in service at once (threaded refuses more, pool and event let them wait)")
	fs.DurationVar(&srv.Delay, "delay", 0, "sleep between receiving and echoing")
	idle := fs.Duration("idle-timeout", 0, "drop a client silent (or not reading) this long; 0 never (default: never for iterative and threaded, 30s for pool and event)")
	backlog := fs.Int("backlog", 0, "connections the kernel queues until accepted, as the notes' listen(1) (default: the system's maximum)")
	fs.BoolVarP(&con.Quiet, "quiet", "q", false, "print no line per connection")
	fs.IntVar(&srv.MaxBuffered, "max-buffered", echo.DefaultMaxBuffered, "most bytes held for one connection before reading from it stops")
	fs.IntVar(&srv.MinRate, "min-rate", echo.DefaultMinRate, "bytes/s a client must move (both ways) over each idle-timeout window, against slowloris; -1 any byte will do")
	fs.DurationVar(&srv.Grace, "grace", echo.DefaultGrace, "how long in-flight echoes may finish after SIGINT/SIGTERM")
	fs.BoolVar(&srv.Once, "once", false, "serve one connection, then exit")
	fs.BoolVar(&con.Stats, "stats", false, "print a stats line at exit (and on SIGUSR1 regardless)")
	fs.StringVar(&con.StatsAddr, "stats-addr", "", "also answer counter queries on this TCP address (for bench --stats-addr)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	var err error
	if srv.Mode, err = echo.ParseMode(*modeName); err != nil {
		fmt.Fprintf(stderr, "turtle %s: --mode: %v\n", name, err)
		return 2
	}
	if srv.MaxConns <= 0 || srv.MaxBuffered <= 0 {
		fmt.Fprintf(stderr, "turtle %s: --max-conns and --max-buffered must be positive\n", name)
		return 2
	}
	if !checkAddr(name, *addr, stderr) {
		return 2
	}
	if *backlog < 0 {
		fmt.Fprintf(stderr, "turtle %s: --backlog %d: must not be negative\n", name, *backlog)
		return 2
	}
	srv.IdleTimeout = *idle // not given: the API's 0, the mode's default
	if fs.Changed("idle-timeout") && srv.IdleTimeout <= 0 {
		srv.IdleTimeout = -1 // the flag's 0 means never
	}
	return serveResult(name, con.RunTCP(context.Background(), srv, *addr, *backlog), stderr)
}

func runUDPServer(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" [--addr :10001] [--once] [--delay D]",
		"udp-server sends every datagram back to its sender, one at a time, as the classroom's UDP\n"+
			"server does. SIGINT/SIGTERM stop it; SIGUSR1 prints the counters.",
		"turtle echo udp-server --addr 127.0.0.1:10001 --once", stdout, stderr)
	srv, con := &echo.UDPServer{}, echo.Console{Out: stdout}
	addr := fs.String("addr", ":10001", "address to listen on, host:port (IPv4 or IPv6)")
	fs.DurationVar(&srv.Delay, "delay", 0, "sleep between receiving and echoing")
	fs.DurationVar(&srv.Grace, "grace", echo.DefaultGrace, "how long an echo in its delay may finish after SIGINT/SIGTERM")
	fs.BoolVar(&srv.Once, "once", false, "echo one datagram, then exit")
	fs.BoolVar(&con.Stats, "stats", false, "print a stats line at exit (and on SIGUSR1 regardless)")
	fs.StringVar(&con.StatsAddr, "stats-addr", "", "also answer counter queries on this TCP address")
	fs.BoolVarP(&con.Quiet, "quiet", "q", false, "print no line per datagram echoed")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	if !checkAddr(name, *addr, stderr) {
		return 2
	}
	return serveResult(name, con.RunUDP(context.Background(), srv, *addr), stderr)
}

// runClient parses the flags both clients share, which set the client
// run as they are, and runs it: the notes' client in order, its output on
// stdout, what went wrong on stderr.
func runClient(name, network string, fs *pflag.FlagSet, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := echo.ClientRun{Network: network, Terminal: isTerminal(stdout)}
	port := map[string]string{"tcp": "12500", "udp": "10001"}[network]
	fs.StringVar(&c.Addr, "addr", "localhost:"+port, "server address, host:port ([IPv6]:port); a name is tried at its IPv4 addresses first, as the notes' AF_INET sockets")
	fs.StringVar(&c.Message, "message", "", "text to send (default: one line from stdin, read once connected)")
	fs.DurationVar(&c.Timeout, "timeout", 0, "give up after this long (default: wait as long as the notes' clients do)")
	fs.BoolVar(&c.Escape, "escape", false, "escape every unprintable character of the reply (\\n, \\t, \\u200d, \\\\), not only terminal controls")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	if !checkAddr(name, c.Addr, stderr) {
		return 2
	}
	if !fs.Changed("message") {
		c.Input = stdin
	}
	out, err := c.Run(context.Background())
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
	}
	if out == nil {
		return 1
	}
	stdout.Write(out)
	return 0
}

func runTCPClient(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" [--addr localhost:12500] [--message TEXT]",
		"tcp-client connects, then reads the line to send (or takes --message), sends it, reads back\n"+
			"as many bytes as it sent and prints \"Reply from Server: TEXT\", as the notes' client. If the\n"+
			"server closes or resets the connection early, what arrived is printed and why on stderr.",
		"turtle echo tcp-client --addr [::1]:12500 --message hello", stdout, stderr)
	return runClient(name, "tcp", fs, args, stdin, stdout, stderr)
}

func runUDPClient(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" [--addr localhost:10001] [--message TEXT]",
		"udp-client reads the line to send (or takes --message), sends it in one datagram, waits for\n"+
			"the echo and prints \"IP: ADDR | Port: PORT\" and the echoed text, as the notes' client.\n"+
			"Where the notes' client waits for ever when no server listens, it says so.",
		"turtle echo udp-client --addr 127.0.0.1:10001 --message hello", stdout, stderr)
	return runClient(name, "udp", fs, args, stdin, stdout, stderr)
}

func runEchoBench(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, name+" --addr HOST:PORT --proto tcp|udp --clients N [--messages M] [--size B]",
		"bench starts N clients at once (paced by --rate); each connects and sends M messages of B\n"+
			"bytes, one at a time, each waiting for its echo. It prints clients completed and failed,\n"+
			"when the last connection opened, the wall time, messages per second, latency p50/p99\n"+
			"(nearest rank) and the server's peak of concurrent connections when --stats-addr can ask\n"+
			"the server.",
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
	ctx, cancel := context.WithTimeoutCause(context.Background(), *timeout, fmt.Errorf("--timeout %v", *timeout))
	defer cancel()
	ictx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := echo.BenchConfig{Addr: *addr, Proto: *proto, Clients: *clients, Messages: *messages, Size: *size, Rate: *rate}
	res, err := echo.Bench(ictx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "turtle %s: %v\n", name, err)
		return 2
	}
	warn := func(err error) { fmt.Fprintf(stderr, "turtle %s: %v\n", name, err) }
	if err := res.Report(stdout, cfg, *statsAddr, warn); err != nil {
		warn(err)
		return 1
	}
	return 0
}
