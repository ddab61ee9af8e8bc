package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/turtle-sniffer/turtle/echo"
)

// Scenario is one conversation the recorder knows how to hold and capture.
type Scenario struct {
	Name  string
	About string // one line for `turtle record --list`

	run  func(ctx context.Context, s *session) error
	want shape
}

// The classroom's ports (turtle echo's defaults), which recordings show
// whatever port the servers really had.
const (
	udpPort uint16 = 10001
	tcpPort uint16 = 12500
)

// Scenario timing. delay is the servers' sleep before each echo, as the
// classroom's time.sleep. stagger spaces the three clients' messages: the
// threaded server's echoes then leave in the clients' order, and each
// connection's teardown ends before the next echo, which a fixture needs,
// while the echoes still come back together (delay, delay+stagger,
// delay+2·stagger) next to the iterative server's (one delay apart). Both
// are part of the script, not waits for something to happen: every wait
// is on the capture. The margins (all three clients in before the first
// echo: delay against 2·stagger; one goroutine's wake-up against stagger)
// hold on a loaded machine; when they do not, Scenario.check reports the
// recording as unstable (ErrBusy) instead of letting it become a fixture,
// and Record tries again.
const (
	delay   = 600 * time.Millisecond
	stagger = 120 * time.Millisecond
)

var helloTurtle = []byte("Hello turtle")

func clientMessage(k int) []byte { return []byte("Hello from client " + strconv.Itoa(k+1)) }

var scenarios = []Scenario{
	{
		Name:  "udp-echo",
		About: "one UDP datagram to the echo server (port 10001) and its echo",
		run:   runUDPEcho,
		want:  shape{other: []string{"udp 12", "udp 12"}},
	},
	{
		Name:  "tcp-echo",
		About: "one TCP connection to the threaded echo server (port 12500): handshake, message, echo, teardown",
		run: func(ctx context.Context, s *session) error {
			return runTCPClients(ctx, s, echo.Threaded, 0, false, [][]byte{helloTurtle})
		},
		want: shape{
			tcp:   [][2][]int{{{12}, {12}}},
			order: []string{"1>S", "1>12", "1<12", "1>F", "1<F"},
		},
	},
	{
		Name: "tcp-echo-concurrent",
		About: "three clients at once against the threaded server with a 600 ms delay: " +
			"the echoes come back together",
		run: func(ctx context.Context, s *session) error {
			return runTCPClients(ctx, s, echo.Threaded, delay, false, threeClients())
		},
		want: threeClientShape,
	},
	{
		Name: "tcp-echo-iterative",
		About: "the same three clients against the iterative server: the connections overlap " +
			"(the kernel accepts the backlog) but the echoes come back one delay apart",
		run: func(ctx context.Context, s *session) error {
			return runTCPClients(ctx, s, echo.Iterative, delay, true, threeClients())
		},
		want: threeClientShape,
	},
	{
		Name:  "icmp-ping",
		About: "three ICMP echo requests (a raw ICMP socket) and the kernel's replies",
		run:   runPing,
		want:  shape{other: slices.Repeat([]string{"icmp 8/0 12", "icmp 0/0 12"}, 3)},
	},
	{
		Name:  "udp-unreachable",
		About: "a UDP datagram to a closed port (10001, no server) and the ICMP port unreachable it provokes",
		run:   runUnreachable,
		want:  shape{other: []string{"udp 12", "icmp 3/3 40"}},
	},
}

// threeClientShape is what three clients look like against either server:
// every client connects and sends before the first echo, and each
// connection ends before the next echo.
var threeClientShape = shape{
	tcp: [][2][]int{{{19}, {19}}, {{19}, {19}}, {{19}, {19}}},
	order: []string{
		"1>S", "1>19", "2>S", "2>19", "3>S", "3>19",
		"1<19", "1>F", "1<F", "2<19", "2>F", "2<F", "3<19", "3>F", "3<F",
	},
}

func threeClients() [][]byte {
	return [][]byte{clientMessage(0), clientMessage(1), clientMessage(2)}
}

func runUDPEcho(ctx context.Context, s *session) error {
	pc, err := s.listenUDP(udpPort)
	if err != nil {
		return err
	}
	srv := &echo.UDPServer{}
	s.serve(func(ctx context.Context) error { return srv.Serve(ctx, pc) })
	addr := pc.LocalAddr().(*net.UDPAddr)
	s.client("udp client", func() error {
		reply, _, err := echo.UDPClient(ctx, addr.String(), helloTurtle)
		return checkEcho(reply, helloTurtle, err)
	})
	server := uint16(addr.Port)
	return s.cap.wait(ctx, "the echo", seen(1, func(p *summary) bool {
		return p.proto == protoUDP && p.sport == server
	}))
}

// runTCPClients starts one client per message against a server of the
// given mode, one after the other: each starts once the server's kernel
// has acknowledged the previous one's message (and stagger has passed), so
// the connections appear in a fixed order and overlap. With late, the
// server starts serving only then: the kernel has accepted every
// connection and queued every message, as it would while an iterative
// server is busy, and the order of what follows no longer depends on how
// fast this machine is. It returns when every connection has closed.
func runTCPClients(ctx context.Context, s *session, mode echo.Mode, d time.Duration, late bool, msgs [][]byte) error {
	ln, err := s.listenTCP(tcpPort)
	if err != nil {
		return err
	}
	srv := &echo.TCPServer{Mode: mode, Delay: d}
	serve := func() { s.serve(func(ctx context.Context) error { return srv.Serve(ctx, ln) }) }
	if !late {
		serve()
	}
	addr := ln.Addr().String()
	for k, msg := range msgs {
		if k > 0 && d > 0 {
			if err := sleep(ctx, stagger); err != nil {
				return err
			}
		}
		s.client("client "+strconv.Itoa(k+1), func() error {
			reply, err := echo.TCPClient(ctx, addr, msg)
			return checkEcho(reply, msg, err)
		})
		what := "the server to acknowledge client " + strconv.Itoa(k+1) + "'s message"
		if err := s.cap.wait(ctx, what, tcpDataAcked(k)); err != nil {
			return err
		}
	}
	if late {
		serve()
	}
	return s.cap.wait(ctx, "every connection to close", tcpClosed(len(msgs)))
}

func checkEcho(reply, msg []byte, err error) error {
	if err != nil {
		return err
	}
	if !bytes.Equal(reply, msg) {
		return fmt.Errorf("echo %q, want %q", reply, msg)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func runPing(ctx context.Context, s *session) error {
	var c *icmp.PacketConn
	err := s.env.do(func() error {
		var err error
		c, err = icmp.ListenPacket("ip4:icmp", "127.0.0.1")
		return err
	})
	if err != nil {
		return fmt.Errorf("icmp socket: %w", err)
	}
	s.closeLater(c)
	id := uint16(os.Getpid())
	s.echoID(id)
	to := &net.IPAddr{IP: net.IPv4(127, 0, 0, 1)}
	for seq := 1; seq <= 3; seq++ {
		m := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: int(id), Seq: seq, Data: helloTurtle}}
		b, err := m.Marshal(nil)
		if err != nil {
			return err
		}
		if _, err := c.WriteTo(b, to); err != nil {
			return fmt.Errorf("send echo request %d: %w", seq, err)
		}
		what := "echo reply " + strconv.Itoa(seq)
		err = s.cap.wait(ctx, what, seen(1, func(p *summary) bool {
			return p.proto == protoICMP && p.icmpType == 0 && p.echoID == id && p.echoSeq == uint16(seq)
		}))
		if err != nil {
			return err
		}
	}
	return nil
}

func runUnreachable(ctx context.Context, s *session) error {
	port := udpPort
	if !s.env.netns() {
		// On the host, a port that was just free: bind one, close it.
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		port = uint16(pc.LocalAddr().(*net.UDPAddr).Port)
		pc.Close()
	}
	s.port(port, udpPort)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	s.client("udp client", func() error {
		_, _, err := echo.UDPClient(ctx, addr, helloTurtle)
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return nil
		case err == nil:
			return fmt.Errorf("port %d answered; it should be closed", port)
		}
		return err
	})
	return s.cap.wait(ctx, "the ICMP port unreachable", seen(1, func(p *summary) bool {
		return p.proto == protoICMP && p.icmpType == 3 && p.icmpCode == 3
	}))
}

// shape is what a scenario's frames must look like for its fixture to be
// the same every time: the payload sizes of each TCP connection's segments
// per direction (what a kernel that merges or splits segments differently
// changes), and the other packets in order.
type shape struct {
	tcp   [][2][]int // per connection in order: client to server, server to client
	order []string   // TCP events in capture order: "K>S" SYN, "K>N" N bytes, "K>F" FIN ("<" from the server)
	other []string   // "udp N" (payload bytes), "icmp T/C N" (type, code, bytes after the header)
}

// check compares what was captured with the scenario's shape.
func (sc *Scenario) check(st *state) error {
	var other, order []string
	index := make(map[*tcpTrack]int)
	for k, t := range st.tcp {
		index[t] = k + 1
	}
	for _, p := range st.sums {
		switch p.proto {
		case protoTCP:
			t, dir := st.conn(&p)
			ev := strconv.Itoa(index[t]) + ">"
			if dir != 0 {
				ev = strconv.Itoa(index[t]) + "<"
			}
			if p.flags&flagSYN != 0 && p.flags&flagACK == 0 {
				order = append(order, ev+"S")
			}
			if p.payload > 0 {
				order = append(order, ev+strconv.Itoa(p.payload))
			}
			if p.flags&flagFIN != 0 {
				order = append(order, ev+"F")
			}
		case protoUDP:
			other = append(other, "udp "+strconv.Itoa(p.payload))
		case protoICMP:
			other = append(other, fmt.Sprintf("icmp %d/%d %d", p.icmpType, p.icmpCode, p.payload))
		}
	}
	if !slices.Equal(other, sc.want.other) {
		return fmt.Errorf("captured datagrams [%s], want [%s]: %w",
			strings.Join(other, ", "), strings.Join(sc.want.other, ", "), ErrUnstable)
	}
	if len(st.tcp) != len(sc.want.tcp) {
		return fmt.Errorf("captured %d TCP connections, want %d: %w", len(st.tcp), len(sc.want.tcp), ErrUnstable)
	}
	for k, t := range st.tcp {
		for d, name := range [2]string{"client to server", "server to client"} {
			got, want := t.dir[d].sizes, sc.want.tcp[k][d]
			if !slices.Equal(got, want) {
				return fmt.Errorf("connection %d, %s: payload sizes %v, want %v: the kernel split or merged segments: %w",
					k+1, name, got, want, ErrUnstable)
			}
		}
	}
	if !slices.Equal(order, sc.want.order) {
		return fmt.Errorf("TCP events [%s], want [%s]: %w", strings.Join(order, " "), strings.Join(sc.want.order, " "), ErrBusy)
	}
	return nil
}
