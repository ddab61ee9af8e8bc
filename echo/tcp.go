package echo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// TCPServer echoes every byte a client sends until the client closes. The
// zero value serves Iterative with the defaults; set fields before Serve and
// do not change them afterwards. A TCPServer serves one listener, once.
type TCPServer struct {
	Mode Mode

	// MaxConns caps the connections in service (Threaded, Pool, Event);
	// zero means DefaultMaxConns.
	MaxConns int

	// Delay is slept between receiving and sending back each piece of data,
	// the classroom's time.sleep. The Event loop keeps serving others
	// meanwhile.
	Delay time.Duration

	// IdleTimeout drops a connection whose client sends nothing (or does not
	// read its echo) for this long, against slowloris. Zero means the
	// mode's default: never for Iterative and Threaded, which serve the
	// classroom as the notes' servers do (a student may take a minute to
	// type), DefaultIdleTimeout for Pool and Event, the modes meant to face
	// many clients. Negative means never.
	IdleTimeout time.Duration

	// MinRate is the slowloris defence: a connection must move (receive
	// and echo) at least MinRate × IdleTimeout bytes in each IdleTimeout
	// window, in bytes per second, or it is dropped when the window ends,
	// so that clients sending a byte every few seconds cannot hold every
	// slot. Zero means DefaultMinRate, negative means any byte will do
	// (IdleTimeout alone).
	MinRate int

	// MaxBuffered caps the bytes held for one connection (received but not
	// yet echoed). A client that sends but does not read is not read from
	// until its backlog drains. Zero means DefaultMaxBuffered; the blocking
	// modes never hold more than their 4 KiB read buffer.
	MaxBuffered int

	// Grace bounds how long in-flight echoes may run after the context is
	// cancelled; then every connection is closed. Zero means DefaultGrace.
	Grace time.Duration

	// Once serves a single connection and returns, as the classroom servers do.
	Once bool

	// OnConn, when set, is called for every connection accepted, served,
	// refused or dropped (with the reason), from the goroutine serving
	// it: it must be safe for concurrent use and return quickly.
	OnConn func(ConnEvent)

	st   counters
	addr atomic.Pointer[net.Addr]
}

// Stats returns the server's counters; safe to call at any time from any
// goroutine.
func (s *TCPServer) Stats() Stats { return s.st.snapshot() }

// Addr returns the address being served, or nil before Serve starts.
func (s *TCPServer) Addr() net.Addr {
	if a := s.addr.Load(); a != nil {
		return *a
	}
	return nil
}

// ListenAndServe listens on the TCP address addr ("host:port", IPv4 or
// IPv6) and serves it; see Serve.
func (s *TCPServer) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln and echoes them until ctx is cancelled
// (or, with Once, until its one connection ends). On cancel it stops
// accepting, closes connections that have nothing in flight, lets the rest
// finish their current echo for at most Grace, then closes them. Serve
// closes ln and returns only when all its goroutines have ended; the
// error is nil after a cancel or Once.
func (s *TCPServer) Serve(ctx context.Context, ln net.Listener) error {
	a := ln.Addr()
	s.addr.Store(&a)
	s.st.hook = s.OnConn
	c := s.config()
	switch c.mode {
	case Iterative, Threaded, Pool:
		b := &blocking{cfg: c, st: &s.st, conns: map[*bconn]struct{}{}, force: make(chan struct{})}
		return b.serve(ctx, ln)
	case Event:
		return serveEvent(ctx, ln, c, &s.st)
	}
	ln.Close()
	return fmt.Errorf("serve: unknown mode %d", c.mode)
}

// blocking serves the Iterative, Threaded and Pool modes: plain blocking
// reads and writes, one goroutine per connection in service.
type blocking struct {
	cfg      config
	st       *counters
	draining atomic.Bool
	wg       sync.WaitGroup

	mu     sync.Mutex
	conns  map[*bconn]struct{}
	force  chan struct{} // closed when the grace period is over
	forced bool
}

type bconn struct {
	nc   net.Conn
	busy atomic.Bool // holds received data not yet echoed
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, blockingBuf); return &b }}

func (b *blocking) serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	handlersDone := make(chan struct{})
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		<-ctx.Done()
		ln.Close()
		b.beginDrain()
		t := time.NewTimer(b.cfg.grace)
		defer t.Stop()
		select {
		case <-t.C:
			b.forceClose()
		case <-handlersDone:
		}
	}()
	err := b.acceptLoop(ctx, ln)
	cancel()
	b.wg.Wait()
	close(handlersDone)
	<-watcherDone
	return err
}

func (b *blocking) acceptLoop(ctx context.Context, ln net.Listener) error {
	var sem chan struct{}
	if b.cfg.mode == Pool {
		sem = make(chan struct{}, b.cfg.maxConns)
	}
	var backoff time.Duration
	for {
		if sem != nil {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
		nc, err := ln.Accept()
		if err != nil {
			if sem != nil {
				<-sem
			}
			if retry, err := acceptFailed(ctx, err, &backoff); !retry {
				return err
			}
			continue
		}
		backoff = 0
		if b.cfg.mode == Threaded && b.st.active.Load() >= int64(b.cfg.maxConns) {
			b.st.refused.Add(1)
			b.st.note(ConnEvent{Kind: Refused, Remote: addrPort(nc.RemoteAddr()), Why: whyFull(b.cfg.maxConns)})
			nc.Close()
			continue
		}
		// Counted here, not in the goroutine, so that the check above
		// sees every connection already taken.
		b.st.open()
		if b.cfg.once || b.cfg.mode == Iterative {
			b.serveConn(nc)
			if b.cfg.once {
				return nil
			}
			continue
		}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.serveConn(nc)
			if sem != nil {
				<-sem
			}
		}()
	}
}

// retryAccept reports whether an accept error is worth retrying.
func retryAccept(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ENOBUFS) ||
		errors.Is(err, syscall.ENOMEM)
}

// acceptFailed is what every accept loop here does when Accept fails: stop
// quietly when ctx has ended (the listener was closed for it), stop with
// the error when it is not a passing shortage (retryAccept), else wait a
// pause growing from 5 ms to 1 s, as net/http does, rather than spin, and
// try again. *backoff is the pause so far; the loop zeroes it after an
// Accept that worked.
func acceptFailed(ctx context.Context, err error, backoff *time.Duration) (retry bool, _ error) {
	if ctx.Err() != nil {
		return false, nil
	}
	if !retryAccept(err) {
		return false, fmt.Errorf("accept: %w", err)
	}
	*backoff = min(max(2**backoff, 5*time.Millisecond), time.Second)
	select {
	case <-time.After(*backoff):
		return true, nil
	case <-ctx.Done():
		return false, nil
	}
}

// serveConn echoes one connection, already counted open: read, sleep
// Delay, write it all back, until the client closes, a deadline passes or
// the server drains.
func (b *blocking) serveConn(nc net.Conn) {
	defer b.st.close()
	defer nc.Close()
	ev := ConnEvent{Kind: Served, Remote: addrPort(nc.RemoteAddr())}
	b.st.note(ConnEvent{Kind: Accepted, Remote: ev.Remote})
	defer func() { b.st.note(ev) }()
	c := &bconn{nc: nc}
	if !b.track(c) {
		ev.Kind, ev.Why = Dropped, whyStopping
		return
	}
	defer b.untrack(c)
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := (*bp)[:min(len(*bp), b.cfg.maxBuffered)]
	idle := b.cfg.idle
	// The read deadline is the end of the current window; it moves on
	// only once the connection has moved its quota of bytes (MinRate).
	var moved int64
	windowEnd := time.Now().Add(idle)
	end := func(err error, reading bool) {
		var ne net.Error
		switch {
		case b.isForced():
			ev.Kind, ev.Why = Dropped, whyStopping
		case errors.As(err, &ne) && ne.Timeout() && !b.draining.Load():
			b.st.idleDropped.Add(1)
			ev.Kind, ev.Why = Dropped, b.cfg.idleWhy(!reading, moved)
		case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
			ev.Why = whyReset
		}
	}
	progress := func(n int) {
		if moved += int64(n); moved >= b.cfg.quota {
			moved, windowEnd = 0, time.Now().Add(idle)
		}
	}
	for {
		if idle > 0 {
			nc.SetReadDeadline(windowEnd)
		}
		// The order matters: set the deadline, then declare the connection
		// idle, then look at draining; beginDrain does the reverse, so one
		// of the two always sees the other (see beginDrain).
		c.busy.Store(false)
		if b.draining.Load() {
			return
		}
		n, err := nc.Read(buf)
		c.busy.Store(true)
		if n > 0 {
			b.st.buffered(n)
			if b.cfg.delay > 0 {
				if !b.sleep(b.cfg.delay) {
					return
				}
				// The server's own sleep does not count against the client.
				windowEnd = later(windowEnd, time.Now().Add(idle))
			}
			if idle > 0 {
				nc.SetWriteDeadline(time.Now().Add(idle))
			}
			progress(n)
			w, werr := nc.Write(buf[:n])
			progress(w)
			b.st.bytes.Add(int64(w))
			ev.Bytes += int64(w)
			if werr != nil {
				end(werr, false)
				return
			}
		}
		if err != nil {
			end(err, true)
			return
		}
	}
}

// isForced reports whether the grace period is over.
func (b *blocking) isForced() bool {
	select {
	case <-b.force:
		return true
	default:
		return false
	}
}

// sleep waits d, or returns false when the grace period ends first.
func (b *blocking) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.force:
		return false
	}
}

func (b *blocking) track(c *bconn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.forced {
		return false
	}
	b.conns[c] = struct{}{}
	return true
}

func (b *blocking) untrack(c *bconn) {
	b.mu.Lock()
	delete(b.conns, c)
	b.mu.Unlock()
}

// beginDrain interrupts the reads of connections with nothing in flight;
// busy ones finish their echo and then see draining. It sets draining
// before looking at busy, serveConn sets busy before looking at draining,
// so a connection either returns by itself or has its read interrupted.
func (b *blocking) beginDrain() {
	b.draining.Store(true)
	past := time.Unix(1, 0)
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.conns {
		if !c.busy.Load() {
			c.nc.SetReadDeadline(past)
		}
	}
}

// forceClose ends the grace period: sleeps stop and every connection closes.
func (b *blocking) forceClose() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.forced = true
	close(b.force)
	for c := range b.conns {
		c.nc.Close()
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
