//go:build linux

package echo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Bounds on the work of one loop turn, so that no connection and no burst
// of accepts or timers starves the rest.
const (
	maxEvents   = 256      // events taken from one epoll_wait
	acceptBatch = 128      // accepts per turn
	timerBatch  = 1024     // expired timers run per turn
	loopBuf     = 64 << 10 // the loop's one read buffer
	keepOutCap  = 4 << 10  // an output buffer up to this size is kept for reuse
	acceptPause = 100 * time.Millisecond
)

// econn is the loop's state for one connection, indexed by descriptor.
type econn struct {
	fd       int
	gen      uint32
	interest uint32 // events registered with epoll
	out      []byte // echo not yet written: out[off:]
	off      int
	last     int64     // when the connection last moved its quota of bytes (loop clock)
	moved    int64     // bytes moved since then (MinRate)
	waiting  bool      // out is held back until its Delay timer fires
	eof      bool      // the client closed its sending side
	dead     bool      // an I/O error: close at the end of this handler
	ev       ConnEvent // the console's line for when it closes (OnConn)
}

func (c *econn) pending() int { return len(c.out) - c.off }

// loop is one event loop of the Event mode: one goroutine, one epoll
// instance, non-blocking descriptors; the shape of tidwall/evio and gnet's
// netpoll. Readiness is level-triggered: whatever a turn leaves unread or
// unwritten is reported again on the next turn.
//
// The mode runs one loop per core (GOMAXPROCS), as gnet does. The first
// loop alone owns the listener: it accepts and hands each connection to
// the loop serving the fewest, through that loop's inbox and eventfd (the
// acceptor keeps it when it is that loop). A connection stays on its loop
// for life, so a loop's state is touched by its own goroutine only; the
// loops share the counters and the MaxConns budget (group.active).
type loop struct {
	cfg config
	st  *counters
	ln  net.Listener // the first loop's only
	grp *group

	inMu   sync.Mutex
	inbox  []accepted   // connections handed to this loop, not yet adopted
	spare  []accepted   // the inbox's other buffer, being adopted
	closed bool         // the loop has ended: hand it nothing more
	load   atomic.Int64 // connections on this loop, for the acceptor's choice

	epfd, wfd, lfd int // epoll instance, eventfd wake-up, listener (-1 once closed)
	listening      bool
	acceptPaused   bool

	conns  []*econn // by descriptor
	active int
	gen    uint32
	buf    []byte
	events []unix.EpollEvent
	timers timerHeap
	start  time.Time

	drainReq  atomic.Bool // set by other goroutines, announced through wfd
	draining  bool
	onceTaken bool
	done      bool
}

// accepted is a connection the acceptor took: its descriptor and the
// client's address.
type accepted struct {
	fd     int
	remote netip.AddrPort
}

// group is the Event mode's set of loops.
type group struct {
	loops  []*loop
	active atomic.Int64 // connections on all loops (MaxConns bounds it)
}

func serveEvent(ctx context.Context, ln net.Listener, c config, st *counters) error {
	n := runtime.GOMAXPROCS(0)
	if c.once {
		n = 1 // one connection in all
	}
	g := &group{}
	for i := range n {
		l, err := newLoop(ln, i == 0, c, st)
		if err != nil {
			for _, o := range g.loops {
				o.closeFDs()
			}
			ln.Close()
			return err
		}
		l.grp = g
		g.loops = append(g.loops, l)
	}
	errs := make(chan error, n)
	for _, l := range g.loops {
		go func() {
			err := l.run()
			if err != nil {
				g.requestDrain() // one loop failed: the server stops
			}
			l.retire()
			errs <- err
		}()
	}
	loopsDone := make(chan struct{})
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		select {
		case <-ctx.Done():
			g.requestDrain()
		case <-loopsDone:
		}
	}()
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	close(loopsDone)
	<-watcherDone
	for _, l := range g.loops {
		l.shutdown()
	}
	return first
}

// requestDrain asks every loop to stop accepting and drain.
func (g *group) requestDrain() {
	for _, l := range g.loops {
		l.requestDrain()
	}
}

// handOff gives an accepted descriptor to the loop serving the fewest
// connections; false means that is l itself.
func (g *group) handOff(l *loop, a accepted) bool {
	to := l
	for _, o := range g.loops {
		if o.load.Load() < to.load.Load() {
			to = o
		}
	}
	if to == l {
		return false
	}
	to.load.Add(1) // counted now, so the next choice sees it
	to.inMu.Lock()
	if to.closed {
		to.inMu.Unlock()
		to.load.Add(-1)
		return false
	}
	to.inbox = append(to.inbox, a)
	to.inMu.Unlock()
	to.poke()
	return true
}

// newLoop makes a loop; the acceptor takes the listener, the others get
// connections from it.
func newLoop(ln net.Listener, acceptor bool, c config, st *counters) (*loop, error) {
	if !acceptor {
		return newWorkerLoop(c, st)
	}
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("event loop: need a TCP listener, got %T", ln)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("event loop: listener: %w", err)
	}
	l := &loop{
		cfg: c, st: st, ln: ln,
		epfd: -1, wfd: -1, lfd: -1,
		buf:    make([]byte, loopBuf),
		events: make([]unix.EpollEvent, maxEvents),
		start:  time.Now(),
	}
	// Our own duplicate of the listener, so the loop accepts on a
	// descriptor it owns; it shares the non-blocking open file with ln.
	var dupErr error
	if err := rc.Control(func(fd uintptr) {
		l.lfd, dupErr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, fmt.Errorf("event loop: listener: %w", err)
	}
	if dupErr != nil {
		return nil, fmt.Errorf("event loop: dup listener: %w", dupErr)
	}
	fail := func(what string, err error) (*loop, error) {
		l.closeFDs()
		if what == "" {
			return nil, fmt.Errorf("event loop: %w", err)
		}
		return nil, fmt.Errorf("event loop: %s: %w", what, err)
	}
	if err := unix.SetNonblock(l.lfd, true); err != nil {
		return fail("set non-blocking", err)
	}
	if err := l.openPoll(); err != nil {
		return fail("", err)
	}
	if err := l.ctl(unix.EPOLL_CTL_ADD, l.lfd, unix.EPOLLIN); err != nil {
		return fail("epoll_ctl listener", err)
	}
	l.listening = true
	return l, nil
}

// newWorkerLoop makes a loop without a listener.
func newWorkerLoop(c config, st *counters) (*loop, error) {
	l := &loop{
		cfg: c, st: st,
		epfd: -1, wfd: -1, lfd: -1,
		buf:    make([]byte, loopBuf),
		events: make([]unix.EpollEvent, maxEvents),
		start:  time.Now(),
	}
	if err := l.openPoll(); err != nil {
		l.closeFDs()
		return nil, fmt.Errorf("event loop: %w", err)
	}
	return l, nil
}

// openPoll creates the loop's epoll instance and its eventfd wake-up.
func (l *loop) openPoll() error {
	var err error
	if l.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return fmt.Errorf("epoll_create1: %w", err)
	}
	if l.wfd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		return fmt.Errorf("eventfd: %w", err)
	}
	if err := l.ctl(unix.EPOLL_CTL_ADD, l.wfd, unix.EPOLLIN); err != nil {
		return fmt.Errorf("epoll_ctl eventfd: %w", err)
	}
	return nil
}

func (l *loop) ctl(op, fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return unix.EpollCtl(l.epfd, op, fd, &ev)
}

// now is the loop clock: monotonic nanoseconds since the loop started.
func (l *loop) now() int64 { return int64(time.Since(l.start)) }

// requestDrain asks the loop, from another goroutine, to stop accepting and
// drain: the flag is the message, the eventfd write wakes epoll_wait.
func (l *loop) requestDrain() {
	l.drainReq.Store(true)
	l.poke()
}

// poke wakes the loop's epoll_wait from another goroutine.
func (l *loop) poke() {
	one := [8]byte{1}
	unix.Write(l.wfd, one[:])
}

// retire marks an ended loop closed to hand-offs and closes what was
// handed to it too late.
func (l *loop) retire() {
	l.inMu.Lock()
	l.closed = true
	late := l.inbox
	l.inbox = nil
	l.inMu.Unlock()
	for _, a := range late {
		unix.Close(a.fd)
		l.load.Add(-1)
		l.grp.active.Add(-1)
	}
}

func (l *loop) run() error {
	for !l.done {
		n, err := unix.EpollWait(l.epfd, l.events, l.waitTimeout())
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("event loop: epoll_wait: %w", err)
		}
		now := l.now()
		acceptReady := false
		for _, ev := range l.events[:n] {
			switch fd := int(ev.Fd); {
			case fd == l.wfd:
				l.wake(now)
			case fd == l.lfd:
				// Accept after the other events: a descriptor closed in
				// this batch must not be reused while events for it remain.
				acceptReady = true
			default:
				l.event(fd, ev.Events, now)
			}
		}
		if acceptReady && l.listening {
			if err := l.accept(now); err != nil {
				return err
			}
		}
		l.runTimers(now)
		if (l.draining || l.onceTaken) && l.active == 0 {
			l.done = true
		}
	}
	return nil
}

// waitTimeout is epoll_wait's timeout in milliseconds: until the earliest
// timer, rounded up, or -1 (forever) when there is none.
func (l *loop) waitTimeout() int {
	t, ok := l.timers.peek()
	if !ok {
		return -1
	}
	d := t.at - l.now()
	if d <= 0 {
		return 0
	}
	return int(min((d+int64(time.Millisecond)-1)/int64(time.Millisecond), 1<<30))
}

func (l *loop) wake(now int64) {
	var b [8]byte
	unix.Read(l.wfd, b[:])
	l.inMu.Lock()
	in := l.inbox
	l.inbox, l.spare = l.spare[:0], in // handOff appends to the other one
	l.inMu.Unlock()
	for _, a := range in {
		l.adopt(a, now)
	}
	if l.drainReq.Load() && !l.draining {
		l.beginDrain(now)
	}
	if l.lfd >= 0 {
		l.syncListen() // another loop may have closed connections
	}
}

func (l *loop) event(fd int, events uint32, now int64) {
	if fd < 0 || fd >= len(l.conns) || l.conns[fd] == nil {
		return
	}
	c := l.conns[fd]
	if events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		// HUP: both directions are shut, so no echo can be delivered.
		l.closeConn(c)
		return
	}
	if events&unix.EPOLLOUT != 0 {
		l.flush(c, now)
	}
	if events&unix.EPOLLIN != 0 && !c.dead {
		l.read(c, now)
	}
	l.update(c)
}

// read does one read into the loop's buffer and echoes it at once when it
// can; only what the kernel does not take is copied into the connection's
// queue. With a Delay the data is held until its timer fires.
func (l *loop) read(c *econn, now int64) {
	room := min(l.cfg.maxBuffered-c.pending(), len(l.buf))
	if room <= 0 {
		return
	}
	n, err := unix.Read(c.fd, l.buf[:room])
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return
	case err != nil:
		c.dead = true
		return
	case n == 0:
		c.eof = true
		return
	}
	l.progress(c, n, now)
	data := l.buf[:n]
	l.st.buffered(c.pending() + n)
	if l.cfg.delay > 0 {
		// As the blocking modes do (read, sleep, write), nothing more is
		// read until this piece is echoed, so out is empty here.
		c.out = append(c.out[:0], data...)
		c.off = 0
		c.waiting = true
		l.timers.push(timer{at: now + int64(l.cfg.delay), fd: int32(c.fd), gen: c.gen, kind: timerDelay})
		return
	}
	if c.pending() == 0 {
		w, err := unix.Write(c.fd, data)
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			c.dead = true
			return
		}
		w = max(w, 0)
		l.progress(c, w, now)
		l.st.bytes.Add(int64(w))
		c.ev.Bytes += int64(w)
		if w == n {
			return
		}
		data = data[w:]
	}
	if c.off > 0 {
		c.out = c.out[:copy(c.out, c.out[c.off:])]
		c.off = 0
	}
	if cap(c.out) < l.cfg.maxBuffered {
		// Exactly MaxBuffered, which the queue never exceeds: append's
		// doubling would otherwise let it take up to twice that.
		c.out = append(make([]byte, 0, l.cfg.maxBuffered), c.out...)
	}
	c.out = append(c.out, data...)
}

// flush does one write of the queued echo.
func (l *loop) flush(c *econn, now int64) {
	if c.waiting || c.pending() == 0 {
		return
	}
	w, err := unix.Write(c.fd, c.out[c.off:])
	if err != nil {
		if err != unix.EAGAIN && err != unix.EINTR {
			c.dead = true
		}
		return
	}
	c.off += w
	l.progress(c, w, now)
	l.st.bytes.Add(int64(w))
	c.ev.Bytes += int64(w)
	if c.off == len(c.out) {
		c.off = 0
		c.out = c.out[:0]
		if cap(c.out) > keepOutCap {
			c.out = nil
		}
	}
}

// update closes a connection that is finished, or registers the events it
// now waits for: write readiness only while output is queued, read
// readiness only while the queue is under MaxBuffered and nothing is held
// for a Delay.
func (l *loop) update(c *econn) {
	p := c.pending()
	if c.dead || (!c.waiting && p == 0 && (c.eof || l.draining)) {
		l.closeConn(c)
		return
	}
	var want uint32
	if !c.waiting {
		if p > 0 {
			want |= unix.EPOLLOUT
		}
		if !c.eof && !l.draining && p < l.cfg.maxBuffered && (l.cfg.delay == 0 || p == 0) {
			want |= unix.EPOLLIN
		}
	}
	if want != c.interest {
		if err := l.ctl(unix.EPOLL_CTL_MOD, c.fd, want); err != nil {
			l.closeConn(c)
			return
		}
		c.interest = want
	}
}

func (l *loop) accept(now int64) error {
	defer l.syncListen()
	for range acceptBatch {
		if int(l.grp.active.Load()) >= l.cfg.maxConns || l.onceTaken || l.acceptPaused {
			return nil
		}
		fd, sa, err := unix.Accept4(l.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch err {
		case nil:
		case unix.EAGAIN:
			return nil
		case unix.EINTR, unix.ECONNABORTED:
			continue
		case unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM:
			// Out of descriptors: the listener stays readable, so stop
			// listening for a moment instead of spinning on it.
			l.acceptPaused = true
			l.timers.push(timer{at: now + int64(acceptPause), kind: timerAccept})
			return nil
		default:
			return fmt.Errorf("event loop: accept: %w", err)
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		l.grp.active.Add(1)
		if l.cfg.once {
			l.onceTaken = true
		}
		a := accepted{fd, sockaddrPort(sa)}
		if !l.grp.handOff(l, a) {
			l.load.Add(1)
			l.adopt(a, now)
		}
	}
	return nil
}

// adopt puts an accepted descriptor in this loop's service; it is already
// counted in group.active and l.load.
func (l *loop) adopt(a accepted, now int64) {
	fd := a.fd
	if err := l.ctl(unix.EPOLL_CTL_ADD, fd, unix.EPOLLIN); err != nil {
		unix.Close(fd)
		l.load.Add(-1)
		l.release()
		return
	}
	for fd >= len(l.conns) {
		l.conns = append(l.conns, nil)
	}
	l.conns = l.conns[:cap(l.conns)]
	l.gen++
	c := &econn{fd: fd, gen: l.gen, interest: unix.EPOLLIN, last: now}
	c.ev = ConnEvent{Kind: Served, Remote: a.remote}
	l.conns[fd] = c
	l.active++
	l.st.open()
	l.st.note(ConnEvent{Kind: Accepted, Remote: a.remote})
	if l.cfg.idle > 0 {
		l.timers.push(timer{at: now + int64(l.cfg.idle), fd: int32(fd), gen: c.gen, kind: timerIdle})
	}
	if l.draining {
		l.update(c) // nothing in flight: closed at once
	}
}

// release gives a connection's slot back to the group; when the group was
// full, the acceptor is woken to listen again.
func (l *loop) release() {
	if int(l.grp.active.Add(-1)) == l.cfg.maxConns-1 {
		if a := l.grp.loops[0]; a != l {
			a.poke()
		}
	}
}

// syncListen keeps the listener in the interest set exactly while the loop
// may accept: not draining, not past Once, not at MaxConns, not paused.
func (l *loop) syncListen() {
	want := l.lfd >= 0 && !l.draining && !l.onceTaken && !l.acceptPaused && int(l.grp.active.Load()) < l.cfg.maxConns
	if want == l.listening {
		return
	}
	var ev uint32
	if want {
		ev = unix.EPOLLIN
	}
	if l.ctl(unix.EPOLL_CTL_MOD, l.lfd, ev) == nil {
		l.listening = want
	}
}

func (l *loop) closeConn(c *econn) {
	if l.conns[c.fd] != c {
		return
	}
	l.conns[c.fd] = nil
	// Closing removes the descriptor from epoll: no one else holds it.
	unix.Close(c.fd)
	l.active--
	l.load.Add(-1)
	l.st.close()
	l.st.note(c.ev)
	l.release()
	l.syncListen()
}

// lookup returns the connection a timer was set for, or nil if it is gone.
func (l *loop) lookup(t timer) *econn {
	fd := int(t.fd)
	if fd < 0 || fd >= len(l.conns) {
		return nil
	}
	if c := l.conns[fd]; c != nil && c.gen == t.gen {
		return c
	}
	return nil
}

func (l *loop) runTimers(now int64) {
	idle := int64(l.cfg.idle)
	for range timerBatch {
		t, ok := l.timers.peek()
		if !ok || t.at > now {
			return
		}
		l.timers.pop()
		switch t.kind {
		case timerGrace:
			l.dropAll(whyStopping)
			l.done = true
			return
		case timerAccept:
			l.acceptPaused = false
			l.syncListen()
		case timerDelay:
			if c := l.lookup(t); c != nil {
				c.waiting = false
				c.last = now
				l.flush(c, now)
				l.update(c)
			}
		case timerIdle:
			c := l.lookup(t)
			switch {
			case c == nil:
			case c.waiting:
				// The server, not the client, is the one waiting.
				l.timers.push(timer{at: now + idle, fd: t.fd, gen: t.gen, kind: timerIdle})
			case c.last+idle > now:
				l.timers.push(timer{at: c.last + idle, fd: t.fd, gen: t.gen, kind: timerIdle})
			default:
				l.st.idleDropped.Add(1)
				c.ev.Kind, c.ev.Why = Dropped, l.cfg.idleWhy(c.pending() > 0, c.moved)
				l.closeConn(c)
			}
		}
	}
}

// beginDrain stops accepting, closes connections with nothing in flight,
// lets the others finish their echo and starts the grace timer.
func (l *loop) beginDrain(now int64) {
	l.draining = true
	l.closeListener()
	for _, c := range l.conns {
		if c != nil {
			l.update(c)
		}
	}
	l.timers.push(timer{at: now + int64(l.cfg.grace), kind: timerGrace})
}

func (l *loop) closeListener() {
	if l.lfd >= 0 {
		// The open file is shared with ln, so close alone would leave it
		// registered: remove it first.
		unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, l.lfd, nil)
		unix.Close(l.lfd)
		l.lfd = -1
		l.listening = false
	}
	if l.ln != nil {
		l.ln.Close()
	}
}

func (l *loop) closeAll() {
	for _, c := range l.conns {
		if c != nil {
			l.closeConn(c)
		}
	}
}

// shutdown releases everything; run has returned and no other goroutine
// touches the loop any more.
func (l *loop) shutdown() {
	l.closeAll()
	l.closeListener()
	l.closeFDs()
}

func (l *loop) closeFDs() {
	if l.lfd >= 0 {
		unix.Close(l.lfd)
		l.lfd = -1
	}
	for _, fd := range []*int{&l.wfd, &l.epfd} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}

// progress counts n bytes moved by c; once it has moved its quota (MinRate
// × IdleTimeout) its idle window starts again. A slowloris, a byte every
// few seconds, never does and is dropped when its window ends.
func (l *loop) progress(c *econn, n int, now int64) {
	if c.moved += int64(n); c.moved >= l.cfg.quota {
		c.moved, c.last = 0, now
	}
}
