package echo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// maxDatagram is the largest UDP payload (IPv6 jumbograms aside).
const maxDatagram = 65535

// UDPServer sends every datagram back to its sender, one at a time, as the
// classroom's UDP server does. The zero value is ready to use; set fields
// before Serve. A UDPServer serves one packet conn, once.
type UDPServer struct {
	// Delay is slept between receiving a datagram and sending it back;
	// datagrams arriving meanwhile wait in the socket buffer.
	Delay time.Duration
	// Grace bounds how long an echo in its Delay may go on after the
	// context is cancelled. Zero means DefaultGrace.
	Grace time.Duration
	// Once echoes a single datagram and returns.
	Once bool

	// OnEcho, when set, is called after each datagram sent back (an
	// Echoed event), from the serving goroutine.
	OnEcho func(ConnEvent)

	st counters
}

// Stats returns the counters; each datagram counts as one connection.
func (s *UDPServer) Stats() Stats { return s.st.snapshot() }

// Serve echoes datagrams on pc until ctx is cancelled (or, with Once, after
// one). An echo in progress when ctx is cancelled is still sent if its
// Delay ends within Grace. Serve closes pc and returns only when its
// goroutines have ended; the error is nil after a cancel or Once.
func (s *UDPServer) Serve(ctx context.Context, pc net.PacketConn) error {
	grace := s.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	force := make(chan struct{})
	served := make(chan struct{})
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		select {
		case <-ctx.Done():
		case <-served:
			return
		}
		// Interrupt a waiting read; an echo in its Delay goes on.
		pc.SetReadDeadline(time.Unix(1, 0))
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			close(force)
		case <-served:
		}
	}()
	err := s.serve(ctx, pc, force)
	close(served)
	<-watcherDone
	pc.Close()
	return err
}

func (s *UDPServer) serve(ctx context.Context, pc net.PacketConn, force <-chan struct{}) error {
	buf := make([]byte, maxDatagram)
	for ctx.Err() == nil {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("read: %w", err)
		}
		s.st.open()
		s.st.buffered(n)
		if s.Delay > 0 {
			t := time.NewTimer(s.Delay)
			select {
			case <-t.C:
			case <-force:
				t.Stop()
				s.st.close()
				return nil
			}
		}
		// A send error (say the sender's port is gone) concerns that one
		// datagram, not the server.
		if w, err := pc.WriteTo(buf[:n], from); err == nil {
			s.st.bytes.Add(int64(w))
			if s.OnEcho != nil {
				s.OnEcho(ConnEvent{Kind: Echoed, Remote: addrPort(from), Bytes: int64(w)})
			}
		}
		s.st.close()
		if s.Once {
			return nil
		}
	}
	return nil
}
