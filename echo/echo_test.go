package echo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// allModes are the TCP modes this system runs.
func allModes() []Mode {
	if runtime.GOOS != "linux" {
		return []Mode{Iterative, Threaded, Pool}
	}
	return []Mode{Iterative, Threaded, Pool, Event}
}

// loopbacks are the loopback hosts to test on; IPv6 is skipped (with a
// log line) where the system has no ::1.
func loopbacks(t *testing.T) []string {
	hosts := []string{"127.0.0.1"}
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Logf("IPv6 loopback unavailable, testing IPv4 only: %v", err)
	} else {
		ln.Close()
		hosts = append(hosts, "::1")
	}
	return hosts
}

// startTCP serves srv on host:0 and returns the address; the server is
// stopped at the end of the test and must return nil.
func startTCP(t *testing.T, host string, srv *TCPServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	stop := serveInBackground(t, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	t.Cleanup(stop)
	return ln.Addr().String()
}

// serveInBackground runs serve until the returned stop is called, then
// checks that it returned nil.
func serveInBackground(t *testing.T, serve func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
}

// within is a generous bound on waits that only a bug can exceed; it is
// not a performance assertion.
const within = 30 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds, failing the test after `within`.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func messages() map[string][]byte {
	big := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(r.Uint32())
	}
	return map[string][]byte{
		"ascii": []byte("hello, turtle"),
		"utf8":  []byte("héllo wörld ☃ 🐢 \x00\n"),
		"empty": {},
		"64KiB": big,
	}
}

func TestTCPRoundTrip(t *testing.T) {
	for _, host := range loopbacks(t) {
		for _, mode := range allModes() {
			t.Run(host+"/"+mode.String(), func(t *testing.T) {
				srv := &TCPServer{Mode: mode}
				addr := startTCP(t, host, srv)
				for name, msg := range messages() {
					got, err := TCPClient(testCtx(t), addr, msg)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if !bytes.Equal(got, msg) {
						t.Errorf("%s: echo differs (%d bytes, sent %d)", name, len(got), len(msg))
					}
				}
				waitFor(t, "connections to end", func() bool { return srv.Stats().Served == 4 })
				if st := srv.Stats(); st.Bytes != int64(64<<10+len(messages()["ascii"])+len(messages()["utf8"])) {
					t.Errorf("bytes echoed = %d", st.Bytes)
				}
			})
		}
	}
}

func TestUDPRoundTrip(t *testing.T) {
	for _, host := range loopbacks(t) {
		t.Run(host, func(t *testing.T) {
			pc, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
			if err != nil {
				t.Fatal(err)
			}
			srv := &UDPServer{}
			t.Cleanup(serveInBackground(t, func(ctx context.Context) error { return srv.Serve(ctx, pc) }))
			addr := pc.LocalAddr().String()
			msgs := messages()
			msgs["64KiB"] = msgs["64KiB"][:1400] // one unfragmented datagram
			for name, msg := range msgs {
				got, from, err := UDPClient(testCtx(t), addr, msg)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !bytes.Equal(got, msg) {
					t.Errorf("%s: echo differs", name)
				}
				if from.String() != addr {
					t.Errorf("%s: echo from %s, want %s", name, from, addr)
				}
			}
			// The server counts a datagram served after its echo is sent,
			// so the client may have the last echo before the count.
			waitFor(t, "the server to count every datagram served", func() bool { return srv.Stats().Served == int64(len(msgs)) })
		})
	}
}

func TestOnce(t *testing.T) {
	for _, mode := range allModes() {
		t.Run(mode.String(), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &TCPServer{Mode: mode, Once: true}
			done := make(chan error, 1)
			go func() { done <- srv.Serve(context.Background(), ln) }()
			if _, err := TCPClient(testCtx(t), ln.Addr().String(), []byte("once")); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(within):
				t.Fatal("Serve did not return after its one connection")
			}
			if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
				t.Error("listener still open after Once")
			}
		})
	}
	t.Run("udp", func(t *testing.T) {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &UDPServer{Once: true}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(context.Background(), pc) }()
		if _, _, err := UDPClient(testCtx(t), pc.LocalAddr().String(), []byte("once")); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// TestPeak: with a delay, iterative serves one connection at a time; the
// other modes serve all N together. Clients of the concurrent modes keep
// their connection until every client has its echo, so all N are in
// service at once by construction, not by timing.
func TestPeak(t *testing.T) {
	const n = 8
	for _, mode := range allModes() {
		t.Run(mode.String(), func(t *testing.T) {
			srv := &TCPServer{Mode: mode, Delay: 20 * time.Millisecond}
			addr := startTCP(t, "127.0.0.1", srv)
			hold := mode != Iterative // holding would deadlock one-at-a-time service
			runClients(t, addr, n, hold)
			want := int64(n)
			if mode == Iterative {
				want = 1
			}
			if st := srv.Stats(); st.Peak != want {
				t.Errorf("peak %d concurrent, want %d (%v)", st.Peak, want, st)
			}
		})
	}
	for _, mode := range []Mode{Pool, Event} {
		if mode == Event && runtime.GOOS != "linux" {
			continue
		}
		t.Run(mode.String()+"/max2", func(t *testing.T) {
			srv := &TCPServer{Mode: mode, MaxConns: 2, Delay: 20 * time.Millisecond}
			addr := startTCP(t, "127.0.0.1", srv)
			runClients(t, addr, n, false)
			waitFor(t, "every connection to end", func() bool { return srv.Stats().Served == n })
			if st := srv.Stats(); st.Peak > 2 {
				t.Errorf("peak %d, want at most 2", st.Peak)
			}
		})
	}
}

// runClients runs n concurrent clients that each send one message and read
// the echo; with hold they close only after all n have their echo.
func runClients(t *testing.T, addr string, n int, hold bool) {
	t.Helper()
	var got, wg sync.WaitGroup
	got.Add(n)
	allGot := make(chan struct{})
	go func() { got.Wait(); close(allGot) }()
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				got.Done()
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(within))
			msg := []byte{byte('a' + i)}
			_, err = c.Write(msg)
			if err == nil {
				_, err = io.ReadFull(c, msg)
			}
			got.Done()
			if err != nil {
				errs <- err
				return
			}
			if hold {
				<-allGot
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestThreadedRefusesOverMaxConns(t *testing.T) {
	srv := &TCPServer{Mode: Threaded, MaxConns: 1}
	addr := startTCP(t, "127.0.0.1", srv)
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	waitFor(t, "the first connection in service", func() bool { return srv.Stats().Active == 1 })
	second, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.SetReadDeadline(time.Now().Add(within))
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Fatal("second connection was served")
	}
	if st := srv.Stats(); st.Refused != 1 || st.Peak != 1 {
		t.Errorf("refused %d peak %d, want 1 and 1", st.Refused, st.Peak)
	}
}

// TestIdleDropped: a client that connects and sends nothing is closed at
// the idle deadline.
func TestIdleDropped(t *testing.T) {
	for _, mode := range allModes() {
		t.Run(mode.String(), func(t *testing.T) {
			dropped := make(chan ConnEvent, 1)
			srv := &TCPServer{Mode: mode, IdleTimeout: 50 * time.Millisecond, OnConn: func(e ConnEvent) {
				if e.Kind != Accepted {
					dropped <- e
				}
			}}
			addr := startTCP(t, "127.0.0.1", srv)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(within))
			_, err = c.Read(make([]byte, 1))
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("silent client was not dropped")
			}
			waitFor(t, "the drop to be counted", func() bool { return srv.Stats().IdleDropped == 1 })
			if e := <-dropped; e.Kind != Dropped || e.Why != "it sent nothing for 50ms (--idle-timeout; 0 turns this off)" {
				t.Errorf("the console says %q", e)
			}
		})
	}
}

// TestSlowReaderBounded: a client that sends without reading its echoes
// stops being read from once MaxBuffered bytes are held for it.
func TestSlowReaderBounded(t *testing.T) {
	const maxBuf = 8 << 10
	for _, mode := range allModes() {
		t.Run(mode.String(), func(t *testing.T) {
			srv := &TCPServer{Mode: mode, MaxBuffered: maxBuf, Grace: 50 * time.Millisecond}
			addr := startTCP(t, "127.0.0.1", srv)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			chunk := make([]byte, 64<<10)
			sent := 0
			// Write until the server stops taking data (a write stalls); a
			// server reading without bound would never stall.
			for {
				c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
				n, err := c.Write(chunk)
				sent += n
				if err != nil {
					break
				}
				if sent > 512<<20 {
					t.Fatalf("server took %d bytes from a client that reads nothing", sent)
				}
			}
			waitFor(t, "the server to receive data", func() bool { return srv.Stats().PeakBuffered > 0 })
			st := srv.Stats()
			if st.PeakBuffered > maxBuf {
				t.Errorf("peak buffered %d bytes, want at most %d", st.PeakBuffered, maxBuf)
			}
			if st.Active != 1 {
				t.Errorf("active %d, want 1", st.Active)
			}
			t.Logf("sent %d bytes before the stall; server held at most %d", sent, st.PeakBuffered)
		})
	}
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// TestAbortedClientsLeaveNothing: 1,000 clients that disconnect in the
// middle of a message (half of them with a reset) leave no goroutine and
// no descriptor behind, while the server runs and after it stops.
func TestAbortedClientsLeaveNothing(t *testing.T) {
	const clients = 1000
	for _, mode := range allModes() {
		for _, delay := range []time.Duration{0, 5 * time.Millisecond} {
			if mode == Iterative && delay > 0 {
				continue // 1,000 sequential delays prove nothing more
			}
			t.Run(mode.String()+"/delay="+delay.String(), func(t *testing.T) {
				g0, fd0 := runtime.NumGoroutine(), openFDs(t)
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				srv := &TCPServer{Mode: mode, Delay: delay}
				stop := serveInBackground(t, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
				defer stop()
				waitFor(t, "the server to start", func() bool { return srv.Addr() != nil })
				addr := ln.Addr().String()
				// Let the server settle, then take its own baseline.
				c, err := TCPClient(testCtx(t), addr, []byte("warm-up"))
				if err != nil || string(c) != "warm-up" {
					t.Fatalf("warm-up: %q %v", c, err)
				}
				waitFor(t, "warm-up to end", func() bool { return srv.Stats().Active == 0 })
				g1, fd1 := runtime.NumGoroutine(), openFDs(t)

				var wg sync.WaitGroup
				sem := make(chan struct{}, 50)
				for i := range clients {
					wg.Add(1)
					sem <- struct{}{}
					go func() {
						defer wg.Done()
						defer func() { <-sem }()
						c, err := net.Dial("tcp", addr)
						if err != nil {
							t.Error(err)
							return
						}
						// Half a 1 KiB message, then gone.
						c.Write(bytes.Repeat([]byte{'m'}, 512))
						if i%2 == 0 {
							c.(*net.TCPConn).SetLinger(0) // reset instead of FIN
						}
						c.Close()
					}()
				}
				wg.Wait()
				waitFor(t, "every aborted connection to end", func() bool {
					st := srv.Stats()
					return st.Served == clients+1 && st.Active == 0
				})
				waitFor(t, "goroutines back to the server's baseline", func() bool { return runtime.NumGoroutine() <= g1 })
				waitFor(t, "descriptors back to the server's baseline", func() bool { return openFDs(t) <= fd1 })
				stop()
				waitFor(t, "goroutines back to the baseline", func() bool { return runtime.NumGoroutine() <= g0 })
				waitFor(t, "descriptors back to the baseline", func() bool { return openFDs(t) <= fd0 })
			})
		}
	}
}

// TestShutdownLetsEchoFinish: cancelling the server while an echo waits out
// its delay still delivers that echo; a connection with nothing in flight
// is closed; Serve returns nil.
func TestShutdownLetsEchoFinish(t *testing.T) {
	for _, mode := range allModes() {
		if mode == Iterative {
			continue // it serves only the one connection at a time
		}
		t.Run(mode.String(), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &TCPServer{Mode: mode, Delay: 200 * time.Millisecond}
			stop := serveInBackground(t, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
			defer stop()
			idle, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer idle.Close()
			busy, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			if _, err := busy.Write([]byte("in flight")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the message to be received", func() bool { return srv.Stats().PeakBuffered > 0 })
			stop()
			busy.SetReadDeadline(time.Now().Add(within))
			got := make([]byte, len("in flight"))
			if _, err := io.ReadFull(busy, got); err != nil || string(got) != "in flight" {
				t.Errorf("in-flight echo: %q, %v", got, err)
			}
			idle.SetReadDeadline(time.Now().Add(within))
			if _, err := idle.Read(got); err == nil {
				t.Error("idle connection still open after shutdown")
			}
		})
	}
}

func TestServeErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := &TCPServer{}
	err = srv.ListenAndServe(context.Background(), ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("port in use: %v", err)
	}
	_, err = TCPClient(testCtx(t), "127.0.0.1:1", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("refused: %v", err)
	}
	if _, err := ParseMode("fork"); err == nil {
		t.Error("ParseMode accepted fork")
	}
	for _, m := range []Mode{Iterative, Threaded, Pool, Event} {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m, got, err)
		}
	}
}

func TestBench(t *testing.T) {
	for _, mode := range allModes() {
		t.Run(mode.String(), func(t *testing.T) {
			srv := &TCPServer{Mode: mode}
			addr := startTCP(t, "127.0.0.1", srv)
			res, err := Bench(testCtx(t), BenchConfig{Addr: addr, Clients: 10, Messages: 20, Size: 1024, Rate: 10000})
			if err != nil {
				t.Fatal(err)
			}
			if res.Completed != 10 || res.Failed != 0 || res.Messages != 200 || res.Err != nil {
				t.Errorf("result %+v", res)
			}
			if res.P50 <= 0 || res.P99 < res.P50 {
				t.Errorf("latencies p50 %v p99 %v", res.P50, res.P99)
			}
		})
	}
	t.Run("udp", func(t *testing.T) {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &UDPServer{}
		t.Cleanup(serveInBackground(t, func(ctx context.Context) error { return srv.Serve(ctx, pc) }))
		res, err := Bench(testCtx(t), BenchConfig{Addr: pc.LocalAddr().String(), Proto: "udp", Clients: 4, Messages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Completed != 4 || res.Messages != 40 {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("refused", func(t *testing.T) {
		res, err := Bench(testCtx(t), BenchConfig{Addr: "127.0.0.1:1", Clients: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Completed != 0 || res.Failed != 3 || res.Err == nil {
			t.Errorf("result %+v", res)
		}
	})
	if _, err := Bench(context.Background(), BenchConfig{Addr: "x:1", Proto: "sctp", Clients: 1}); err == nil {
		t.Error("bench accepted sctp")
	}
}

func TestStatsServeAndFetch(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Accepted: 3, Served: 2, Active: 1, Peak: 2, Refused: 4, IdleDropped: 5, Bytes: 1 << 40, PeakBuffered: 7}
	stop := serveInBackground(t, func(ctx context.Context) error {
		return ServeStats(ctx, ln, func() Stats { return want })
	})
	defer stop()
	got, err := FetchStats(testCtx(t), ln.Addr().String())
	if err != nil || got != want {
		t.Errorf("FetchStats = %+v, %v; want %+v", got, err, want)
	}
	if _, err := ParseStats("nothing here"); err == nil {
		t.Error("ParseStats accepted a line without counters")
	}
	if _, err := ParseStats("peak=x"); err == nil {
		t.Error("ParseStats accepted peak=x")
	}
}

func TestTimerHeap(t *testing.T) {
	var h timerHeap
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 1000 {
		h.push(timer{at: int64(r.IntN(500)), fd: int32(i)})
	}
	last := int64(-1)
	for len(h) > 0 {
		top, _ := h.peek()
		if got := h.pop(); got != top || got.at < last {
			t.Fatalf("pop %v after %d (peek %v)", got, last, top)
		}
		last = top.at
	}
	if _, ok := h.peek(); ok {
		t.Error("peek on an empty heap")
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 5; i++ {
		d = append(d, time.Duration(i)*3*time.Second)
	}
	// Nearest rank: the p99 of five is the fifth, the p50 the third.
	if p := Percentile(d, 99); p != 15*time.Second {
		t.Errorf("p99 of 3..15 s = %v, want 15s", p)
	}
	if p := Percentile(d, 50); p != 9*time.Second {
		t.Errorf("p50 of 3..15 s = %v, want 9s", p)
	}
	if p := Percentile(nil, 99); p != 0 {
		t.Errorf("p99 of none = %v", p)
	}
	d = make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i + 1)
	}
	if p := Percentile(d, 99); p != 99 {
		t.Errorf("p99 of 1..100 = %v, want 99", p)
	}
}

// Every mode reports a connection's life to OnConn: accepted, then served
// with the bytes echoed; pool and event drop a silent client by default,
// iterative and threaded wait as the notes' servers do.
func TestOnConn(t *testing.T) {
	for _, mode := range allModes() {
		t.Run(mode.String(), func(t *testing.T) {
			var mu sync.Mutex
			var events []ConnEvent
			srv := &TCPServer{Mode: mode, OnConn: func(e ConnEvent) {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			}}
			addr := startTCP(t, "127.0.0.1", srv)
			if _, err := TCPClient(testCtx(t), addr, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the served event", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(events) == 2
			})
			mu.Lock()
			defer mu.Unlock()
			a, s := events[0], events[1]
			if a.Kind != Accepted || s.Kind != Served || s.Bytes != 5 || a.Remote != s.Remote || !a.Remote.Addr().Is4() {
				t.Errorf("events %v", events)
			}
			if got := s.String(); got != "served "+s.Remote.String()+": 5 bytes echoed" {
				t.Errorf("served line %q", got)
			}
			idle := srv.config().idle
			if want := map[Mode]time.Duration{Pool: DefaultIdleTimeout, Event: DefaultIdleTimeout}[mode]; idle != want {
				t.Errorf("default idle timeout %v, want %v", idle, want)
			}
		})
	}
}
