// Package echo holds the classroom's UDP and TCP echo programs: servers in
// the four concurrency models the class compares (iterative, a goroutine per
// connection, a bounded pool, and epoll event loops), the two clients, and
// a load generator that measures them.
//
// Servers take an existing listener or packet conn, so a caller can serve on
// 127.0.0.1:0, read the address, run clients and stop everything with a
// context cancel: Serve returns only after every goroutine it started has
// ended and every connection it accepted is closed.
package echo

import (
	"errors"
	"fmt"
	"time"
)

// Mode is how a TCPServer serves concurrent connections. The zero value is
// not a mode; a TCPServer whose Mode is zero serves Iterative, the
// classroom's first server.
type Mode uint8

const (
	// Iterative serves one connection at a time; the others wait in the
	// kernel's listen backlog.
	Iterative Mode = iota + 1
	// Threaded runs a goroutine per connection. Connections beyond MaxConns
	// are accepted and closed at once, so a flood cannot exhaust memory.
	Threaded
	// Pool serves at most MaxConns connections at once; the rest wait in the
	// listen backlog until one ends, as with eventlet's GreenPool.
	Pool
	// Event runs epoll loops over non-blocking sockets, one goroutine and
	// one loop per core, each connection on one loop for life (Linux
	// only). Like Pool it stops accepting at MaxConns.
	Event
)

var modeNames = [...]string{Iterative: "iterative", Threaded: "threaded", Pool: "pool", Event: "event"}

// String returns the mode's name as the --mode flag spells it.
func (m Mode) String() string {
	if m >= Iterative && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// ParseMode returns the mode named s ("iterative", "threaded", "pool" or
// "event").
func ParseMode(s string) (Mode, error) {
	for m := Iterative; int(m) < len(modeNames); m++ {
		if modeNames[m] == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q (want iterative, threaded, pool or event)", s)
}

// ErrNotSupported is returned (wrapped) by the event mode on systems other
// than Linux.
var ErrNotSupported = errors.New("not supported here")

// Defaults used when the corresponding TCPServer field is zero.
//
// They keep a default server under 256 MB whatever its clients do. The
// event loop holds at most DefaultMaxBuffered bytes for a client that sends
// and never reads: 10,000 clients × 8 KiB = 78 MiB of queues; Go's
// collector may let the heap grow to twice what is live, 156 MiB; the
// loop's state (under 1 KiB a connection: 10 MiB) and the runtime (about
// 15 MiB) bring it to some 180 MiB. (With 64 KiB it was 625 MiB of queues.)
// The blocking modes hold a 4 KiB read buffer and a goroutine stack of 8
// KiB or so a connection: 10,000 × 12 KiB = 117 MiB. A queue of 8 KiB costs
// nothing in the classroom: an echo is written at once when the client
// reads, and only the part the kernel does not take is queued.
const (
	DefaultMaxConns    = 10000
	DefaultIdleTimeout = 30 * time.Second
	DefaultMaxBuffered = 8 << 10
	DefaultGrace       = 5 * time.Second
	// DefaultMinRate: 30 bytes both ways in each 30 s window. A classroom
	// client sending a line every few seconds moves more; a slowloris
	// sending a byte every 10 s moves 6.
	DefaultMinRate = 1
)

// blockingBuf is the most a blocking-mode connection reads at once. It is
// small because each of up to 10,000 waiting goroutines holds one.
const blockingBuf = 4 << 10

// config is a TCPServer's settings with the defaults filled in.
type config struct {
	mode        Mode
	maxConns    int
	delay       time.Duration
	idle        time.Duration // 0: no idle deadline
	maxBuffered int
	grace       time.Duration
	once        bool
	// quota is the bytes a connection must move in each idle window to
	// keep its slot: MinRate × idle, at least 1.
	quota int64
	rate  int // MinRate as given, for the console
}

func (s *TCPServer) config() config {
	c := config{
		mode:        s.Mode,
		maxConns:    s.MaxConns,
		delay:       s.Delay,
		idle:        s.IdleTimeout,
		maxBuffered: s.MaxBuffered,
		grace:       s.Grace,
		once:        s.Once,
	}
	if c.mode == 0 {
		c.mode = Iterative
	}
	if c.maxConns <= 0 {
		c.maxConns = DefaultMaxConns
	}
	if c.delay < 0 {
		c.delay = 0
	}
	switch {
	case c.idle == 0 && (c.mode == Pool || c.mode == Event):
		c.idle = DefaultIdleTimeout
	case c.idle <= 0:
		c.idle = 0 // the notes' servers wait as long as a student types
	}
	if c.maxBuffered <= 0 {
		c.maxBuffered = DefaultMaxBuffered
	}
	if c.grace <= 0 {
		c.grace = DefaultGrace
	}
	rate := s.MinRate
	if rate == 0 {
		rate = DefaultMinRate
	}
	c.rate = rate
	c.quota = max(int64(rate)*int64(c.idle/time.Second), 1)
	return c
}
