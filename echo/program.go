package echo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/turtle-sniffer/turtle/internal/termsafe"
)

// This file runs the echo programs as a student starts them from a shell
// (turtle echo): the console lines, the signals, the stats listener, the
// clients' input and output lines and the bench report. The servers and
// clients above know nothing of terminals and signals; this is where a
// command's behaviour is kept, so that it is tested here.

// CheckAddr rejects an address without a port before any socket is made;
// flag is how messages name it ("--addr"). An IPv6 address written without
// brackets (::1:10001) is told how to write it: the last colon cannot be
// told from the address's own.
func CheckAddr(flag, addr string) error {
	_, _, err := net.SplitHostPort(addr)
	if err == nil {
		return nil
	}
	if i := strings.LastIndexByte(addr, ':'); i > 0 && strings.Count(addr, ":") > 1 && !strings.Contains(addr, "[") {
		if ip, perr := netip.ParseAddr(addr[:i]); perr == nil && ip.Is6() {
			return fmt.Errorf("%s %s: an IPv6 address and its port are written with brackets: %s [%s]:%s", flag, addr, flag, addr[:i], addr[i+1:])
		}
	}
	return fmt.Errorf("%s %q: %v (write host:port, [IPv6]:port or :port)", flag, addr, err)
}

// Console is how a server started from a shell reports: a line on Out when
// it listens, one per connection event unless Quiet, and its counters as a
// "stats: " line on SIGUSR1 (where the system has it) and, with Stats, when
// it stops. SIGINT and SIGTERM stop it as a cancel of ctx does. With
// StatsAddr it also answers counter queries there (ServeStats).
type Console struct {
	Out       io.Writer
	Quiet     bool
	Stats     bool
	StatsAddr string
}

// RunTCP listens on addr (see Listen) and serves s until it stops.
// s.OnConn is set to the console's.
func (con Console) RunTCP(ctx context.Context, s *TCPServer, addr string, backlog int) error {
	out := &lockedWriter{w: con.Out}
	s.OnConn = con.eventLine(out)
	return con.run(ctx, out, s.Stats, func(ctx context.Context) (io.Closer, string, func() error, error) {
		ln, err := Listen(ctx, addr, backlog)
		if err != nil {
			return nil, "", nil, err
		}
		mode := s.Mode
		if mode == 0 {
			mode = Iterative
		}
		banner := fmt.Sprintf("turtle echo: tcp server (%s) listening on %s\n", mode, ln.Addr())
		return ln, banner, func() error { return s.Serve(ctx, ln) }, nil
	})
}

// RunUDP listens on addr and serves s until it stops. s.OnEcho is set to
// the console's.
func (con Console) RunUDP(ctx context.Context, s *UDPServer, addr string) error {
	out := &lockedWriter{w: con.Out}
	s.OnEcho = con.eventLine(out)
	return con.run(ctx, out, s.Stats, func(ctx context.Context) (io.Closer, string, func() error, error) {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, "", nil, err
		}
		banner := "turtle echo: udp server listening on " + pc.LocalAddr().String() + "\n"
		return pc, banner, func() error { return s.Serve(ctx, pc) }, nil
	})
}

// run opens the server with listen, then the stats listener, prints the
// banner once both are open and serves until the signals or ctx stop it.
func (con Console) run(ctx context.Context, out io.Writer, stats func() Stats,
	listen func(context.Context) (ln io.Closer, banner string, serve func() error, err error)) error {
	ctx, stop := serverContext(ctx, func() { statsLine(out, stats()) })
	defer stop()
	ln, banner, serve, err := listen(ctx)
	if err != nil {
		return err
	}
	waitStats := func() {}
	if con.StatsAddr != "" {
		sl, err := net.Listen("tcp", con.StatsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--stats-addr: %v", err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			ServeStats(ctx, sl, stats)
		}()
		waitStats = func() { <-done }
	}
	io.WriteString(out, banner)
	err = serve()
	stop()
	waitStats()
	if con.Stats {
		statsLine(out, stats())
	}
	return err
}

// eventLine prints a server's console line for each connection event,
// unless Quiet.
func (con Console) eventLine(out io.Writer) func(ConnEvent) {
	if con.Quiet {
		return nil
	}
	return func(e ConnEvent) {
		b := e.AppendText(make([]byte, 0, 128))
		out.Write(append(b, '\n'))
	}
}

func statsLine(w io.Writer, s Stats) {
	b, _ := s.AppendText([]byte("stats: "))
	w.Write(append(b, '\n'))
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

// serverContext is ctx, also cancelled by SIGINT or SIGTERM. On the stats
// signals (SIGUSR1 where the system has it) it calls onStats. stop
// releases the signals.
func serverContext(parent context.Context, onStats func()) (ctx context.Context, stop func()) {
	ctx, cancel := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
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

// ClientRun is one run of the notes' client: connect, read the line to
// send, send it, wait for the echo.
type ClientRun struct {
	Network, Addr string // "tcp" or "udp"; see Dial
	// Message is the text to send; when Input is set, one line of it is
	// read instead, without its line end, once connected (the notes'
	// input()).
	Message string
	Input   io.Reader
	// Escape escapes every unprintable character of the reply
	// (termsafe.AppendPrintable); Terminal, for output to a terminal, escapes its
	// controls (termsafe.AppendText); otherwise the reply is printed as it came,
	// as the notes' print(data.decode('utf-8')) does.
	Escape, Terminal bool
	// Timeout, when above 0, gives up after that long; the error says
	// "--timeout D" as the cause (ErrTimeout).
	Timeout time.Duration
}

// Run runs the client and returns its output, line end included: TCP's
// "Reply from Server: TEXT", UDP's "IP: ADDR | Port: PORT" and the text.
// When out is not nil and err is, err says why the reply is short (the
// server closed early): what arrived is what the notes' recv(1024) prints.
func (r ClientRun) Run(ctx context.Context) (out []byte, err error) {
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, r.Timeout, fmt.Errorf("--timeout %v", r.Timeout))
		defer cancel()
	}
	c, err := Dial(ctx, r.Network, r.Addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	text := r.Message
	if r.Input != nil {
		if text, err = ReadLine(r.Input); err != nil {
			return nil, err
		}
	}
	reply, from, err := Exchange(ctx, c, []byte(text))
	if err != nil && len(reply) == 0 && !errors.Is(err, ErrClosed) {
		return nil, err
	}
	if r.Network == "udp" {
		out = append([]byte("IP: "), from.Addr().String()...)
		out = append(out, " | Port: "...)
		out = strconv.AppendUint(out, uint64(from.Port()), 10)
		out = append(out, '\n')
	} else {
		out = []byte("Reply from Server: ")
	}
	switch {
	case r.Escape:
		out = termsafe.AppendPrintable(out, reply)
	case r.Terminal:
		out = termsafe.AppendText(out, reply)
	default:
		out = append(out, reply...)
	}
	return append(out, '\n'), err
}

// ReadLine reads one line of r without its line end ("\n" or "\r\n"); at
// the end of r, what there is.
func ReadLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
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

// WriteReport writes the result of a run of cfg as four lines: what ran,
// clients completed and failed, connect and wall times with the message
// rate, and the latency percentiles.
func (r BenchResult) WriteReport(w io.Writer, cfg BenchConfig) error {
	_, err := fmt.Fprintf(w, "%s %s: %d clients x %d messages of %d bytes\n"+
		"completed %d, failed %d; %d messages echoed\n"+
		"connect %v, wall %v, %s msg/s\n"+
		"latency p50 %v, p99 %v\n",
		cfg.Proto, cfg.Addr, cfg.Clients, cfg.Messages, cfg.Size,
		r.Completed, r.Failed, r.Messages,
		r.Connect.Round(time.Millisecond), r.Wall.Round(time.Millisecond), formatRate(r.MsgRate()),
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	return err
}

// Report writes bench's report of r on w (WriteReport, then, when
// statsAddr is set, WriteServerPeak) and says whether the run failed:
// every client (nothing is written then), or some of them. Not getting
// the server's peak fails nothing: it is said on warn.
func (r BenchResult) Report(w io.Writer, cfg BenchConfig, statsAddr string, warn func(error)) error {
	if r.Completed == 0 {
		return fmt.Errorf("all %d clients failed: %v", r.Failed, r.Err)
	}
	if err := r.WriteReport(w, cfg); err != nil {
		return err
	}
	if statsAddr != "" {
		if err := WriteServerPeak(w, statsAddr); err != nil {
			warn(err)
		}
	}
	if r.Failed > 0 {
		return fmt.Errorf("%d of %d clients failed, first: %v", r.Failed, cfg.Clients, r.Err)
	}
	return nil
}

// WriteServerPeak asks the stats listener at addr (ServeStats) for the
// server's counters, waiting 5 s at most, and writes the line bench ends
// with: "server peak N concurrent, N served, peak buffered N bytes".
func WriteServerPeak(w io.Writer, addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := FetchStats(ctx, addr)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "server peak %d concurrent, %d served, peak buffered %d bytes\n", st.Peak, st.Served, st.PeakBuffered)
	return err
}

// formatRate prints a rate with three significant figures at most and no
// exponent, so that 5 messages in 15 s read 0.333, not 0.
func formatRate(r float64) string {
	switch {
	case r >= 100:
		return strconv.FormatFloat(r, 'f', 0, 64)
	case r >= 10:
		return strconv.FormatFloat(r, 'f', 1, 64)
	case r >= 1:
		return strconv.FormatFloat(r, 'f', 2, 64)
	}
	return strconv.FormatFloat(r, 'f', 3, 64)
}
