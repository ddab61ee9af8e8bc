package echo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stats are a server's counters since Serve began. For a UDPServer a
// "connection" is a datagram.
type Stats struct {
	Accepted     int64 // connections taken into service (not those Refused)
	Served       int64 // connections finished (served to the end or dropped)
	Active       int64 // connections in service now
	Peak         int64 // most connections in service at once
	Refused      int64 // connections closed at once because MaxConns were in service (Threaded)
	IdleDropped  int64 // connections dropped at the idle deadline
	Bytes        int64 // bytes echoed back
	PeakBuffered int64 // most bytes held for one connection at once (received, not yet echoed)
}

// statsKeys are the keys of the text form, in order.
var statsKeys = [...]string{"accepted", "served", "active", "peak", "refused", "idle_dropped", "bytes", "peak_buffered"}

func (s *Stats) fields() [len(statsKeys)]*int64 {
	return [...]*int64{&s.Accepted, &s.Served, &s.Active, &s.Peak, &s.Refused, &s.IdleDropped, &s.Bytes, &s.PeakBuffered}
}

// AppendText appends the stats as space-separated key=value pairs, the
// form ParseStats reads.
func (s Stats) AppendText(b []byte) ([]byte, error) {
	for i, p := range s.fields() {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, statsKeys[i]...)
		b = append(b, '=')
		b = strconv.AppendInt(b, *p, 10)
	}
	return b, nil
}

// String returns the text form, for example "accepted=3 served=3 ...".
func (s Stats) String() string {
	b, _ := s.AppendText(nil)
	return string(b)
}

// ParseStats reads the text form written by AppendText. Unknown keys are
// skipped so that older readers accept newer servers.
func ParseStats(line string) (Stats, error) {
	var s Stats
	f := s.fields()
	seen := 0
	for _, kv := range strings.Fields(line) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		for i, key := range statsKeys {
			if key != k {
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Stats{}, fmt.Errorf("parse stats %q: %s: %w", line, k, err)
			}
			*f[i] = n
			seen++
		}
	}
	if seen == 0 {
		return Stats{}, fmt.Errorf("parse stats %q: no counters", line)
	}
	return s, nil
}

// counters are the live, concurrently updated form of Stats.
type counters struct {
	accepted, served, active, peak, refused, idleDropped, bytes, peakBuffered atomic.Int64
	// hook is the server's OnConn, nil for none; every mode reports its
	// connections through note.
	hook func(ConnEvent)
}

// note reports e to the server's OnConn, if it has one.
func (c *counters) note(e ConnEvent) {
	if c.hook != nil {
		c.hook(e)
	}
}

func (c *counters) snapshot() Stats {
	return Stats{
		Accepted:     c.accepted.Load(),
		Served:       c.served.Load(),
		Active:       c.active.Load(),
		Peak:         c.peak.Load(),
		Refused:      c.refused.Load(),
		IdleDropped:  c.idleDropped.Load(),
		Bytes:        c.bytes.Load(),
		PeakBuffered: c.peakBuffered.Load(),
	}
}

// open counts a connection entering service.
func (c *counters) open() {
	c.accepted.Add(1)
	storeMax(&c.peak, c.active.Add(1))
}

// close counts a connection leaving service.
func (c *counters) close() {
	c.active.Add(-1)
	c.served.Add(1)
}

func (c *counters) buffered(n int) { storeMax(&c.peakBuffered, int64(n)) }

func storeMax(a *atomic.Int64, n int64) {
	for {
		old := a.Load()
		if n <= old || a.CompareAndSwap(old, n) {
			return
		}
	}
}

// ServeStats answers each connection on ln with one line, the text form of
// stats(), and closes it: the way a separate process (turtle echo bench)
// asks a server for its counters. It closes ln and returns when ctx ends.
func ServeStats(ctx context.Context, ln net.Listener, stats func() Stats) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer ln.Close()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if ctx.Err() == nil && errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Out of descriptors: wait and try again, as the echo
			// listener does, rather than stop answering for good.
			if retry, err := acceptFailed(ctx, err, &backoff); !retry {
				if err != nil {
					return fmt.Errorf("stats: %w", err)
				}
				return nil
			}
			continue
		}
		backoff = 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			b, _ := stats().AppendText(nil)
			c.Write(append(b, '\n'))
		}()
	}
}

// FetchStats asks a ServeStats listener at addr for the server's counters.
func FetchStats(ctx context.Context, addr string) (Stats, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Stats{}, fmt.Errorf("fetch stats: %w", err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return Stats{}, fmt.Errorf("fetch stats from %s: %w", addr, err)
	}
	return ParseStats(line)
}
